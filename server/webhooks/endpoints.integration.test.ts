import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { signedInAdmin } from "../testing/admin";
import type { Environment } from "../midtrans/gateway";
import { findEndpoint, updateEndpointUrl } from "./endpoints.queries";
import { createWebhookWorker } from "./worker";

/**
 * A webhook endpoint per environment (issue: "Sandbox events reach the production endpoint,
 * validly signed"), in the local default deployment (no production Midtrans keys: sandbox
 * endpoints may use loopback, production ones never).
 */
let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let sandboxReceiver: Receiver;
let productionReceiver: Receiver;
const clock = testClock();
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
let seq = 0;

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now, simulatorRetryDelaysMs: [] });
  admin = await signedInAdmin(t);
  sandboxReceiver = await startReceiver();
  productionReceiver = await startReceiver();
});
afterEach(() => {
  t.platform.ctx.config.allowPrivateWebhookUrls = false;
});
afterAll(async () => {
  await sandboxReceiver?.close();
  await productionReceiver?.close();
  await t?.close();
});

/** Runs a webhook worker until nothing is due (no background worker runs in this file: each test decides when). */
async function deliverDue() {
  const worker = createWebhookWorker(t.platform.ctx);
  await worker.deliverDue();
  await worker.stop();
}

const secretOf = async (projectId: string, environment: Environment) => (await findEndpoint(t.sql, projectId, environment))?.secret ?? expect.fail("no endpoint");
const verifies = (secret: string, hit: { body: string; headers: Record<string, unknown> }) => {
  try {
    new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe("a webhook endpoint per environment", () => {
  it("a sandbox payment's item.purchased goes only to the sandbox endpoint, signed only with the sandbox secret, while a production endpoint is configured", async () => {
    expect(t.platform.ctx.config).toMatchObject({ productionKeysConfigured: false, allowPrivateWebhookUrls: false });
    // A merchant live in both environments: a production credential and a production endpoint.
    const p = await admin.caller.projects.create({ name: "Toko Dua Dunia", sandbox_webhook_url: sandboxReceiver.url });
    const sandboxCred = await admin.caller.credentials.create({ projectId: p.id, environment: "sandbox" });
    await admin.caller.credentials.create({ projectId: p.id, environment: "production" });
    // Loopback is refused for a production endpoint when saved: stored directly, as a public URL would be.
    await updateEndpointUrl(t.sql, p.id, "production", productionReceiver.url);
    const secrets = { sandbox: await secretOf(p.id, "sandbox"), production: await secretOf(p.id, "production") };
    expect(secrets.sandbox).not.toBe(secrets.production);

    const order_id = `iphone-${seq++}-${Date.now().toString(36)}`;
    const created = await postJson(`${t.url}/api/platform/shop-payment`, {
      client_id: sandboxCred.client_id,
      client_secret: sandboxCred.client_secret,
      amount: 999000,
      order_id,
      buyer_email: "buyer@example.com",
      item_name: "iPhone 15 Pro",
    });
    expect(created.status).toBe(201);
    const [{ midtrans_order_id }] = await t.sql`select coalesce(midtrans_order_id, order_id) as midtrans_order_id from purchases where id = ${created.json.purchase_id}`;
    await t.simulator.pay(midtrans_order_id, CARD);
    const [event] = await waitFor(async () => {
      const rows = await t.sql`select * from webhook_events where purchase_id = ${created.json.purchase_id}`;
      return rows.length ? rows : null;
    }, { what: "the item.purchased event" });
    await deliverDue();
    const hit = sandboxReceiver.received.find((r) => JSON.parse(r.body).order_id === order_id) ?? expect.fail("no sandbox webhook");
    expect((await t.sql`select status from webhook_events where id = ${event.id}`)[0].status).toBe("delivered");

    expect(event.environment).toBe("sandbox");
    expect(JSON.parse(hit.body)).toMatchObject({ event: "item.purchased", environment: "sandbox", amount: 999000, item_name: "iPhone 15 Pro" });
    expect(String(hit.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verifies(secrets.sandbox, hit)).toBe(true);
    expect(verifies(secrets.production, hit)).toBe(false); // a production receiver refuses it
    expect(productionReceiver.received.filter((r) => r.body.includes(order_id))).toHaveLength(0);
    const attempts = await t.sql`select url from webhook_attempts where event_id = ${event.id}`;
    expect(attempts).toEqual([{ url: sandboxReceiver.url }]);
  });

  it("a production event goes only to the production endpoint, signed only with the production secret", async () => {
    t.platform.ctx.config.allowPrivateWebhookUrls = true; // the production receiver listens on loopback
    const m = await t.createMerchant({ environment: "production" });
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", sandboxReceiver.url);
    await updateEndpointUrl(t.sql, m.project_id, "production", productionReceiver.url);
    const [id] = await seedEvents(t.sql, m.project_id, 1, { environment: "production", now: clock.now() });
    await deliverDue();
    const hits = productionReceiver.received.filter((r) => r.headers["webhook-id"] === id);
    expect(hits).toHaveLength(1);
    expect(verifies(await secretOf(m.project_id, "production"), hits[0])).toBe(true);
    expect(verifies(await secretOf(m.project_id, "sandbox"), hits[0])).toBe(false);
    expect(sandboxReceiver.received.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(0);
  });

  it("delivery picks the endpoint of the event's environment as it is at send time; without a URL the event waits as no_endpoint", async () => {
    const m = await t.createMerchant();
    const [waiting] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    expect((await t.sql`select status, environment from webhook_events where id = ${waiting}`)[0]).toEqual({ status: "no_endpoint", environment: "sandbox" });
    // A production URL does not make a sandbox event deliverable.
    await updateEndpointUrl(t.sql, m.project_id, "production", productionReceiver.url);
    const [stillWaiting] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    expect((await t.sql`select status from webhook_events where id = ${stillWaiting}`)[0].status).toBe("no_endpoint");

    await updateEndpointUrl(t.sql, m.project_id, "sandbox", "http://127.0.0.1:9/old");
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    expect((await t.sql`select status from webhook_events where id = ${id}`)[0].status).toBe("pending");
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", sandboxReceiver.url); // changed before the attempt
    await deliverDue();
    expect(sandboxReceiver.received.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(1);
    expect(productionReceiver.received.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(0);
  });
});

describe("the destination rule in the local default (no production keys)", () => {
  it("lets sandbox endpoints use loopback (saved, tested, delivered) and nothing else that is not public", async () => {
    const p = await admin.caller.projects.create({ name: "Laptop dev", sandbox_webhook_url: sandboxReceiver.url });
    const viaName = `http://localhost:${sandboxReceiver.port}/webhooks/astapa`;
    const saved = await admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "sandbox", webhook_url: viaName });
    expect(saved.endpoints.sandbox.url).toBe(viaName);
    const before = sandboxReceiver.received.length;
    expect(await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "sandbox" })).toMatchObject({ ok: true, status: 200 });
    expect(sandboxReceiver.received.length).toBe(before + 1);

    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook", "http://[64:ff9b::a9fe:a9fe]/", "http://[fd00::1]/", "http://0.0.0.0:8080/"]) {
      await expect(admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "sandbox", webhook_url: url })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        cause: { fields: { webhook_url: expect.stringMatching(/; this deployment sends sandbox webhooks to public and loopback addresses only$/) } },
      });
    }
    // Production endpoints are public-only in every deployment.
    await expect(admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "production", webhook_url: sandboxReceiver.url })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { fields: { webhook_url: "destination not allowed: 127.0.0.1 (loopback); this deployment sends production webhooks to public addresses only" } },
    });
    expect((await admin.caller.projects.get({ projectId: p.id })).webhook_urls).toEqual({ sandbox: viaName, production: null });

    const m = await t.createMerchant();
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", viaName);
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    await deliverDue();
    expect((await t.sql`select status from webhook_events where id = ${id}`)[0].status).toBe("delivered");
  });

  it("never follows a redirect: a 30x to loopback or metadata reaches nothing, at test-send and at delivery", async () => {
    const target = await startReceiver(() => ({ status: 200, body: "INTERNAL-SECRET" }));
    const redirecting = await startReceiver(() => ({ status: 307, headers: { location: target.url } }));
    try {
      const m = await t.createMerchant();
      await admin.caller.projects.setWebhookUrl({ projectId: m.project_id, environment: "sandbox", webhook_url: redirecting.url });
      const r = await admin.caller.projects.sendTestWebhook({ projectId: m.project_id, environment: "sandbox" });
      expect(r).toMatchObject({ ok: false, status: 307 });
      expect(r.error).toBe(`redirect not followed (Location: ${target.url})`);

      const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      await deliverDue();
      expect((await t.sql`select status, last_error from webhook_events where id = ${id}`)[0]).toEqual({ status: "pending", last_error: `redirect not followed (Location: ${target.url})` });
      expect(redirecting.received).toHaveLength(2);
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });
});
