import { describe, expect, it } from "vitest";
import { midtransTransactionSchema, type MidtransTransaction } from "../midtrans/midtrans.schema";
import type { PlatformContext } from "../platform/context";
import { createPendingStatusReader, instructionsFrom, type StatusTarget } from "./instructions";

const NOW = new Date("2026-05-06T03:00:00Z"); // 10:00 WIB
const PAYMENT = { invoiceUrl: "https://app.sandbox.midtrans.com/snap/v4/redirection/tok", snapExpiresAt: new Date("2026-05-07T03:00:00Z") };
/** Midtrans bodies go through the schema every caller uses (lenient, strings or numbers). */
const status = (body: Record<string, unknown>): MidtransTransaction =>
  midtransTransactionSchema.parse({ order_id: "o-1", transaction_status: "pending", gross_amount: "10000.00", ...body });

describe("instructionsFrom (Get Status → what the buyer does next)", () => {
  it("bank transfer: bank and VA number, the deadline from expiry_time (WIB) in UTC, and the Snap page", () => {
    const t = status({ payment_type: "bank_transfer", va_numbers: [{ bank: "BCA", va_number: "12345678901" }], expiry_time: "2026-05-06 12:30:00" });
    expect(instructionsFrom(t, PAYMENT, NOW)).toEqual({
      kind: "va",
      bank: "bca",
      vaNumber: "12345678901",
      billerCode: null,
      billKey: null,
      store: null,
      paymentCode: null,
      continueUrl: PAYMENT.invoiceUrl,
      expiresAt: "2026-05-06T05:30:00Z",
    });
  });

  it("Permata's own field, Mandiri bill, convenience store", () => {
    expect(instructionsFrom(status({ payment_type: "bank_transfer", permata_va_number: 8778000002332015 }), PAYMENT, NOW)).toMatchObject({
      kind: "va",
      bank: "permata",
      vaNumber: "8778000002332015",
    });
    expect(instructionsFrom(status({ payment_type: "echannel", biller_code: "70012", bill_key: "990000000260" }), PAYMENT, NOW)).toMatchObject({
      kind: "mandiri_bill",
      bank: "mandiri",
      billerCode: "70012",
      billKey: "990000000260",
    });
    expect(instructionsFrom(status({ payment_type: "cstore", store: "Indomaret", payment_code: "25709650945026" }), PAYMENT, NOW)).toMatchObject({
      kind: "cstore",
      store: "indomaret",
      paymentCode: "25709650945026",
    });
  });

  it("GoPay, QRIS, methods without codes, and no method chosen yet: continue on the Snap page until the Snap deadline", () => {
    for (const t of [status({ payment_type: "gopay" }), status({ payment_type: "qris" }), status({ payment_type: "bank_transfer" }), null]) {
      expect(instructionsFrom(t, PAYMENT, NOW)).toMatchObject({ kind: "continue", vaNumber: null, continueUrl: PAYMENT.invoiceUrl, expiresAt: "2026-05-07T03:00:00Z" });
    }
  });

  it("a passed deadline keeps the details but offers no way back to the payment page", () => {
    const t = status({ payment_type: "bank_transfer", va_numbers: [{ bank: "bni", va_number: "9" }], expiry_time: "2026-05-06 09:59:59" });
    expect(instructionsFrom(t, PAYMENT, NOW)).toMatchObject({ kind: "va", continueUrl: null, expiresAt: "2026-05-06T02:59:59Z" });
  });

  it("nothing once Midtrans says it is no longer pending", () => {
    for (const s of ["settlement", "capture", "deny", "expire", "cancel"]) {
      expect(instructionsFrom(status({ transaction_status: s, payment_type: "bank_transfer", va_numbers: [{ bank: "bni", va_number: "9" }] }), PAYMENT, NOW)).toBeNull();
    }
  });

  it("malformed fields are dropped, never a reason to refuse the body (the notification path parses it too)", () => {
    const t = status({ payment_type: "bank_transfer", va_numbers: "nope", permata_va_number: { x: 1 }, expiry_time: 42 });
    expect(t.transaction_status).toBe("pending");
    expect(instructionsFrom(t, PAYMENT, NOW)).toMatchObject({ kind: "continue", expiresAt: "2026-05-07T03:00:00Z" });
  });
});

