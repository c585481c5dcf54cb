import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { createPendingStatusReader } from "../payments/instructions";
import { lookupCallbackPayment, type CallbackLookup, type CallbackPayment } from "./callback";
import { createRemixServices, type RemixServices } from "./services";

// The buyer's callback page's data (docs/api.md#the-buyers-callback-page) against a real database
// and the simulator over HTTP. Every notification is lost (notificationDropRate 1): what the page
// knows comes from the database and from its own Get Status, as on a first screen that arrives
// before Midtrans's notification.

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let services: RemixServices;
let seq = 0;
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
const DENIED_CARD = { type: "credit_card", cardNumber: "4911111111111113", cvv: "123" } as const;

beforeAll(async () => {
  t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
  m = await t.createMerchant();
});
afterAll(async () => t?.close());
beforeEach(() => {
  t.simulator.setFaults({ notificationDropRate: 1 });
  // A fresh process's services: its own Get Status cache.
  services = createRemixServices(t.platform.ctx);
});

async function createPayment(amount = 75000) {
  const orderId = `cb-${Date.now().toString(36)}-${seq++}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount,
    order_id: orderId,
    buyer_email: "buyer@example.com",
    item_name: "Nasi Goreng",
    metadata: { store_name: "Warung Bu Sari", store_slug: "warung" },
  });
  expect(r.status).toBe(201);
  const [row] = await t.sql<{ mid: string }[]>`select midtrans_order_id as mid from purchases where id = ${r.json.purchase_id}`;
  return { orderId, mid: row.mid, purchaseId: r.json.purchase_id as string, invoiceUrl: r.json.invoice_url as string, expiresAt: r.json.expires_at as string };
}

function found(l: CallbackLookup): CallbackPayment {
  if (!l.found) throw new Error("payment not found");
  return l;
}

/** Get Status calls (and other Snap/Core calls) the simulator answered since `from`. */
const apiCalls = () => t.simulator.stats().api.calls;
const historyOf = (purchaseId: string) =>
  t.sql<{ to_status: string; source: string }[]>`select to_status, source from purchase_status_history where purchase_id = ${purchaseId} order by id`;

describe("pending instructions from Get Status", () => {
  it("bank transfer: bank, VA number, the deadline Midtrans gives, the way back to Snap, the method and the purchase id", async () => {
    const p = await createPayment();
    const paid = await t.simulator.pay(p.mid, { type: "bank_transfer", bank: "bca" });
    const page = found(await services.callback.lookup(p.mid, { transactionStatus: "pending" }));
    expect(page.payment).toMatchObject({ order_id: p.orderId, status: "pending", amount: 75000 });
    expect(page.purchaseId).toBe(p.purchaseId);
    expect(page.paymentType).toBe("bank_transfer");
    expect(page.instructions).toEqual({
      kind: "va",
      bank: "bca",
      vaNumber: paid.payment.va_numbers![0].va_number,
      billerCode: null,
      billKey: null,
      store: null,
      paymentCode: null,
      continueUrl: p.invoiceUrl,
      // Get Status's expiry_time (WIB) read back in UTC: the payment's own deadline.
      expiresAt: paid.expiry_time.replace(/\.\d{3}Z$/, "Z"),
    });
  });

  it("Permata, Mandiri bill, convenience store, GoPay", async () => {
    const permata = await createPayment();
    const pp = await t.simulator.pay(permata.mid, { type: "bank_transfer", bank: "permata" });
    expect(found(await services.callback.lookup(permata.mid)).instructions).toMatchObject({ kind: "va", bank: "permata", vaNumber: pp.payment.permata_va_number });

    const mandiri = await createPayment();
    const mp = await t.simulator.pay(mandiri.mid, { type: "echannel" });
    const mandiriPage = found(await services.callback.lookup(mandiri.mid));
    expect(mandiriPage.paymentType).toBe("echannel");
    expect(mandiriPage.instructions).toMatchObject({ kind: "mandiri_bill", bank: "mandiri", billerCode: "70012", billKey: mp.payment.bill_key });

    const store = await createPayment();
    const sp = await t.simulator.pay(store.mid, { type: "cstore", store: "alfamart" });
    expect(found(await services.callback.lookup(store.mid)).instructions).toMatchObject({ kind: "cstore", store: "alfamart", paymentCode: sp.payment.payment_code });

    const gopay = await createPayment();
    await t.simulator.pay(gopay.mid, { type: "gopay" });
    expect(found(await services.callback.lookup(gopay.mid)).instructions).toMatchObject({ kind: "continue", vaNumber: null, continueUrl: gopay.invoiceUrl });
  });

  it("no method chosen yet (Get Status 404): back to the Snap page until it expires", async () => {
    const p = await createPayment();
    const page = found(await services.callback.lookup(p.mid));
    expect(page.paymentType).toBeNull();
    expect(page.instructions).toMatchObject({ kind: "continue", continueUrl: p.invoiceUrl, expiresAt: p.expiresAt });
  });

  it("Snap's 'pending' after the buyer chose a method skips a kept 'not known yet'", async () => {
    const p = await createPayment();
    const reader = createPendingStatusReader(t.platform.ctx, { confirmMinIntervalMs: 0 });
    const lookup = (transactionStatus?: string) => lookupCallbackPayment(t.platform.ctx, p.mid, { statusReader: reader, query: { transactionStatus } });
    expect(found(await lookup()).instructions?.kind).toBe("continue");
    await t.simulator.pay(p.mid, { type: "bank_transfer", bank: "bca" });
    expect(found(await lookup()).instructions?.kind).toBe("continue");
    expect(found(await lookup("pending")).instructions?.kind).toBe("va");
  });

  it("N page loads of a pending payment make one Get Status call (concurrent loads share it)", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, { type: "bank_transfer", bank: "bni" });
    const before = apiCalls();
    await Promise.all(Array.from({ length: 5 }, () => services.callback.lookup(p.mid)));
    for (let i = 0; i < 5; i++) expect(found(await services.callback.lookup(p.mid)).instructions?.kind).toBe("va");
    expect(apiCalls() - before).toBe(1);
  });

  it("Get Status failing or timing out: no instructions, the page still renders from the database", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, { type: "bank_transfer", bank: "bni" });
    t.simulator.setFaults({ notificationDropRate: 1, apiErrorRate: 1, apiErrorStatus: 503 });
    const before = apiCalls();
    const failed = found(await services.callback.lookup(p.mid));
    expect(failed.payment.status).toBe("pending");
    expect(failed.instructions).toBeNull();
    // An outage is not asked again on every reload (a failure is kept for a few seconds).
    expect(found(await services.callback.lookup(p.mid)).instructions).toBeNull();
    expect(apiCalls() - before).toBe(1);

    t.simulator.setFaults({ notificationDropRate: 1, apiLatencyMs: 5000 });
    const reader = createPendingStatusReader(t.platform.ctx, { timeoutMs: 300 });
    const slow = found(await lookupCallbackPayment(t.platform.ctx, p.mid, { statusReader: reader }));
    expect(slow.payment.status).toBe("pending");
    expect(slow.instructions).toBeNull();
  });
});

describe("a right first screen", () => {
  it("card approved: the first answer is already paid, applied like a notification (history, item.purchased)", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, CARD);
    const page = found(await services.callback.lookup(p.mid, { transactionStatus: "capture" }));
    expect(page.payment.status).toBe("settlement");
    expect(page.payment.paid_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(page.paymentType).toBe("credit_card");
    expect(page.instructions).toBeNull();
    expect(await historyOf(p.purchaseId)).toEqual([
      { to_status: "pending", source: "create" },
      { to_status: "settlement", source: "reconcile" },
    ]);
    const events = await t.sql`select event_type from webhook_events where purchase_id = ${p.purchaseId}`;
    expect(events.map((e) => e.event_type)).toEqual(["item.purchased"]);
  });

  it("card denied: the first answer is the failure", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, DENIED_CARD);
    const page = found(await services.callback.lookup(p.mid, { transactionStatus: "deny" }));
    expect(page.payment.status).toBe("cancel");
    expect(page.instructions).toBeNull();
  });

  it("a final status in the query string skips a cached 'pending': the money that just arrived shows at once", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, { type: "gopay" });
    const reader = createPendingStatusReader(t.platform.ctx, { confirmMinIntervalMs: 0 });
    const lookup = (transactionStatus?: string) => lookupCallbackPayment(t.platform.ctx, p.mid, { statusReader: reader, query: { transactionStatus } });
    expect(found(await lookup()).payment.status).toBe("pending");
    await t.simulator.approve(p.mid);
    // Without the hint the cached answer serves (no new call) …
    expect(found(await lookup()).payment.status).toBe("pending");
    // … with it, Get Status again.
    expect(found(await lookup("settlement")).payment.status).toBe("settlement");
  });

  it("a forged transaction_status=settlement changes nothing on an unpaid payment", async () => {
    const unchosen = await createPayment();
    const pending = await createPayment();
    await t.simulator.pay(pending.mid, { type: "bank_transfer", bank: "bri" });
    for (const p of [unchosen, pending]) {
      const page = found(await services.callback.lookup(p.mid, { transactionStatus: "settlement" }));
      expect(page.payment).toMatchObject({ status: "pending", paid_at: null });
      expect(page.instructions?.kind).toBe(p === pending ? "va" : "continue");
      expect((await historyOf(p.purchaseId)).map((h) => h.to_status)).toEqual(["pending"]);
      expect(await t.sql`select 1 from webhook_events where purchase_id = ${p.purchaseId}`).toHaveLength(0);
    }
  });

  it("a forged final status cannot multiply Get Status calls: a cached answer younger than the interval serves", async () => {
    const p = await createPayment();
    await t.simulator.pay(p.mid, { type: "bank_transfer", bank: "bca" });
    const reader = createPendingStatusReader(t.platform.ctx, { confirmMinIntervalMs: 60_000 });
    await lookupCallbackPayment(t.platform.ctx, p.mid, { statusReader: reader });
    const before = apiCalls();
    for (let i = 0; i < 10; i++) {
      const page = found(await lookupCallbackPayment(t.platform.ctx, p.mid, { statusReader: reader, query: { transactionStatus: "settlement" } }));
      expect(page.payment.status).toBe("pending");
    }
    expect(apiCalls() - before).toBe(0);
  });
});

describe("receipt data", () => {
  it("settled: paid time, method, purchase id, store, amount; no Get Status once the payment is not pending", async () => {
    const p = await createPayment(100000);
    await t.simulator.pay(p.mid, CARD);
    await services.callback.lookup(p.mid, { transactionStatus: "capture" });
    const before = apiCalls();
    const settled = found(await services.callback.lookup(p.mid));
    expect(apiCalls()).toBe(before);
    expect(settled).toMatchObject({ purchaseId: p.purchaseId, paymentType: "credit_card", instructions: null });
    expect(settled.payment).toMatchObject({ status: "settlement", store_name: "Warung Bu Sari", item_name: "Nasi Goreng", amount: 100000, refunded_amount: 0 });
    expect(settled.payment.paid_at).not.toBeNull();
  });
});
