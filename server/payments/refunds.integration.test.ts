import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { startReconcileSweep } from "./sweep";

// The merchant refund API, partial refunds on verify, and Astapa-owned expiry (docs/api.md).
let t: TestPlatform;
type Merchant = Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let m: Merchant;
let seq = 0;
const orderId = (p = "rf") => `${p}-${Date.now().toString(36)}-${seq++}`;
const CARD = { type: "credit_card" as const, cardNumber: "4811111111111114", cvv: "123" };

beforeAll(async () => {
  t = await startTestPlatform({ faultProxy: true, env: { MIDTRANS_TIMEOUT_MS: "1000" } });
  m = await t.createMerchant();
});
afterAll(async () => t?.close());

const statusOf = async (purchaseId: string) =>
  (await t.sql<{ status: string; refunded_amount: number }[]>`select status, refunded_amount from purchases where id = ${purchaseId}`)[0];

async function createPayment(amount: number, extra: Record<string, unknown> = {}, creds: Merchant = m) {
  const id = orderId();
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: creds.client_id,
    client_secret: creds.client_secret,
    amount,
    order_id: id,
    buyer_email: "buyer@example.com",
    ...extra,
  });
  expect(r.status).toBe(201);
  return { orderId: id, purchaseId: r.json.purchase_id as string, created: r.json };
}

/** A card payment, paid and settled (the notification applied). */
async function paidPayment(amount: number, creds: Merchant = m) {
  const p = await createPayment(amount, {}, creds);
  await t.simulator.pay(p.orderId, CARD);
  await waitFor(async () => (await statusOf(p.purchaseId)).status === "settlement", { what: "settlement applied" });
  return p;
}

const refund = (body: Record<string, unknown>, key: string | null, creds: Merchant = m) =>
  postJson(
    `${t.url}/api/platform/shop-payment/refund`,
    { client_id: creds.client_id, client_secret: creds.client_secret, ...body },
    key === null ? {} : { "Idempotency-Key": key },
  );
