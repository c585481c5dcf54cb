import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { startWorkers, type Workers } from "../runtime/workers";
import { startReceiver, testClock, type Receiver, type ReceivedWebhook } from "../testing/webhooks";
import { findEndpoint, updateEndpointUrl } from "../webhooks/endpoints.queries";
import { applyMidtransTransaction } from "./apply-status";
import { reconcilePurchase } from "./reconcile.service";
import { refundPayment, resendWebhook } from "../admin/payment-actions.service";
import { getPaymentDetail } from "../admin/payment-detail.service";

// Every lifecycle event of docs/api.md ("Webhooks") through the outbox to a real receiver that
// verifies with `standardwebhooks`, as a merchant does.

let t: TestPlatform;
let workers: Workers;
let receiver: Receiver;
let secret: string;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
const clock = testClock();
let seq = 0;
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
const METADATA = { store_slug: "warung-bu-sari", cart_id: "c-1" };

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now, simulatorRetryDelaysMs: [] });
  workers = startWorkers(t.platform);
  receiver = await startReceiver();
  m = await t.createMerchant();
  await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
  secret = (await findEndpoint(t.sql, m.project_id, "sandbox"))?.secret ?? expect.fail("no sandbox endpoint");
});
afterAll(async () => {
  await workers?.stop();
  await receiver?.close();
  await t?.close();
});