/** A gateway that counts Get Status calls; answers what `answer` says. */
function fakeContext(answer: (orderId: string) => Promise<MidtransTransaction | null>) {
  let now = NOW.getTime();
  const calls: string[] = [];
  const ctx = {
    now: () => new Date(now),
    logger: { warn() {}, error() {} },
    gateway: {
      getStatus: (_env: string, orderId: string) => {
        calls.push(orderId);
        return answer(orderId);
      },
    },
  } as unknown as PlatformContext;
  return { ctx, calls, advance: (ms: number) => (now += ms) };
}
const target = (n: number): StatusTarget => ({ id: `pur_${n}`, environment: "sandbox", order_id: `o-${n}`, midtrans_order_id: `o-${n}~abcdefghi` });

describe("createPendingStatusReader (one Get Status per payment per TTL)", () => {
  it("serves a pending answer for the TTL, shares a call in flight, and asks again after", async () => {
    const { ctx, calls, advance } = fakeContext(async (id) => status({ order_id: id, payment_type: "gopay" }));
    const reader = createPendingStatusReader(ctx, { ttlMs: 30_000 });
    await Promise.all([reader.read(target(1)), reader.read(target(1)), reader.read(target(1))]);
    await reader.read(target(1));
    advance(29_999);
    await reader.read(target(1));
    expect(calls).toEqual(["o-1~abcdefghi"]);
    advance(1);
    await reader.read(target(1));
    expect(calls).toHaveLength(2);
  });

  it("keeps pending and not-found answers, and failures briefly; never a status that moved", async () => {
    let next: () => Promise<MidtransTransaction | null> = async () => status({ transaction_status: "settlement" });
    const { ctx, calls, advance } = fakeContext(() => next());
    const reader = createPendingStatusReader(ctx, { notFoundTtlMs: 5_000, failureTtlMs: 2_000 });
    await reader.read(target(1));
    await reader.read(target(1));
    expect(calls).toHaveLength(2);

    next = async () => {
      throw new Error("Midtrans could not be reached");
    };
    expect(await reader.read(target(2))).toBeUndefined();
    expect(await reader.read(target(2))).toBeUndefined();
    expect(calls).toHaveLength(3);
    advance(2_000);
    expect(await reader.read(target(2))).toBeUndefined();
    expect(calls).toHaveLength(4);

    next = async () => null;
    expect(await reader.read(target(3))).toBeNull();
    expect(await reader.read(target(3))).toBeNull();
    expect(calls).toHaveLength(5);
    advance(5_000);
    await reader.read(target(3));
    expect(calls).toHaveLength(6);
  });

  it("a 'fresh' read (Snap said final) skips answers older than the minimum interval, and only those", async () => {
    const { ctx, calls, advance } = fakeContext(async () => status({}));
    const reader = createPendingStatusReader(ctx, { confirmMinIntervalMs: 1_000 });
    await reader.read(target(1));
    await reader.read(target(1), { fresh: "any" });
    expect(calls).toHaveLength(1);
    advance(1_000);
    await reader.read(target(1), { fresh: "any" });
    expect(calls).toHaveLength(2);
  });

  it("a 'fresh: not_found' read (Snap said pending) skips only a kept 'not known yet'", async () => {
    let known = false;
    const { ctx, calls, advance } = fakeContext(async () => (known ? status({ payment_type: "gopay" }) : null));
    const reader = createPendingStatusReader(ctx, { confirmMinIntervalMs: 1_000 });
    expect(await reader.read(target(1))).toBeNull();
    advance(1_000);
    known = true;
    expect(await reader.read(target(1), { fresh: "not_found" })).toMatchObject({ payment_type: "gopay" });
    advance(1_000);
    await reader.read(target(1), { fresh: "not_found" });
    expect(calls).toHaveLength(2);
  });

  it("is bounded: the oldest payment goes first", async () => {
    const { ctx, calls } = fakeContext(async () => status({}));
    const reader = createPendingStatusReader(ctx, { maxEntries: 2 });
    for (const n of [1, 2, 3]) await reader.read(target(n));
    expect(reader.size()).toBe(2);
    await reader.read(target(3));
    await reader.read(target(2));
    expect(calls).toHaveLength(3);
    await reader.read(target(1));
    expect(calls).toHaveLength(4);
  });
});
