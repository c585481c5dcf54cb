// Order ids are the merchant's, per project and environment; Midtrans knows each payment by an id
// Astapa derives (docs/decisions/0004-midtrans-order-ids.md, docs/api.md#idempotency).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import midtransClient from "midtrans-client";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import { createMidtransGateway } from "../midtrans/gateway";
import { issueCredential } from "../projects/projects.service";
import { lookupCallbackPayment } from "../remix/callback";
import { listPayments } from "./payment-list.service";
import { findPurchaseDetail } from "./payment-detail.queries";
import { paymentListInput } from "./payment-list.schema";
import { createItem } from "../items/items.service";
import { itemInput } from "../items/items.schema";
import type { Environment } from "../midtrans/gateway";

/** Midtrans production is another account: here, a second simulator with its own server key. */
const PRODUCTION_SERVER_KEY = "Mid-server-PRODUCTION-TEST-KEY";
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
const DERIVED = (orderId: string) => new RegExp(`^${orderId.slice(0, 40).replace(/[.]/g, "\\.")}~[0-9a-z]{9}$`);

let t: TestPlatform;
let production: MidtransSimulator;
type Credential = { project_id: string; client_id: string; client_secret: string; environment: Environment };
let seq = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  t = await startTestPlatform();
  production = await startMidtransSimulator({ serverKey: PRODUCTION_SERVER_KEY, notificationRetryDelaysMs: [100, 200, 400], notificationTimeoutMs: 5000 });
  // The deployment has both Midtrans accounts: sandbox (the test platform's simulator) and production.
  t.platform.ctx.gateway = createMidtransGateway(
    {
      sandbox: { serverKey: TEST_SERVER_KEY, baseUrl: t.simulator.url },
      production: { serverKey: PRODUCTION_SERVER_KEY, baseUrl: production.url },
    },
    { timeoutMs: 3000 },
  );
});
afterAll(async () => {
  await t?.close();
  await production?.close();
});

/** A project with a sandbox and a production credential. */
async function merchantWithBothEnvironments(name: string): Promise<Record<Environment, Credential>> {
  const m = await t.createMerchant({ name, store_url_template: "https://shop.example.com/{store_slug}" });
  const live = await issueCredential(t.sql, m.project_id, "production");
  return {
    sandbox: { project_id: m.project_id, client_id: m.client_id, client_secret: m.client_secret, environment: "sandbox" },
    production: { project_id: m.project_id, client_id: live.client_id, client_secret: live.client_secret, environment: "production" },
  };
}

const create = (c: Credential, order_id: string, amount: number, metadata: Record<string, unknown> = {}) =>
  postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: c.client_id,
    client_secret: c.client_secret,
    amount,
    order_id,
    buyer_email: "buyer@example.com",
    item_name: "iPhone 15 Pro",
    metadata,
  });