const verify = (id: string, creds: Merchant = m) =>
  getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(id)}&client_id=${creds.client_id}`);

describe("POST /api/platform/shop-payment/refund", () => {
  it("refunds the whole remaining amount by default; verify shows the refunded amount; a second refund is already_fully_refunded", async () => {
    const p = await paidPayment(88000);
    const r = await refund({ order_id: p.orderId, reason: "out of stock" }, `full-${p.orderId}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      refund_id: expect.stringMatching(/^rfd_/),
      order_id: p.orderId,
      purchase_id: p.purchaseId,
      currency: "IDR",
      refund_amount: 88000,
      refunded_total: 88000,
      remaining_amount: 0,
      full: true,
      status: "succeeded",
      payment_status: "refund",
      reason: "out of stock",
    });
    expect(t.simulator.getTransaction(p.orderId)?.transaction_status).toBe("refund");
    const v = await verify(p.orderId);
    expect(v.json).toMatchObject({ status: "refund", refunded_amount: 88000, amount: 88000 });

    const again = await refund({ order_id: p.orderId }, `again-${p.orderId}`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("already_fully_refunded");
  });

  it("several partial refunds, each its own refund; an amount above the remainder is refused with fields.amount", async () => {
    const p = await paidPayment(88000);
    const first = await refund({ order_id: p.orderId, amount: 30000, reason: "one item missing" }, `p1-${p.orderId}`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ refund_amount: 30000, refunded_total: 30000, remaining_amount: 58000, full: false, payment_status: "refund" });
    const v1 = await verify(p.orderId);
    expect(v1.json).toMatchObject({ status: "refund", refunded_amount: 30000 });

    const second = await refund({ order_id: p.orderId, amount: 20000 }, `p2-${p.orderId}`);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ refund_amount: 20000, refunded_total: 50000, remaining_amount: 38000, full: false });
    expect(second.json.refund_id).not.toBe(first.json.refund_id);

    const tooMuch = await refund({ order_id: p.orderId, amount: 38001 }, `p3-${p.orderId}`);
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.json.error).toMatchObject({ code: "refund_amount_exceeds_remaining", fields: { amount: "at most 38000" } });

    const rest = await refund({ order_id: p.orderId }, `p4-${p.orderId}`);
    expect(rest.json).toMatchObject({ refund_amount: 38000, refunded_total: 88000, remaining_amount: 0, full: true });
    expect(t.simulator.getTransaction(p.orderId)?.refunds.map((x) => x.refund_amount)).toEqual([30000, 20000, 38000]);
    const rows = await t.sql<{ amount: number; status: string; source: string }[]>`
      select amount, status, source from refunds where purchase_id = ${p.purchaseId} order by created_at, id`;
    expect(rows.map((x) => ({ ...x }))).toEqual([
      { amount: 30000, status: "succeeded", source: "api" },
      { amount: 20000, status: "succeeded", source: "api" },
      { amount: 38000, status: "succeeded", source: "api" },
    ]);
    expect((await verify(p.orderId)).json.refunded_amount).toBe(88000);
  });

  it("Idempotency-Key: the same key and body replay the stored answer (one refund at Midtrans); another body is 409; the key is required", async () => {
    const p = await paidPayment(50000);
    const key = `idem-${p.orderId}`;
    const a = await refund({ order_id: p.orderId, amount: 10000, reason: "r" }, key);
    const b = await refund({ order_id: p.orderId, amount: 10000, reason: "r" }, key);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(t.simulator.getTransaction(p.orderId)?.refunds).toHaveLength(1);

    const reused = await refund({ order_id: p.orderId, amount: 20000, reason: "r" }, key);
    expect(reused.status).toBe(409);
    expect(reused.json.error.code).toBe("idempotency_key_reused");

    const missing = await refund({ order_id: p.orderId, amount: 10000 }, null);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ code: "validation_failed", fields: { "Idempotency-Key": "required" } });
    expect(t.simulator.getTransaction(p.orderId)?.refunds).toHaveLength(1);
    expect((await statusOf(p.purchaseId)).refunded_amount).toBe(10000);
  });

  it("a refund under way holds its amount: another one can only take what is left after it", async () => {
    const p = await paidPayment(50000);
    // A refund of 40000 sent to Midtrans and not answered yet (its reservation, as the service writes it).
    await t.sql`insert into refunds (id, purchase_id, project_id, environment, source, amount, midtrans_refund_key, status)
                values (${`rfd_inflight_${seq++}`}, ${p.purchaseId}, ${m.project_id}, 'sandbox', 'console', 40000, ${`k-${p.orderId}`}, 'processing')`;
    const over = await refund({ order_id: p.orderId, amount: 20000 }, `res1-${p.orderId}`);
    expect(over.status).toBe(422);
    expect(over.json.error).toMatchObject({ code: "refund_amount_exceeds_remaining", fields: { amount: "at most 10000" } });
    expect(over.json.error.message).toMatch(/another refund is under way/);
    const rest = await refund({ order_id: p.orderId }, `res2-${p.orderId}`);
    expect(rest.status).toBe(200);
    expect(rest.json).toMatchObject({ refund_amount: 10000, refunded_total: 10000 });
  });

  it("an unpaid payment is payment_not_paid; nothing is sent to Midtrans", async () => {
    const p = await createPayment(40000);
    const r = await refund({ order_id: p.orderId }, `np-${p.orderId}`);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("payment_not_paid");
    expect((await t.sql`select 1 from refunds where purchase_id = ${p.purchaseId}`).length).toBe(0);
  });

  it("another project's or environment's credential, or an unknown order, is not_found; nothing changes", async () => {
    const p = await paidPayment(45000);
    const other = await t.createMerchant({ name: "Toko Lain" });
    const production = await t.createMerchant({ name: "Toko Produksi", environment: "production" });
    for (const creds of [other, production]) {
      const r = await refund({ order_id: p.orderId }, `x-${creds.client_id}`, creds);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe("not_found");
    }
    const unknown = await refund({ order_id: `${p.orderId}-nope` }, `u-${p.orderId}`);
    expect(unknown.status).toBe(404);
    const wrongSecret = await refund({ order_id: p.orderId, client_secret: "wrong" }, `w-${p.orderId}`);
    expect(wrongSecret.status).toBe(401);
    expect(await statusOf(p.purchaseId)).toEqual({ status: "settlement", refunded_amount: 0 });
    expect(t.simulator.getTransaction(p.orderId)?.refunds).toHaveLength(0);
  });

  it("a bank transfer (Midtrans answers 412) is refund_not_supported, said plainly; nothing changes and the key may be retried", async () => {
    const p = await createPayment(60000);
    await t.simulator.pay(p.orderId, { type: "bank_transfer", bank: "bca" });
    await t.simulator.approve(p.orderId);
    await waitFor(async () => (await statusOf(p.purchaseId)).status === "settlement", { what: "VA settlement applied" });
    const r = await refund({ order_id: p.orderId }, `va-${p.orderId}`);
    expect(r.status).toBe(422);
    expect(r.json.error).toMatchObject({ code: "refund_not_supported", midtrans_status: 412 });
    expect(r.json.error.message).toMatch(/cannot refund this payment/);
    expect(await statusOf(p.purchaseId)).toEqual({ status: "settlement", refunded_amount: 0 });
    expect((await t.sql`select 1 from refunds where purchase_id = ${p.purchaseId}`).length).toBe(0);
  });

  it("Midtrans unreachable is gateway_error (502); the same key then succeeds once Midtrans is back", async () => {
    const p = await paidPayment(70000);
    const key = `gw-${p.orderId}`;
    t.proxy!.mode = "reset";
    try {
      const r = await refund({ order_id: p.orderId, amount: 5000 }, key);
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe("gateway_error");
    } finally {
      t.proxy!.mode = "pass";
    }
    expect((await statusOf(p.purchaseId)).refunded_amount).toBe(0);
    const retry = await refund({ order_id: p.orderId, amount: 5000 }, key);
    expect(retry.status).toBe(200);
    expect(retry.json).toMatchObject({ refund_amount: 5000, refunded_total: 5000, remaining_amount: 65000 });
  });
});

