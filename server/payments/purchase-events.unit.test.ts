import { describe, expect, it } from "vitest";
import type { PurchaseRow } from "./payments.schema";
import { lifecycleEventsOf, merchantEventTypes, sampleEventPayload } from "./purchase-events";
import { decideTransition } from "./status";

const at = new Date("2026-05-06T10:00:00.123Z");
const purchase = (over: Partial<PurchaseRow> = {}): PurchaseRow => ({
  id: "pur_1",
  project_id: "prj_1",
  environment: "sandbox",
  order_id: "ORDER-1",
  midtrans_order_id: null,
  amount: 88000,
  currency: "IDR",
  buyer_email: "b@example.com",
  buyer_name: null,
  item_id: "__direct__",
  item_name: "Kopi",
  metadata: { a: 1 },
  status: "settlement",
  midtrans_status: "settlement",
  fraud_status: null,
  payment_type: "gopay",
  midtrans_transaction_id: "tx",
  refunded_amount: 0,
  snap_token: null,
  invoice_url: null,
  snap_expires_at: null,
  create_error: null,
  created_at: at,
  paid_at: at,
  updated_at: at,
  ...over,
});

describe("lifecycleEventsOf", () => {
  it("one payment.refunded per refund beyond the stored total, keyed by the running total", () => {
    const before = purchase({ refunded_amount: 30000, status: "refund", midtrans_status: "partial_refund" });
    const after = purchase({ refunded_amount: 88000, status: "refund", midtrans_status: "refund" });
    const refunds = [
      { refund_id: "1", amount: 30000, reason: "a" },
      { refund_id: "2", amount: 20000, reason: "b" },
      { refund_id: "3", amount: 38000, reason: null },
    ];
    const events = lifecycleEventsOf(before, after, { occurredAt: at, refunds });
    expect(events.map((e) => [e.dedupe_key, e.payload])).toEqual([
      ["payment.refunded:50000", expect.objectContaining({ refund_id: "2", refund_amount: 20000, refunded_total: 50000, remaining_amount: 38000, full: false })],
      ["payment.refunded:88000", expect.objectContaining({ refund_id: "3", refund_amount: 38000, refunded_total: 88000, remaining_amount: 0, full: true })],
    ]);
    expect(events[0].payload).toMatchObject({ order_id: "ORDER-1", purchase_id: "pur_1", environment: "sandbox", amount: 88000, currency: "IDR", metadata: { a: 1 }, occurred_at: "2026-05-06T10:00:00Z" });
  });

  it("without Midtrans's list, the difference is one refund (same key as when the list comes later)", () => {
    const events = lifecycleEventsOf(purchase(), purchase({ refunded_amount: 30000, status: "refund", midtrans_status: "partial_refund" }), {
      occurredAt: at,
      refunds: [{ refund_id: "rf-9", amount: 0, reason: null }],
    });
    expect(events).toEqual([expect.objectContaining({ dedupe_key: "payment.refunded:30000", payload: expect.objectContaining({ refund_id: "rf-9", refund_amount: 30000 }) })]);
  });

  it("failed before payment, reversed after it", () => {
    const pending = purchase({ status: "pending", midtrans_status: "pending", paid_at: null });
    expect(lifecycleEventsOf(pending, purchase({ status: "cancel", midtrans_status: "failure", paid_at: null }), { occurredAt: at })).toEqual([
      expect.objectContaining({ event_type: "payment.failed", payload: expect.objectContaining({ reason: "failed", midtrans_status: "failure" }) }),
    ]);
    expect(lifecycleEventsOf(purchase(), purchase({ status: "cancel", midtrans_status: "deny" }), { occurredAt: at })).toEqual([
      expect.objectContaining({ event_type: "payment.reversed", payload: expect.objectContaining({ reason: "bank_reversal" }) }),
    ]);
    expect(lifecycleEventsOf(pending, purchase({ status: "expire", midtrans_status: "expire", paid_at: null }), { occurredAt: at })).toEqual([
      expect.objectContaining({ event_type: "payment.expired", payload: expect.objectContaining({ expired_at: "2026-05-06T10:00:00Z" }) }),
    ]);
    expect(lifecycleEventsOf(pending, purchase({ status: "pending", midtrans_status: "pending", paid_at: null }), { occurredAt: at })).toEqual([]);
  });
});

describe("decideTransition", () => {
  it("a smaller refunded total than the stored one is stale", () => {
    expect(decideTransition({ status: "partial_refund", refundedAmount: 50000 }, { status: "partial_refund", refundedAmount: 30000 }).kind).toBe("stale");
  });
  it("settlement after an expiry is allowed only when Astapa made the expiry", () => {
    expect(decideTransition({ status: "expire", expiredByAstapa: true }, { status: "settlement" }).kind).toBe("apply");
    expect(decideTransition({ status: "expire", expiredByAstapa: true }, { status: "capture", fraudStatus: "accept" }).kind).toBe("apply");
    expect(decideTransition({ status: "expire", expiredByAstapa: true }, { status: "capture", fraudStatus: "challenge" }).kind).toBe("stale");
    expect(decideTransition({ status: "expire" }, { status: "settlement" }).kind).toBe("stale");
  });
});

describe("sampleEventPayload", () => {
  it.each(merchantEventTypes)("%s carries the common fields", (type) => {
    const p = sampleEventPayload(type, "sandbox");
    expect(p).toMatchObject({ event: type, order_id: expect.any(String), purchase_id: expect.any(String), environment: "sandbox", amount: 88000, currency: "IDR" });
  });
});
