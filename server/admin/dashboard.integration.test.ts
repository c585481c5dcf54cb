// The console's dashboard (issue #16): production by default with environment and project
// filters, KPIs that are rows of the status table, and the "needs attention" panel whose every
// count is the length of the list its link opens. Conditions are made for real where the platform
// makes them (a notification with another amount, Astapa's expiry followed by a payment, a
// webhook endpoint answering 500); a stale payment is one created, then backdated.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { midtransSignature } from "../midtrans/signature";
import { reconcilePurchase } from "../payments/reconcile.service";
import type { AttentionFilter } from "../payments/payment-list.schema";
import { seedPurchases, signedInAdmin } from "../testing/admin";
import { postJson } from "../testing/http";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { updateEndpointUrl } from "../webhooks/endpoints.queries";
import { createWebhookWorker } from "../webhooks/worker";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let failing: Receiver;
const clock = testClock();
let seq = 0;
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now, simulatorRetryDelaysMs: [] });
  admin = await signedInAdmin(t);
  m = await t.createMerchant({ name: "Attention shop" });
  failing = await startReceiver(() => ({ status: 500, body: "down" }));
});
afterAll(async () => {
  await failing?.close();
  await t?.close();
});

async function createPayment(amount = 75000) {
  const order_id = `att-${Date.now().toString(36)}-${seq++}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount,
    order_id,
    buyer_email: "buyer@example.com",
    buyer_name: "Siti Rahmawati",
    item_name: "Kopi Gayo",
  });
  expect(r.status).toBe(201);
  const purchase_id = r.json.purchase_id as string;
  const [{ mid }] = await t.sql<{ mid: string }[]>`select coalesce(midtrans_order_id, order_id) as mid from purchases where id = ${purchase_id}`;
  return { order_id, purchase_id, mid };
}

/** A notification body signed as Midtrans signs it. */
function signed(order_id: string, fields: Record<string, unknown> = {}) {
  const body: Record<string, unknown> = {
    transaction_time: "2026-05-06 17:00:00",
    transaction_status: "settlement",
    transaction_id: "3f7b0b1c-0000-4000-8000-000000000000",
    status_code: "200",
    payment_type: "credit_card",
    order_id,
    gross_amount: "75000.00",
    currency: "IDR",
    ...fields,
  };
  body.signature_key = midtransSignature(String(body.order_id), String(body.status_code), String(body.gross_amount), TEST_SERVER_KEY);
  return body;
}

/** Every payment the list shows for these filters (all pages). */
async function listAll(filters: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await admin.caller.payments.list({ ...filters, limit: 200, cursor });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
}

const countOf = (s: Awaited<ReturnType<typeof admin.caller.dashboard.stats>>, kind: AttentionFilter) =>
  s.attention.payments.find((p) => p.kind === kind)?.count ?? expect.fail(`no attention item ${kind}`);

async function expectBadRequest(p: Promise<unknown>, field: string) {
  const e = await p.then(
    () => expect.fail("expected BAD_REQUEST"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  expect((e as TRPCError).code).toBe("BAD_REQUEST");
  expect(JSON.stringify((e as TRPCError).cause ?? (e as TRPCError).message)).toContain(field);
}

describe("dashboard filters", () => {
  it("shows production unless asked, and narrows to one project", async () => {
    const prod = await t.createMerchant({ name: "Prod shop" });
    const now = clock.now();
    const before = await admin.caller.dashboard.stats();
    expect(before.filters).toEqual({ environment: "production", projectId: null });
    await seedPurchases(t.sql, prod.project_id, [
      { environment: "production", status: "settlement", amount: 40000, created_at: now, paid_at: now },
      { environment: "sandbox", status: "settlement", amount: 1000, created_at: now, paid_at: now },
    ]);
    const today = (s: typeof before) => s.periods[0];
    const after = await admin.caller.dashboard.stats();
    expect(today(after).total.count - today(before).total.count).toBe(1);
    expect(today(after).settled.amount - today(before).settled.amount).toBe(40000);

    const one = await admin.caller.dashboard.stats({ environment: "all", projectId: prod.project_id });
    expect(one.filters).toEqual({ environment: "all", projectId: prod.project_id });
    expect(today(one).total).toEqual({ count: 2, amount: 41000 });
    const sandbox = await admin.caller.dashboard.stats({ environment: "sandbox", projectId: prod.project_id });
    expect(today(sandbox).total).toEqual({ count: 1, amount: 1000 });
  });

  it("refuses an unknown environment or project with a message naming it", async () => {
    // @ts-expect-error: not an environment
    await expectBadRequest(admin.caller.dashboard.stats({ environment: "prod" }), "environment");
    await expectBadRequest(admin.caller.dashboard.stats({ projectId: "prj_nope" }), "projectId");
  });
});

describe("counts agree with the status table", () => {
  it("counts a refunded payment as refunded, not settled", async () => {
    const p = await t.createMerchant({ name: "Refund shop" });
    const now = clock.now();
    await seedPurchases(t.sql, p.project_id, [
      ...Array.from({ length: 6 }, () => ({ environment: "production" as const, status: "settlement", amount: 10000, created_at: now, paid_at: now })),
      { environment: "production", status: "refund", amount: 30000, created_at: now, paid_at: now },
    ]);
    await t.sql`update purchases set refunded_amount = 30000 where project_id = ${p.project_id} and status = 'refund'`;
    const s = await admin.caller.dashboard.stats({ projectId: p.project_id });
    for (const period of s.periods) {
      const row = (status: string) => period.byStatus.find((b) => b.status === status) ?? { count: 0, amount: 0 };
      expect(period.settled).toEqual({ count: row("settlement").count, amount: row("settlement").amount });
      expect(period.settled).toEqual({ count: 6, amount: 60000 });
      expect(period.refunded).toEqual({ count: row("refund").count, amount: row("refund").amount, refundedAmount: 30000 });
      expect(period.total.count).toBe(7);
      expect(period.settlementRate).toBe(1);
    }
  });
});

describe("needs attention", () => {
  it("a stale pending payment is counted and listed (attention=stale_pending); a fresh one is not", async () => {
    const stale = await createPayment();
    const fresh = await createPayment();
    // Created 11 minutes ago: past the reconcile sweep's 10 minutes.
    await t.sql`update purchases set created_at = created_at - interval '11 minutes' where id = ${stale.purchase_id}`;
    const s = await admin.caller.dashboard.stats({ environment: "sandbox", projectId: m.project_id });
    const listed = await listAll({ attention: "stale_pending", environment: "sandbox", projectId: m.project_id });
    expect(listed).toContain(stale.purchase_id);
    expect(listed).not.toContain(fresh.purchase_id);
    expect(countOf(s, "stale_pending")).toBe(listed.length);
    expect(s.attention.staleAfterMinutes).toBe(10);
  });

  it("an amount mismatch reported by a notification is counted and listed (attention=amount_mismatch)", async () => {
    const before = await admin.caller.dashboard.stats({ environment: "sandbox" });
    const pay = await createPayment();
    await t.simulator.pay(pay.mid, CARD);
    await t.sql`update purchases set amount = 70000 where id = ${pay.purchase_id}`; // as if Midtrans disagreed
    const r = await postJson(`${t.url}/api/midtrans/notification`, signed(pay.mid));
    expect(r.json.outcome).toBe("ignored");
    const s = await admin.caller.dashboard.stats({ environment: "sandbox" });
    expect(countOf(s, "amount_mismatch") - countOf(before, "amount_mismatch")).toBe(1);
    const listed = await listAll({ attention: "amount_mismatch", environment: "sandbox" });
    expect(listed).toContain(pay.purchase_id);
    expect(listed).toHaveLength(countOf(s, "amount_mismatch"));
    // Not in production's dashboard.
    expect(await listAll({ attention: "amount_mismatch", environment: "production" })).not.toContain(pay.purchase_id);
  });

  it("counts rejected notifications of the last 24 h and shows the latest", async () => {
    const before = await admin.caller.dashboard.stats();
    const r = await postJson(`${t.url}/api/midtrans/notification`, { ...signed("forged-order"), signature_key: "0".repeat(128) });
    expect(r.status).toBeGreaterThanOrEqual(400);
    const s = await admin.caller.dashboard.stats();
    expect(s.attention.rejectedNotifications.count - before.attention.rejectedNotifications.count).toBe(1);
    expect(s.attention.rejectedNotifications.latest[0]).toMatchObject({ order_id: "forged-order" });
    clock.advance(25 * 3600_000);
    const later = await admin.caller.dashboard.stats();
    expect(later.attention.rejectedNotifications.latest.map((n) => n.order_id)).not.toContain("forged-order");
  });

  it("a payment made after Astapa expired it is counted and listed (attention=settled_after_expiry)", async () => {
    const pay = await createPayment();
    clock.advance(25 * 3600_000); // past the Snap page's 24 h
    expect((await reconcilePurchase(t.platform.ctx, pay.purchase_id, "sweep")).outcome).toBe("expired");
    await t.simulator.pay(pay.mid, CARD); // the buyer paid anyway: Midtrans settles and notifies
    await waitFor(async () => (await t.sql`select settled_after_expiry_at from purchases where id = ${pay.purchase_id}`)[0].settled_after_expiry_at !== null);
    const s = await admin.caller.dashboard.stats({ environment: "all" });
    const listed = await listAll({ attention: "settled_after_expiry" });
    expect(listed).toContain(pay.purchase_id);
    expect(countOf(s, "settled_after_expiry")).toBe(listed.length);
    // 31 days later it has left the window, in the count and the list alike.
    clock.advance(31 * 86400_000);
    const later = await admin.caller.dashboard.stats({ environment: "all" });
    expect(await listAll({ attention: "settled_after_expiry" })).not.toContain(pay.purchase_id);
    expect(countOf(later, "settled_after_expiry")).toBe(countOf(s, "settled_after_expiry") - 1);
  });

  it("lists an endpoint whose deliveries fail, in its environment only", async () => {
    const shop = await t.createMerchant({ name: "Failing endpoint shop" });
    await updateEndpointUrl(t.sql, shop.project_id, "sandbox", failing.url);
    await seedEvents(t.sql, shop.project_id, 1, { now: clock.now() });
    const worker = createWebhookWorker(t.platform.ctx, { workerId: "attention", random: () => 0.5 });
    await worker.deliverDue();
    await worker.stop();
    expect(failing.received.length).toBeGreaterThan(0);
    const s = await admin.caller.dashboard.stats({ environment: "sandbox", projectId: shop.project_id });
    expect(s.attention.endpoints).toEqual([
      expect.objectContaining({ project_id: shop.project_id, environment: "sandbox", url: failing.url, failing_since: expect.any(String), disabled_at: null }),
    ]);
    const prod = await admin.caller.dashboard.stats({ projectId: shop.project_id });
    expect(prod.attention.endpoints).toEqual([]);
  });
});