describe("expiry owned by Astapa", () => {
  it("expiry_minutes goes to Snap; create and verify answer expires_at; out-of-range values are refused", async () => {
    const before = Date.now();
    const p = await createPayment(25000, { expiry_minutes: 15 });
    const expiresAt = Date.parse(p.created.expires_at);
    expect(p.created.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 15 * 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    // Snap got the same lifetime (it counts from its own receipt: not earlier than ours).
    const snapExpiry = Date.parse(t.simulator.getTransaction(p.orderId)!.expiry_time);
    expect(snapExpiry).toBeGreaterThanOrEqual(expiresAt);
    expect(snapExpiry - expiresAt).toBeLessThan(60_000);
    const v = await verify(p.orderId);
    expect(v.json).toMatchObject({ status: "pending", expires_at: p.created.expires_at, refunded_amount: 0 });

    const byDefault = await createPayment(25000);
    expect(Date.parse(byDefault.created.expires_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 24 * 3600_000);

    for (const bad of [0, 43201, 1.5, "10"]) {
      const r = await postJson(`${t.url}/api/platform/shop-payment`, {
        client_id: m.client_id,
        client_secret: m.client_secret,
        amount: 1000,
        order_id: orderId(),
        buyer_email: "b@example.com",
        expiry_minutes: bad,
      });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("validation_failed");
    }
  });

  it("the sweep expires a payment whose time has passed once Get Status confirms it, and leaves one Midtrans still holds open", async () => {
    const unused = await createPayment(30000, { expiry_minutes: 1 });
    const chosen = await createPayment(30000, { expiry_minutes: 1 });
    // The buyer chose a virtual account: Midtrans still says pending, so Astapa does not expire it.
    await t.simulator.pay(chosen.orderId, { type: "bank_transfer", bank: "bni" });
    await waitFor(async () => (await t.sql`select 1 from purchases where id = ${chosen.purchaseId} and midtrans_status = 'pending'`).length === 1, {
      what: "pending notification applied",
    });
    const ctx = t.platform.ctx;
    const realNow = ctx.now;
    // Not yet expired: the sweep (default 10-minute staleness) leaves both alone.
    const sweep = startReconcileSweep(ctx, { intervalMs: 3600_000 });
    try {
      expect((await sweep.runOnce()).checked).toBe(0);
      ctx.now = () => new Date(Date.now() + 2 * 60_000);
      const s = await sweep.runOnce();
      expect(s).toMatchObject({ checked: 2, expired: 1, failed: 0 });
      // Checked once since the expiry: not asked again on the next run.
      expect((await sweep.runOnce()).checked).toBe(0);
    } finally {
      ctx.now = realNow;
      await sweep.stop();
    }
    expect((await statusOf(unused.purchaseId)).status).toBe("expire");
    expect((await statusOf(chosen.purchaseId)).status).toBe("pending");
    const history = await t.sql<{ to_status: string; source: string }[]>`
      select to_status, source from purchase_status_history where purchase_id = ${unused.purchaseId} order by id`;
    expect(history.map((h) => ({ ...h }))).toEqual([
      { to_status: "pending", source: "create" },
      { to_status: "expire", source: "sweep" },
    ]);
    expect((await verify(unused.orderId)).json).toMatchObject({ status: "expire", expires_at: unused.created.expires_at });
  });
});
