import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { startReceiver, type Receiver } from "../testing/webhooks";
import { signedInAdmin } from "../testing/admin";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let receiver: Receiver;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;
const CARD = { type: "credit_card" as const, cardNumber: "4811111111111114", cvv: "123" };

beforeAll(async () => {
  t = await startTestPlatform({ faultProxy: true, env: { MIDTRANS_TIMEOUT_MS: "1000" } });
  admin = await signedInAdmin(t);
  receiver = await startReceiver(() => ({ status: 200, body: "thanks, got it" }));
  m = await t.createMerchant({ name: "Actions shop", webhook_url: receiver.url });
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

/** A payment whose Midtrans notifications go nowhere (a lost notification). */
async function paymentWithDeadNotifications(amount = 75000) {
  const orderId = `act-${Date.now().toString(36)}-${seq++}`;
  const publicUrl = t.platform.ctx.config.publicUrl;
  t.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
  try {
    const r = await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: m.client_secret, amount, order_id: orderId, buyer_email: "buyer@example.com" });
    expect(r.status).toBe(201);
    return { orderId, purchaseId: r.json.purchase_id as string };
  } finally {
    t.platform.ctx.config.publicUrl = publicUrl;
  }
}

const statusOf = async (purchaseId: string) =>
  (await t.sql<{ status: string; midtrans_status: string | null; refunded_amount: number }[]>`select status, midtrans_status, refunded_amount from purchases where id = ${purchaseId}`)[0];