const verify = (orderId: string, clientId?: string) =>
  getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(orderId)}${clientId ? `&client_id=${encodeURIComponent(clientId)}` : ""}`);
const purchase = async (id: string) =>
  (await t.sql<{ id: string; order_id: string; midtrans_order_id: string | null; status: string; environment: string; project_id: string }[]>`
    select id, order_id, midtrans_order_id, status, environment, project_id from purchases where id = ${id}`)[0];
const simulatorOf = (env: Environment) => (env === "sandbox" ? t.simulator : production);

describe("order ids are the merchant's, per project and environment", () => {
  it("two projects using the same order id in both environments: 4 payments, each notification settles only its own, each webhook carries 1001", async () => {
    const a = await merchantWithBothEnvironments("Toko A");
    const b = await merchantWithBothEnvironments("Toko B");
    const credentials = [a.sandbox, a.production, b.sandbox, b.production];
    // Different amounts: a notification applied to the wrong payment would also be an amount mismatch.
    const created = [];
    for (const [i, c] of credentials.entries()) {
      const r = await create(c, "1001", 10_000 * (i + 1), { store_name: `store-${i}`, store_slug: `store-${i}` });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      expect(r.json).toMatchObject({ order_id: "1001", environment: c.environment, amount: 10_000 * (i + 1) });
      // Merchants see their own order id only, never the Midtrans one.
      expect(r.text).not.toMatch(/1001~/);
      created.push({ c, purchaseId: r.json.purchase_id as string, amount: 10_000 * (i + 1) });
    }
    expect(new Set(created.map((x) => x.purchaseId)).size).toBe(4);
    const rows = await Promise.all(created.map((x) => purchase(x.purchaseId)));
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ order_id: "1001", environment: credentials[i].environment, project_id: credentials[i].project_id, status: "pending" });
      expect(row.midtrans_order_id).toMatch(DERIVED("1001"));
    }
    expect(new Set(rows.map((r) => r.midtrans_order_id)).size).toBe(4);

    // Each buyer pays at the Midtrans account of their payment's environment; Midtrans notifies
    // under the derived id; exactly that payment settles, the others do not move.
    for (const [i, x] of created.entries()) {
      await simulatorOf(x.c.environment).pay(rows[i].midtrans_order_id!, CARD);
      await waitFor(async () => (await purchase(x.purchaseId)).status === "settlement", { what: `payment ${i} settled` });
      for (const [j, other] of created.entries()) {
        if (j > i) expect((await purchase(other.purchaseId)).status).toBe("pending");
      }
    }
    const notifications = await t.sql<{ order_id: string; purchase_id: string; outcome: string }[]>`
      select order_id, purchase_id, outcome from midtrans_notifications where outcome = 'applied'`;
    for (const [i, x] of created.entries()) {
      expect(notifications.filter((n) => n.order_id === rows[i].midtrans_order_id).every((n) => n.purchase_id === x.purchaseId)).toBe(true);
    }
    expect(notifications.filter((n) => n.order_id === "1001")).toHaveLength(0);

    // One item.purchased per payment, each with the merchant's order id (never the Midtrans one).
    const events = await t.sql<{ purchase_id: string; payload: Record<string, unknown> }[]>`
      select purchase_id, payload from webhook_events where purchase_id in ${t.sql(created.map((x) => x.purchaseId))}`;
    expect(events).toHaveLength(4);
    for (const x of created) {
      const e = events.find((ev) => ev.purchase_id === x.purchaseId)!;
      expect(e.payload).toMatchObject({ order_id: "1001", purchase_id: x.purchaseId, environment: x.c.environment, amount: x.amount });
    }

    // Verify: ambiguous without client_id; each client_id picks its own; the Midtrans id picks its own.
    const ambiguous = await verify("1001");
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json.error.code).toBe("ambiguous_order_id");
    for (const [i, x] of created.entries()) {
      const mine = await verify("1001", x.c.client_id);
      expect(mine.status).toBe(200);
      expect(mine.json).toMatchObject({ order_id: "1001", status: "settlement", amount: x.amount, store_name: `store-${i}` });
      const byMidtransId = await verify(rows[i].midtrans_order_id!);
      expect(byMidtransId.json).toMatchObject({ order_id: "1001", amount: x.amount });
    }
    // An unknown client_id: the same answer as an unknown order (no oracle).
    const unknownClient = await verify("1001", "ast_sandbox_nope");
    const unknownOrder = await verify(unique("nope"));
    expect(unknownClient.status).toBe(404);
    expect(unknownClient.text).toBe(unknownOrder.text);
    // A client_id of a project that does not use the order id: 404 too.
    const other = await t.createMerchant({ name: "Toko C" });
    expect((await verify("1001", other.client_id)).status).toBe(404);

    // The buyer's callback page resolves the Midtrans id Snap appends: never ambiguous.
    for (const [i, x] of created.entries()) {
      const page = await lookupCallbackPayment(t.platform.ctx, rows[i].midtrans_order_id!);
      expect(page).toMatchObject({ found: true, payment: { order_id: "1001", amount: x.amount }, pollOrderId: rows[i].midtrans_order_id });
    }
    // The merchant's order id alone names four payments: the page knows none of them.
    expect(await lookupCallbackPayment(t.platform.ctx, "1001")).toEqual({ found: false, plausible: true });

    // The console finds all four by the merchant's order id, and each by its Midtrans id.
    const list = await listPayments(t.sql, paymentListInput.parse({ q: "1001" }));
    expect(list.items.map((p) => p.id).sort()).toEqual(created.map((x) => x.purchaseId).sort());
    for (const [i, x] of created.entries()) {
      const one = await listPayments(t.sql, paymentListInput.parse({ q: rows[i].midtrans_order_id! }));
      expect(one.items.map((p) => [p.id, p.order_id, p.midtrans_order_id])).toEqual([[x.purchaseId, "1001", rows[i].midtrans_order_id]]);
      expect((await findPurchaseDetail(t.sql, { orderId: rows[i].midtrans_order_id! }))?.id).toBe(x.purchaseId);
    }
    expect(await findPurchaseDetail(t.sql, { orderId: "1001" })).toBeUndefined();
  });

  it("a sandbox create of an order id never blocks production: another merchant's, or the project's own", async () => {
    const attacker = await merchantWithBothEnvironments("Free sandbox");
    const victim = await merchantWithBothEnvironments("Victim");
    const squatted = await create(attacker.sandbox, "order-3400", 999_000);
    expect(squatted.status).toBe(201);
    const own = await create(victim.sandbox, "order-3400", 75_000);
    expect(own.status).toBe(201);

    const live = await create(victim.production, "order-3400", 75_000);
    expect(live.status, JSON.stringify(live.json)).toBe(201);
    expect(live.json).toMatchObject({ order_id: "order-3400", environment: "production" });
    expect(new Set([squatted.json.purchase_id, own.json.purchase_id, live.json.purchase_id]).size).toBe(3);

    // Idempotency still holds within (project, environment): the same request is the same payment,
    // another request with the id is a conflict, and neither touches the other scopes.
    const again = await create(victim.production, "order-3400", 75_000);
    expect(again.status).toBe(200);
    expect(again.json.purchase_id).toBe(live.json.purchase_id);
    const reuse = await create(victim.production, "order-3400", 80_000);
    expect(reuse.status).toBe(409);
    expect(reuse.json.error.code).toBe("order_id_taken");
    expect(await t.sql`select id from purchases where order_id = 'order-3400'`).toHaveLength(3);

    // The attacker's sandbox payment is never what the victim's verify (with its client_id) sees.
    await t.simulator.pay((await purchase(squatted.json.purchase_id)).midtrans_order_id!, CARD);
    await waitFor(async () => (await purchase(squatted.json.purchase_id)).status === "settlement", { what: "the attacker's sandbox payment settled" });
    const victimView = await verify("order-3400", victim.production.client_id);
    expect(victimView.json).toMatchObject({ status: "pending", amount: 75_000 });
    expect((await verify("order-3400")).json.error.code).toBe("ambiguous_order_id");
  });

  it("an item purchase's Idempotency-Key is the project's per environment too: a sandbox key never blocks production", async () => {
    const shop = await merchantWithBothEnvironments("Kopi");
    const item = await createItem(t.sql, shop.sandbox.project_id, itemInput.parse({ name: "Kopi Susu", price: 25_000 }));
    const buy = (c: Credential) =>
      postJson(
        `${t.url}/api/platform/purchase`,
        { client_id: c.client_id, client_secret: c.client_secret, item_id: item.id, buyer_email: "buyer@example.com" },
        { "Idempotency-Key": "cart-42" },
      );
    const sandbox = await buy(shop.sandbox);
    expect(sandbox.status).toBe(201);
    const live = await buy(shop.production);
    expect(live.status, JSON.stringify(live.json)).toBe(201);
    expect(live.json.purchase_id).not.toBe(sandbox.json.purchase_id);
    expect(live.json.environment).toBe("production");
    // Within one environment the key still makes a retry the same purchase.
    const again = await buy(shop.production);
    expect(again.status).toBe(200);
    expect(again.json.purchase_id).toBe(live.json.purchase_id);
    expect((await purchase(live.json.purchase_id)).midtrans_order_id).toMatch(DERIVED(live.json.order_id));
  });

  it("a merchant order id equal to another payment's Midtrans order id cannot capture its notifications", async () => {
    const victim = await merchantWithBothEnvironments("Victim 2");
    const attacker = await merchantWithBothEnvironments("Lookalike");
    const paid = await create(victim.sandbox, unique("cap"), 50_000);
    expect(paid.status).toBe(201);
    const victimRow = await purchase(paid.json.purchase_id);
    // The Midtrans id shows in the buyer's callback URL; anyone may use it as an order id of their own.
    const lookalike = await create(attacker.sandbox, victimRow.midtrans_order_id!, 50_000);
    expect(lookalike.status).toBe(201);
    const lookalikeRow = await purchase(lookalike.json.purchase_id);
    expect(lookalikeRow.midtrans_order_id).not.toBe(victimRow.midtrans_order_id);
    expect(lookalikeRow.midtrans_order_id).toMatch(DERIVED(victimRow.midtrans_order_id!));

    await t.simulator.pay(victimRow.midtrans_order_id!, CARD);
    await waitFor(async () => (await purchase(victimRow.id)).status === "settlement", { what: "the victim's payment settled" });
    expect((await purchase(lookalikeRow.id)).status).toBe("pending");
    const [n] = await t.sql`select purchase_id from midtrans_notifications where order_id = ${victimRow.midtrans_order_id} and outcome = 'applied'`;
    expect(n.purchase_id).toBe(victimRow.id);
    expect(await t.sql`select 1 from webhook_events where purchase_id = ${lookalikeRow.id}`).toHaveLength(0);

    // The Midtrans id names the victim's payment (the buyer's page polls with it); the lookalike's
    // merchant asks with its client_id.
    expect((await verify(victimRow.midtrans_order_id!)).json).toMatchObject({ order_id: victimRow.order_id, status: "settlement" });
    expect((await verify(victimRow.midtrans_order_id!, attacker.sandbox.client_id)).json).toMatchObject({
      order_id: victimRow.midtrans_order_id,
      status: "pending",
    });
  });
});

describe("rows created before migration 0007 (midtrans_order_id null: Midtrans knows them by order_id)", () => {
  it("still settle through notifications, verify, and are never confused with a newer payment using the same order id", async () => {
    const old = await t.createMerchant({ name: "Old shop" });
    const orderId = unique("legacy");
    const purchaseId = `pur_legacy${seq++}x`;
    await t.sql`
      insert into purchases (id, project_id, environment, order_id, amount, buyer_email, item_name, metadata, status, invoice_url)
      values (${purchaseId}, ${old.project_id}, 'sandbox', ${orderId}, 75000, 'buyer@example.com', 'Kopi', ${t.sql.json({ store_name: "Old shop" })},
              'pending', 'http://example.invalid/snap')`;
    // What the code before 0007 sent Midtrans: the merchant's order id itself.
    const snap = new midtransClient.Snap({ isProduction: false, serverKey: TEST_SERVER_KEY });
    snap.apiConfig.getSnapApiBaseUrl = () => `${t.simulator.url}/snap/v1`;
    snap.httpClient.http_client.defaults.headers.common["X-Override-Notification"] = `${t.url}/api/midtrans/notification`;
    await snap.createTransaction({ transaction_details: { order_id: orderId, gross_amount: 75000 } });

    expect((await verify(orderId)).json).toMatchObject({ order_id: orderId, status: "pending", store_name: "Old shop" });
    expect(await lookupCallbackPayment(t.platform.ctx, orderId)).toMatchObject({ found: true, pollOrderId: orderId });

    // Another merchant now uses the same order id: allowed, and a payment of its own.
    const other = await t.createMerchant({ name: "New shop" });
    const newer = await create({ ...other, environment: "sandbox" }, orderId, 75_000);
    expect(newer.status).toBe(201);

    await t.simulator.pay(orderId, CARD);
    await waitFor(async () => (await purchase(purchaseId)).status === "settlement", { what: "the legacy payment settled" });
    expect((await purchase(newer.json.purchase_id)).status).toBe("pending");
    const [event] = await t.sql`select payload from webhook_events where purchase_id = ${purchaseId}`;
    expect(event.payload).toMatchObject({ order_id: orderId, purchase_id: purchaseId });

    expect((await verify(orderId)).json.error.code).toBe("ambiguous_order_id");
    expect((await verify(orderId, old.client_id)).json).toMatchObject({ order_id: orderId, status: "settlement" });
    expect((await verify(orderId, other.client_id)).json).toMatchObject({ order_id: orderId, status: "pending" });
  });
});

describe("verify's query", () => {
  it("answers 400 for a repeated or empty client_id, and 404 for one that can never exist", async () => {
    const m = await t.createMerchant({ name: "Q" });
    const id = unique("q");
    expect((await create({ ...m, environment: "sandbox" }, id, 10_000)).status).toBe(201);
    const twice = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}&client_id=a&client_id=b`);
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatchObject({ code: "validation_failed", fields: { client_id: expect.any(String) } });
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}&client_id=`)).status).toBe(400);
    expect((await verify(id, "x".repeat(201))).status).toBe(404);
    // The order id alone still answers when one payment uses it (the seed's contract).
    expect((await verify(id)).json).toMatchObject({ order_id: id, status: "pending" });
  });
});