async function createPayment(amount = 75000) {
  const order_id = `lc-${Date.now().toString(36)}-${seq++}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount,
    order_id,
    buyer_email: "buyer@example.com",
    item_name: "Kopi Gayo",
    metadata: METADATA,
  });
  expect(r.status).toBe(201);
  const purchase_id = r.json.purchase_id as string;
  const [{ mid }] = await t.sql<{ mid: string }[]>`select coalesce(midtrans_order_id, order_id) as mid from purchases where id = ${purchase_id}`;
  return { order_id, purchase_id, mid };
}

/** The verified payloads the receiver got for this order (every one must verify), in arrival order. */
function verified(orderId: string): { payload: Record<string, unknown>; id: string }[] {
  return receiver.received
    .filter((r: ReceivedWebhook) => JSON.parse(r.body).order_id === orderId)
    .map((r) => {
      const headers = r.headers as Record<string, string>;
      return { payload: new Webhook(secret).verify(r.body, headers) as Record<string, unknown>, id: headers["webhook-id"] };
    });
}

const eventsOf = (orderId: string, type: string) => verified(orderId).filter((e) => e.payload.event === type);

async function waitForEvents(orderId: string, type: string, n: number) {
  return waitFor(() => (eventsOf(orderId, type).length >= n ? eventsOf(orderId, type) : null), { what: `${n} ${type} for ${orderId}` });
}

function expectCommonFields(p: Record<string, unknown>, pay: { order_id: string; purchase_id: string }, amount = 75000) {
  expect(p).toMatchObject({ order_id: pay.order_id, purchase_id: pay.purchase_id, environment: "sandbox", amount, currency: "IDR", metadata: METADATA });
  expect(p.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
}

const storedEvents = (purchaseId: string) =>
  t.sql<{ id: string; event_type: string; dedupe_key: string }[]>`select id, event_type, dedupe_key from webhook_events where purchase_id = ${purchaseId} order by created_at, id`;

describe("payment.failed", () => {
  it.each([
    ["deny", "denied", (mid: string) => t.simulator.deny(mid)],
    ["cancel", "cancelled", (mid: string) => t.simulator.cancel(mid)],
  ] as const)("a pending payment that Midtrans reports %s sends payment.failed (%s)", async (raw, reason, act) => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, { type: "gopay" }); // pending: the buyer has not approved yet
    await waitFor(async () => (await t.sql`select status from purchases where id = ${pay.purchase_id}`)[0].status === "pending");
    await act(pay.mid);
    const [e] = await waitForEvents(pay.order_id, "payment.failed", 1);
    expectCommonFields(e.payload, pay);
    expect(e.payload).toMatchObject({ event: "payment.failed", reason, midtrans_status: raw });
    const [row] = await storedEvents(pay.purchase_id);
    expect(e.id).toBe(row.id);
    expect(eventsOf(pay.order_id, "item.purchased")).toHaveLength(0);
  });
});

describe("payment.expired", () => {
  it("Midtrans expiring a pending payment sends payment.expired with expired_at", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, { type: "gopay" });
    await waitFor(async () => (await t.sql`select status from purchases where id = ${pay.purchase_id}`)[0].status === "pending");
    await t.simulator.expire(pay.mid);
    const [e] = await waitForEvents(pay.order_id, "payment.expired", 1);
    expectCommonFields(e.payload, pay);
    expect(e.payload.expired_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const [flags] = await t.sql`select expired_by_astapa from purchases where id = ${pay.purchase_id}`;
    expect(flags.expired_by_astapa).toBe(false);
  });
});

describe("refunds", () => {
  it("three partial refunds send three payment.refunded with running totals; repeated notifications add none", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    await waitForEvents(pay.order_id, "item.purchased", 1);

    await t.simulator.refund(pay.mid, 30000, "Barang rusak");
    await waitForEvents(pay.order_id, "payment.refunded", 1);
    await t.simulator.refund(pay.mid, 20000, "Kurang satu");
    await waitForEvents(pay.order_id, "payment.refunded", 2);
    await t.simulator.refund(pay.mid, 25000, "Dibatalkan");
    const events = await waitForEvents(pay.order_id, "payment.refunded", 3);

    for (const e of events) expectCommonFields(e.payload, pay);
    expect(events.map((e) => e.payload)).toMatchObject([
      { refund_amount: 30000, refunded_total: 30000, remaining_amount: 45000, full: false, reason: "Barang rusak" },
      { refund_amount: 20000, refunded_total: 50000, remaining_amount: 25000, full: false, reason: "Kurang satu" },
      { refund_amount: 25000, refunded_total: 75000, remaining_amount: 0, full: true, reason: "Dibatalkan" },
    ]);
    expect(new Set(events.map((e) => e.payload.refund_id)).size).toBe(3);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);

    // Midtrans repeats its notification; a stale partial_refund (the first refund only) arrives late.
    await t.simulator.resendNotification(pay.mid);
    const stale = {
      order_id: pay.mid,
      transaction_status: "partial_refund",
      gross_amount: "75000.00",
      refund_amount: "30000.00",
      refunds: [{ refund_chargeback_id: 1, refund_amount: "30000.00", reason: "Barang rusak" }],
    };
    expect(await applyMidtransTransaction(t.platform.ctx, pay.purchase_id, stale, { source: "notification" })).toMatchObject({ outcome: "ignored" });
    await waitFor(async () => (await t.sql`select count(*)::int as n from midtrans_notifications where purchase_id = ${pay.purchase_id}`)[0].n >= 5);
    const rows = await storedEvents(pay.purchase_id);
    expect(rows.map((r) => r.event_type)).toEqual(["item.purchased", "payment.refunded", "payment.refunded", "payment.refunded"]);
    const [p] = await t.sql`select status, refunded_amount from purchases where id = ${pay.purchase_id}`;
    expect(p).toMatchObject({ status: "refund", refunded_amount: 75000 });
  });

  it("a console refund is one payment.refunded, though both its Get Status and Midtrans's notification report it", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    await waitForEvents(pay.order_id, "item.purchased", 1);
    await refundPayment(t.platform.ctx, { adminId: null, email: "ops@example.com" }, { purchaseId: pay.purchase_id, amount: 20000, reason: "Stok habis" });
    const [e] = await waitForEvents(pay.order_id, "payment.refunded", 1);
    expect(e.payload).toMatchObject({ refund_amount: 20000, refunded_total: 20000, remaining_amount: 55000, full: false, reason: "Stok habis" });
    await waitFor(async () => (await t.sql`select count(*)::int as n from midtrans_notifications where purchase_id = ${pay.purchase_id}`)[0].n >= 2);
    expect((await storedEvents(pay.purchase_id)).map((r) => r.event_type)).toEqual(["item.purchased", "payment.refunded"]);
  });

  it("two refunds Midtrans reports in one answer (a missed notification) are two events", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    await waitForEvents(pay.order_id, "item.purchased", 1);
    const both = {
      order_id: pay.mid,
      transaction_status: "partial_refund",
      gross_amount: "75000.00",
      refund_amount: "40000.00",
      refunds: [
        { refund_chargeback_id: 11, refund_amount: "10000.00", reason: "a" },
        { refund_chargeback_id: 12, refund_amount: "30000.00", reason: "b" },
      ],
    };
    expect(await applyMidtransTransaction(t.platform.ctx, pay.purchase_id, both, { source: "reconcile" })).toMatchObject({ outcome: "applied", eventsWritten: 2 });
    const events = await waitForEvents(pay.order_id, "payment.refunded", 2);
    expect(events.map((e) => [e.payload.refund_id, e.payload.refunded_total, e.payload.remaining_amount])).toEqual([
      ["11", 10000, 65000],
      ["12", 40000, 35000],
    ]);
  });
});

describe("resend", () => {
  it("resends a refunded payment's latest event by default, and the event the operator picks, each with its own webhook-id", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    const [purchased] = await waitForEvents(pay.order_id, "item.purchased", 1);
    await t.simulator.refund(pay.mid, 10000, "Ongkir");
    const [refunded] = await waitForEvents(pay.order_id, "payment.refunded", 1);
    const actor = { adminId: null, email: "ops@example.com" };

    const latest = await resendWebhook(t.platform.ctx, actor, { purchaseId: pay.purchase_id });
    expect(latest).toMatchObject({ eventId: refunded.id, eventType: "payment.refunded", delivered: true });
    const chosen = await resendWebhook(t.platform.ctx, actor, { purchaseId: pay.purchase_id, eventId: purchased.id });
    expect(chosen).toMatchObject({ eventId: purchased.id, eventType: "item.purchased", delivered: true });
    // The resends are the same events: same webhook-id, same signed bytes.
    const resent = verified(pay.order_id);
    expect(resent.filter((e) => e.id === refunded.id)).toHaveLength(2);
    expect(resent.filter((e) => e.id === purchased.id)).toHaveLength(2);
    expect(resent.filter((e) => e.id === refunded.id)[1].payload).toEqual(refunded.payload);

    const other = await createPayment();
    await expect(resendWebhook(t.platform.ctx, actor, { purchaseId: other.purchase_id, eventId: purchased.id })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("payment.reversed", () => {
  it("a settlement the bank turns into deny sends payment.reversed (bank_reversal)", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, { type: "gopay" });
    await t.simulator.approve(pay.mid); // settlement
    await waitForEvents(pay.order_id, "item.purchased", 1);
    await t.simulator.deny(pay.mid);
    const [e] = await waitForEvents(pay.order_id, "payment.reversed", 1);
    expectCommonFields(e.payload, pay);
    expect(e.payload).toMatchObject({ reason: "bank_reversal", midtrans_status: "deny" });
    expect(eventsOf(pay.order_id, "payment.failed")).toHaveLength(0);
  });

  it("a chargeback sends payment.reversed (chargeback), once", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    await waitForEvents(pay.order_id, "item.purchased", 1);
    const chargeback = {
      order_id: pay.mid,
      transaction_status: "chargeback",
      gross_amount: "75000.00",
      refund_amount: "75000.00",
      refunds: [{ refund_chargeback_id: 99, refund_amount: "75000.00", reason: "fraud claim" }],
    };
    const ctx = t.platform.ctx;
    expect(await applyMidtransTransaction(ctx, pay.purchase_id, chargeback, { source: "notification" })).toMatchObject({ outcome: "applied" });
    expect(await applyMidtransTransaction(ctx, pay.purchase_id, chargeback, { source: "notification" })).toMatchObject({ outcome: "duplicate" });
    const [e] = await waitForEvents(pay.order_id, "payment.reversed", 1);
    expectCommonFields(e.payload, pay);
    expect(e.payload).toMatchObject({ reason: "chargeback", midtrans_status: "chargeback", refunded_total: 75000 });
    expect(eventsOf(pay.order_id, "payment.refunded")).toHaveLength(0);
  });
});

describe("Astapa's own expiry", () => {
  it("the sweep expires an unused payment (payment.expired); a payment made afterwards is recorded, flagged and sends item.purchased", async () => {
    const pay = await createPayment();
    clock.advance(25 * 3600_000); // past the Snap page's 24 h
    const res = await reconcilePurchase(t.platform.ctx, pay.purchase_id, "sweep");
    expect(res.outcome).toBe("expired");
    const [e] = await waitForEvents(pay.order_id, "payment.expired", 1);
    expectCommonFields(e.payload, pay);
    const [before] = await t.sql`select status, expired_by_astapa, settled_after_expiry_at from purchases where id = ${pay.purchase_id}`;
    expect(before).toMatchObject({ status: "expire", expired_by_astapa: true, settled_after_expiry_at: null });

    // The buyer had the Snap page open and paid anyway: Midtrans settles and notifies.
    await t.simulator.pay(pay.mid, CARD);
    const [purchased] = await waitForEvents(pay.order_id, "item.purchased", 1);
    expect(purchased.payload).toMatchObject({ order_id: pay.order_id, amount: 75000 });
    const [after] = await t.sql`select status, paid_at, settled_after_expiry_at from purchases where id = ${pay.purchase_id}`;
    expect(after.status).toBe("settlement");
    expect(after.paid_at).not.toBeNull();
    expect(after.settled_after_expiry_at).not.toBeNull();
    expect((await storedEvents(pay.purchase_id)).map((r) => r.event_type)).toEqual(["payment.expired", "item.purchased"]);
    // The console's payment page flags it.
    const detail = await getPaymentDetail(t.platform.ctx, { id: pay.purchase_id });
    expect(detail.payment).toMatchObject({ expired_by_astapa: true, settled_after_expiry_at: expect.any(String) });
    expect(detail.actions.latestEventType).toBe("item.purchased");
  });

  it("a Midtrans expiry stays final: a later settlement is ignored", async () => {
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, { type: "gopay" });
    await waitFor(async () => (await t.sql`select status from purchases where id = ${pay.purchase_id}`)[0].status === "pending");
    await t.simulator.expire(pay.mid);
    await waitForEvents(pay.order_id, "payment.expired", 1);
    const late = { order_id: pay.mid, transaction_status: "settlement", gross_amount: "75000.00", transaction_id: "late" };
    expect(await applyMidtransTransaction(t.platform.ctx, pay.purchase_id, late, { source: "notification" })).toMatchObject({ outcome: "ignored" });
    const [p] = await t.sql`select status, settled_after_expiry_at from purchases where id = ${pay.purchase_id}`;
    expect(p).toMatchObject({ status: "expire", settled_after_expiry_at: null });
  });
});
