import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { startReconcileSweep } from "./sweep";

const CARD = { type: "credit_card" as const, cardNumber: "4811111111111114", cvv: "123" };
let seq = 0;

async function deadNotificationPayment(t: TestPlatform, m: { client_id: string; client_secret: string }) {
  const orderId = `sweep-${Date.now().toString(36)}-${seq++}`;
  const publicUrl = t.platform.ctx.config.publicUrl;
  t.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
  try {
    const r = await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: m.client_secret, amount: 50000, order_id: orderId, buyer_email: "b@example.com" });
    expect(r.status).toBe(201);
    return { orderId, purchaseId: r.json.purchase_id as string };
  } finally {
    t.platform.ctx.config.publicUrl = publicUrl;
  }
}

const rowOf = async (t: TestPlatform, id: string) =>
  (await t.sql<{ status: string; midtrans_status: string | null }[]>`select status, midtrans_status from purchases where id = ${id}`)[0];
const historyOf = async (t: TestPlatform, id: string) =>
  (await t.sql<{ from_status: string; to_status: string; midtrans_status: string | null; source: string }[]>`
    select from_status, to_status, midtrans_status, source from purchase_status_history where purchase_id = ${id} order by id`).map((h) => ({ ...h }));

describe("reconcile sweep: a lost notification is repaired without a human", () => {
  let t: TestPlatform;
  let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
  beforeAll(async () => {
    t = await startTestPlatform({ faultProxy: true, env: { MIDTRANS_TIMEOUT_MS: "1000" } });
    m = await t.createMerchant({ webhook_url: "https://merchant.example/webhooks" });
  });
  afterAll(async () => t?.close());

  it("runOnce() applies the payment Midtrans settled, through the state machine, and queues the webhook", async () => {
    const p = await deadNotificationPayment(t, m);
    await t.simulator.pay(p.orderId, CARD);
    await waitFor(() => t.simulator.notificationLog().filter((n) => n.order_id === t.simulator.getTransaction(p.orderId)?.order_id).length >= 2, { what: "failed notification attempts" });
    expect((await rowOf(t, p.purchaseId)).status).toBe("pending");

    // Not stale yet under the default 10 minutes: left alone.
    const early = startReconcileSweep(t.platform.ctx, { intervalMs: 3600_000 });
    expect(await early.runOnce()).toMatchObject({ checked: 0, changed: 0 });
    await early.stop();

    const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 3600_000, staleAfterMs: 0 });
    const s = await sweep.runOnce();
    await sweep.stop();
    expect(s).toMatchObject({ checked: 1, changed: 1, expired: 0, failed: 0 });
    expect(await rowOf(t, p.purchaseId)).toEqual({ status: "settlement", midtrans_status: "capture" });
    expect(await historyOf(t, p.purchaseId)).toEqual([
      { from_status: "creating", to_status: "pending", midtrans_status: null, source: "create" },
      { from_status: "pending", to_status: "settlement", midtrans_status: "capture", source: "sweep" },
    ]);
    const events = await t.sql`select event_type, status from webhook_events where purchase_id = ${p.purchaseId}`;
    expect(events.map((e) => ({ ...e }))).toEqual([{ event_type: "item.purchased", status: "pending" }]);
  });

  it("asks about a payment once per stale period, not on every run", async () => {
    const p = await deadNotificationPayment(t, m);
    const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 3600_000, staleAfterMs: 60_000 });
    const ctx = t.platform.ctx;
    const realNow = ctx.now;
    try {
      ctx.now = () => new Date(Date.now() + 2 * 60_000);
      expect((await sweep.runOnce()).checked).toBe(1); // Midtrans does not know it yet: not_found, unchanged
      expect((await sweep.runOnce()).checked).toBe(0); // just checked
      ctx.now = () => new Date(Date.now() + 4 * 60_000);
      expect((await sweep.runOnce()).checked).toBe(1);
    } finally {
      ctx.now = realNow;
      await sweep.stop();
    }
    expect((await rowOf(t, p.purchaseId)).status).toBe("pending");
  });

  it("counts Midtrans failures and tries again on a later run", async () => {
    const p = await deadNotificationPayment(t, m);
    await t.simulator.pay(p.orderId, CARD);
    const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 3600_000, staleAfterMs: 0 });
    t.proxy!.mode = "status503";
    try {
      const s = await sweep.runOnce();
      expect(s.failed).toBeGreaterThanOrEqual(1);
      expect(s.changed).toBe(0);
    } finally {
      t.proxy!.mode = "pass";
    }
    const s2 = await sweep.runOnce();
    await sweep.stop();
    expect(s2.changed).toBe(1);
    expect((await rowOf(t, p.purchaseId)).status).toBe("settlement");
  });

  it("runs on its own every intervalMs, in small batches, and stops cleanly", async () => {
    const ps: { orderId: string; purchaseId: string }[] = [];
    for (let i = 0; i < 5; i++) ps.push(await deadNotificationPayment(t, m));
    for (const p of ps) await t.simulator.pay(p.orderId, CARD);
    const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 50, staleAfterMs: 0, batchSize: 2 });
    try {
      await waitFor(async () => {
        const rows = await t.sql`select count(*)::int as n from purchases where id in ${t.sql(ps.map((p) => p.purchaseId))} and status = 'settlement'`;
        return rows[0].n === 5;
      }, { what: "the sweep to settle all five" });
    } finally {
      await sweep.stop();
    }
    expect(await sweep.runOnce()).toMatchObject({ checked: 0 }); // stopped: does nothing
  });
});

describe("reconcile sweep: an unused Snap page expires (Midtrans sends no notification then)", () => {
  let t: TestPlatform;
  let clock = new Date();
  let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
  beforeAll(async () => {
    t = await startTestPlatform({ now: () => clock });
    m = await t.createMerchant();
  });
  afterAll(async () => t?.close());

  it("marks it expire (status and raw status) with a sweep history row, once the Snap page's expiry has passed", async () => {
    clock = new Date();
    const unused = await deadNotificationPayment(t, m);
    const chosen = await deadNotificationPayment(t, m);
    await t.simulator.pay(chosen.orderId, { type: "bank_transfer", bank: "bca" }); // pending at Midtrans
    const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 3600_000 });

    clock = new Date(Date.now() + 11 * 60_000); // stale, but the Snap page still lives
    let s = await sweep.runOnce();
    expect(s).toMatchObject({ expired: 0 });
    expect((await rowOf(t, unused.purchaseId)).status).toBe("pending");

    clock = new Date(Date.now() + 25 * 3600_000);
    s = await sweep.runOnce();
    await sweep.stop();
    expect(s.expired).toBe(1);
    expect(await rowOf(t, unused.purchaseId)).toEqual({ status: "expire", midtrans_status: "expire" });
    expect((await historyOf(t, unused.purchaseId)).at(-1)).toEqual({ from_status: "pending", to_status: "expire", midtrans_status: "expire", source: "sweep" });
    // The one with a payment method chosen is Midtrans's to expire (it notifies): untouched here.
    expect(await rowOf(t, chosen.purchaseId)).toEqual({ status: "pending", midtrans_status: "pending" });
  });
});
