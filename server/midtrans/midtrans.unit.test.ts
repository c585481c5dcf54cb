import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { midtransSignature, verifyMidtransSignature } from "./signature";
import { toIsoSeconds } from "../lib/time";
import { formatJakartaTime, parseJakartaTime } from "./time";
import { parseIdrAmount, refundedAmountOf, midtransTransactionSchema } from "./midtrans.schema";

const KEY = "SB-Mid-server-abc";
const sha = (s: string) => createHash("sha512").update(s).digest("hex");

describe("signature_key", () => {
  const body = { order_id: "ORDER-101", status_code: "200", gross_amount: "10000.00", transaction_status: "settlement" };
  const signed = { ...body, signature_key: sha(`ORDER-101200${"10000.00"}${KEY}`) };

  it("is SHA-512 of order_id + status_code + gross_amount + server key", () => {
    expect(midtransSignature("ORDER-101", "200", "10000.00", KEY)).toBe(signed.signature_key);
    expect(verifyMidtransSignature(signed, KEY)).toBe(true);
  });
  it("uses values exactly as sent: numbers as JSON wrote them", () => {
    const numeric = { order_id: "ORDER-101", status_code: 201, gross_amount: 10000, signature_key: sha(`ORDER-10120110000${KEY}`) };
    expect(verifyMidtransSignature(numeric, KEY)).toBe(true);
    // "10000.00" and "10000" hash differently
    expect(verifyMidtransSignature({ ...signed, gross_amount: "10000" }, KEY)).toBe(false);
  });
  it("rejects a wrong key, an altered amount, an altered status, a missing signature", () => {
    expect(verifyMidtransSignature(signed, "SB-Mid-server-other")).toBe(false);
    expect(verifyMidtransSignature({ ...signed, gross_amount: "1.00" }, KEY)).toBe(false);
    expect(verifyMidtransSignature({ ...signed, status_code: "201" }, KEY)).toBe(false);
    expect(verifyMidtransSignature({ ...body }, KEY)).toBe(false);
    expect(verifyMidtransSignature({ ...signed, signature_key: "00" }, KEY)).toBe(false);
    expect(verifyMidtransSignature({ ...signed, order_id: { x: 1 } }, KEY)).toBe(false);
  });
  it("accepts an upper-case hex signature", () => {
    expect(verifyMidtransSignature({ ...signed, signature_key: signed.signature_key.toUpperCase() }, KEY)).toBe(true);
  });
});

describe("Asia/Jakarta times", () => {
  it("converts WIB wall time to the UTC instant", () => {
    expect(parseJakartaTime("2026-05-06 17:00:00")?.toISOString()).toBe("2026-05-06T10:00:00.000Z");
    expect(parseJakartaTime("2026-01-01 03:30:15")?.toISOString()).toBe("2025-12-31T20:30:15.000Z");
  });
  it("rejects malformed and impossible values", () => {
    expect(parseJakartaTime("2026-02-31 10:00:00")).toBeNull();
    expect(parseJakartaTime("yesterday")).toBeNull();
    expect(parseJakartaTime(undefined)).toBeNull();
    expect(parseJakartaTime(1700000000)).toBeNull();
  });
  it("formats back to WIB and to the webhook's ISO format", () => {
    const d = new Date("2026-05-06T10:00:00.123Z");
    expect(formatJakartaTime(d)).toBe("2026-05-06 17:00:00");
    expect(formatJakartaTime(d, true)).toBe("2026-05-06 17:00:00 +0700");
    expect(toIsoSeconds(d)).toBe("2026-05-06T10:00:00Z");
  });
});

describe("amounts", () => {
  it("parses Midtrans gross_amount forms into whole rupiah", () => {
    expect(parseIdrAmount("10000.00")).toBe(10000);
    expect(parseIdrAmount("10000")).toBe(10000);
    expect(parseIdrAmount(10000)).toBe(10000);
    expect(parseIdrAmount("10000.50")).toBeNull();
    expect(parseIdrAmount(10.5)).toBeNull();
    expect(parseIdrAmount("-5")).toBeNull();
    expect(parseIdrAmount(null)).toBeNull();
  });
  it("sums refunds", () => {
    const t = midtransTransactionSchema.parse({ order_id: "a", transaction_status: "partial_refund", refunds: [{ refund_amount: "1000.00" }, { refund_amount: 500 }] });
    expect(refundedAmountOf(t)).toBe(1500);
    expect(refundedAmountOf(midtransTransactionSchema.parse({ order_id: 5, transaction_status: "refund", refund_amount: "700.00" }))).toBe(700);
  });
});