describe("reconcile with Midtrans", () => {
  it("repairs a lost notification, shows what changed, writes the webhook event, and is audited", async () => {
    const p = await paymentWithDeadNotifications();
    await t.simulator.pay(p.orderId, CARD);
    await waitFor(() => t.simulator.notificationLog().some((n) => n.order_id === t.simulator.getTransaction(p.orderId)?.order_id), { what: "a notification attempt" });
    expect(await statusOf(p.purchaseId)).toMatchObject({ status: "pending", midtrans_status: null });

    const r = await admin.caller.payments.reconcile({ purchaseId: p.purchaseId });
    expect(r).toMatchObject({
      outcome: "applied",
      changed: true,
      before: { status: "pending", midtrans_status: null },
      after: { status: "settlement", midtrans_status: "capture", fraud_status: "accept" },
      webhookEventWritten: true,
      midtrans: { order_id: t.simulator.getTransaction(p.orderId)!.order_id, transaction_status: "capture" },
    });
    const again = await admin.caller.payments.reconcile({ purchaseId: p.purchaseId });
    expect(again).toMatchObject({ outcome: "unchanged", changed: false });

    const d = await admin.caller.payments.detail({ id: p.purchaseId });
    expect(d.history.map((h) => [h.from_status, h.to_status, h.source])).toEqual([
      ["creating", "pending", "create"],
      ["pending", "settlement", "reconcile"],
    ]);
    expect(d.webhookEvents).toHaveLength(1);
    expect(d.audit.map((a) => a.action)).toEqual(["payment.reconcile", "payment.reconcile"]);
    expect(d.audit[1].details).toMatchObject({ outcome: "applied", from: "pending", to: "settlement" });
    // The page's timeline is built from these facts: app/lib/admin/timeline.unit.test.ts.
  });

  it("says when Midtrans does not know the order yet (Snap page unused, not expired)", async () => {
    const p = await paymentWithDeadNotifications();
    const r = await admin.caller.payments.reconcile({ purchaseId: p.purchaseId });
    expect(r).toMatchObject({ outcome: "not_found", changed: false, midtrans: null });
    expect(r.reason).toMatch(/does not know the order yet/);
  });

  it("maps a Midtrans outage to BAD_GATEWAY and audits the failure", async () => {
    const p = await paymentWithDeadNotifications();
    t.proxy!.mode = "status503";
    try {
      await expect(admin.caller.payments.reconcile({ purchaseId: p.purchaseId })).rejects.toMatchObject({ code: "BAD_GATEWAY" });
    } finally {
      t.proxy!.mode = "pass";
    }
    const d = await admin.caller.payments.detail({ id: p.purchaseId });
    expect(d.audit[0]).toMatchObject({ action: "payment.reconcile", details: { outcome: "failed" } });
    await expect(admin.caller.payments.reconcile({ purchaseId: "pur_doesnotexist000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("resend webhook", () => {
  it("sends the event now and shows the merchant's answer", async () => {
    const p = await paymentWithDeadNotifications();
    await t.simulator.pay(p.orderId, CARD);
    await admin.caller.payments.reconcile({ purchaseId: p.purchaseId });
    const before = receiver.received.length;
    const r = await admin.caller.payments.resendWebhook({ purchaseId: p.purchaseId });
    expect(r).toMatchObject({ delivered: true, eventStatus: "delivered", attempt: { response_status: 200, response_body: "thanks, got it", trigger: "manual" } });
    expect(receiver.received.length).toBe(before + 1);
    const got = receiver.received[receiver.received.length - 1];
    expect(JSON.parse(got.body)).toMatchObject({ event: "item.purchased", order_id: p.orderId });
    expect(got.headers["webhook-id"]).toBe(r.eventId);

    const d = await admin.caller.payments.detail({ orderId: p.orderId });
    expect(d.webhookEvents[0].attempts[0]).toMatchObject({ trigger: "manual", response_status: 200, response_body: "thanks, got it" });
    expect(d.audit[0]).toMatchObject({ action: "webhook.resend", details: { delivered: true, response_status: 200 } });
  });

  it("answers NOT_FOUND for an unpaid payment (no event yet)", async () => {
    const p = await paymentWithDeadNotifications();
    await expect(admin.caller.payments.resendWebhook({ purchaseId: p.purchaseId })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("refund", () => {
  it("refunds partially, then the rest, moving the status through the state machine", async () => {
    const p = await paymentWithDeadNotifications(75000);
    await t.simulator.pay(p.orderId, CARD);
    await admin.caller.payments.reconcile({ purchaseId: p.purchaseId });

    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, amount: 80000, reason: "too much" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, amount: 1000, reason: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const partial = await admin.caller.payments.refund({ purchaseId: p.purchaseId, amount: 25000, reason: "one item out of stock" });
    expect(partial).toMatchObject({ amount: 25000, status: "refund", refundedAmount: 25000, applied: { outcome: "applied", from: "settlement", to: "refund" } });
    expect(partial.refundKey).toMatch(/^rfd_[a-z0-9]{24}$/);
    expect(await statusOf(p.purchaseId)).toEqual({ status: "refund", midtrans_status: "partial_refund", refunded_amount: 25000 });
    const sim = t.simulator.getTransaction(p.orderId)!;
    expect(sim.refunds.map((r) => [r.refund_key, r.refund_amount, r.reason])).toEqual([[partial.refundKey, 25000, "one item out of stock"]]);

    const rest = await admin.caller.payments.refund({ purchaseId: p.purchaseId, reason: "order cancelled" });
    expect(rest).toMatchObject({ amount: 50000, status: "refund", refundedAmount: 75000 });
    expect(await statusOf(p.purchaseId)).toEqual({ status: "refund", midtrans_status: "refund", refunded_amount: 75000 });
    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, reason: "again" })).rejects.toMatchObject({ code: "CONFLICT" });

    const d = await admin.caller.payments.detail({ id: p.purchaseId });
    expect(d.actions).toMatchObject({ canRefund: false, refundable: 0 });
    // A console refund is its own source in the history (not "reconcile").
    expect(d.history.map((h) => [h.from_status, h.to_status, h.midtrans_status, h.source])).toEqual([
      ["creating", "pending", null, "create"],
      ["pending", "settlement", "capture", "reconcile"],
      ["settlement", "refund", "partial_refund", "refund"],
      ["refund", "refund", "refund", "refund"],
    ]);
    const refunds = d.audit.filter((a) => a.action === "payment.refund");
    expect(refunds.map((a) => a.details.amount)).toEqual([50000, 25000]);
    expect(refunds[1].details).toMatchObject({ reason: "one item out of stock", refund_key: partial.refundKey });
  });

  it("refuses to refund a payment that is not settled", async () => {
    const p = await paymentWithDeadNotifications();
    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, reason: "x" })).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("bulk reconcile of pending payments", () => {
  it("processes every stale pending payment in batches with a summary", async () => {
    // Everything pending so far in this file, plus three new ones (two paid at Midtrans).
    const a = await paymentWithDeadNotifications();
    const b = await paymentWithDeadNotifications();
    const c = await paymentWithDeadNotifications();
    await t.simulator.pay(a.orderId, CARD);
    await t.simulator.pay(b.orderId, { type: "gopay" });
    await t.simulator.approve(b.orderId);

    const { total } = await admin.caller.reconcile.countPending({ olderThanMinutes: 0 });
    expect(total).toBeGreaterThanOrEqual(3);
    // Nothing is older than an hour.
    expect((await admin.caller.reconcile.countPending({ olderThanMinutes: 60 })).total).toBe(0);

    const sums = { checked: 0, changed: 0, failed: 0, batches: 0 };
    let cursor: string | null = null;
    for (;;) {
      const batch: Awaited<ReturnType<typeof admin.caller.reconcile.pendingBatch>> = await admin.caller.reconcile.pendingBatch({ olderThanMinutes: 0, batchSize: 2, cursor });
      sums.checked += batch.checked;
      sums.changed += batch.changed;
      sums.failed += batch.failed;
      sums.batches++;
      if (batch.done) break;
      cursor = batch.nextCursor;
    }
    expect(sums.checked).toBe(total);
    expect(sums.changed).toBe(2);
    expect(sums.failed).toBe(0);
    expect(sums.batches).toBe(Math.floor(total / 2) + 1);
    expect((await statusOf(a.purchaseId)).status).toBe("settlement");
    expect((await statusOf(b.purchaseId)).status).toBe("settlement");
    expect((await statusOf(c.purchaseId)).status).toBe("pending");
    const audit = await admin.caller.audit.list({ action: "payments.bulk_reconcile" });
    expect(audit.items.reduce((n, e) => n + (e.details.checked as number), 0)).toBe(total);
  });

  it("counts Midtrans failures as failed, not changed", async () => {
    await paymentWithDeadNotifications();
    t.proxy!.mode = "status500";
    try {
      const batch = await admin.caller.reconcile.pendingBatch({ olderThanMinutes: 0, batchSize: 100 });
      expect(batch.failed).toBe(batch.checked);
      expect(batch.changed).toBe(0);
      expect(batch.items[0]).toMatchObject({ outcome: "failed", error: expect.stringMatching(/Midtrans/) });
    } finally {
      t.proxy!.mode = "pass";
    }
  });
});
