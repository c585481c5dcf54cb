import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { ensureDemoProject, DEMO_STORE_PATH as PROJECT_STORE_PATH, DEMO_STORE_WEBHOOK_PATH as PROJECT_WEBHOOK_PATH } from "../projects/demo";
import { createHttpApp } from "../runtime/http-app";
import { startWorkers, type Workers } from "../runtime/workers";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { SUCCESS_CARD, submitForm } from "../testing/simulator";
import { waitFor } from "../testing/wait";
import { findDemoOrder, saveDemoStoreSettings, type DemoStoreSettings } from "./demo-store.queries";
import { DEMO_STORE_PATH, DEMO_STORE_WEBHOOK_PATH, ORDER_COOKIE, demoStoreRouter } from "./routes";

// The demo store is a merchant: it creates payments over Astapa's public API and trusts only
// webhooks whose signature it verified. These tests drive it over HTTP against the real platform,
// the simulator and the webhook worker.

let t: TestPlatform;
let workers: Workers;
let settings: DemoStoreSettings;
let store: string;
beforeAll(async () => {
  t = await startTestPlatform();
  workers = startWorkers(t.platform);
  store = `${t.url}/demo-store/warung-bu-sari`;
});
afterAll(async () => {
  await workers?.stop();
  await t?.close();
});

/** Buys a product as a browser does, without following the redirect to Snap. */
async function buy(productId = "nasi-goreng-spesial") {
  const res = await submitForm(`${store}/buy`, { product_id: productId });
  const cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
  return { res, cookie, orderId: cookie.split("=")[1] ?? "" };
}

const page = async (cookie = "") => (await fetch(store, { headers: { cookie } })).text();

function sign(body: string, secret: string, id = `msg_${Math.random().toString(36).slice(2)}`) {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, new Date(), body),
  };
}

describe("the demo store", () => {
  it("is not there until the demo project exists", async () => {
    expect((await fetch(store)).status).toBe(404);
  });

  it("is the demo project's store and sandbox webhook endpoint, registered through the destination rule", async () => {
    const demo = await ensureDemoProject(t.sql, t.url, t.platform.ctx.config);
    expect(demo).not.toBeNull();
    expect(PROJECT_STORE_PATH).toBe(DEMO_STORE_PATH);
    expect(PROJECT_WEBHOOK_PATH).toBe(DEMO_STORE_WEBHOOK_PATH);
    expect(demo!.store_url).toBe(store);
    expect(demo!.webhook_url).toBe(`${t.url}${DEMO_STORE_WEBHOOK_PATH}`);
    const [endpoint] = await t.sql<
      { url: string | null }[]
    >`select url from webhook_endpoints where project_id = ${demo!.project.id} and environment = 'sandbox'`;
    expect(endpoint.url).toBe(demo!.webhook_url);
    settings = { project_id: demo!.project.id, client_id: demo!.client_id, client_secret: demo!.client_secret, webhook_secret: demo!.webhook_secret };
    await saveDemoStoreSettings(t.sql, settings);
    // Where production keys are configured, loopback is refused: no webhook URL, no demo store.
    await t.sql`delete from demo_store_settings`;
    const guarded = await ensureDemoProjectOnEmpty({ ...t.platform.ctx.config, productionKeysConfigured: true });
    expect(guarded).toBeNull();
    await saveDemoStoreSettings(t.sql, settings);
  });

  it("lists its products with a Beli button each, says it is a demo, and never shows the secret", async () => {
    const res = await fetch(store);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain("Demo store");
    expect(html).toContain("no real money");
    expect(html).toContain("Nasi Goreng Spesial");
    expect(html).toContain("Rp25.000");
    expect(html.match(/>Beli<\/button>/g)).toHaveLength(3);
    expect(html).not.toContain(settings.client_secret);
    expect(html).not.toContain(settings.webhook_secret);
    expect(await (await fetch(`${t.url}/demo-store`, { redirect: "manual" })).headers.get("location")).toBe("/demo-store/warung-bu-sari");
    expect((await fetch(`${t.url}/demo-store/another-shop`)).status).toBe(404);
  });

  it("creates the payment server-side, sends the buyer to Snap, and shows the order paid once the webhook verified", async () => {
    const { res, cookie, orderId } = await buy();
    expect(res.status).toBe(303);
    const invoiceUrl = res.headers.get("location")!;
    expect(invoiceUrl.startsWith(t.simulator.url)).toBe(true);
    expect(cookie).toMatch(new RegExp(`^${ORDER_COOKIE}=demo_[0-9a-z]{16}$`));
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);

    // Astapa has the payment under the store's own order id, with the store's metadata.
    const verify = await (await fetch(`${t.url}/api/platform/shop-payment/verify?order_id=${orderId}&client_id=${settings.client_id}`)).json();
    expect(verify).toMatchObject({ status: "pending", amount: 25000, store_name: "Warung Bu Sari", redirect_url: store, item_name: "Nasi Goreng Spesial" });
    const waiting = await page(cookie);
    expect(waiting).toContain('id="order-state">waiting for webhook<');
    expect(waiting).toContain('id="continue-payment"');

    const paid = await submitForm(invoiceUrl, { payment_type: "credit_card", ...SUCCESS_CARD });
    expect(new URL(paid.headers.get("location")!).pathname).toBe("/purchase/callback");
    const html = await waitFor(
      async () => {
        const h = await page(cookie);
        return h.includes('id="order-state">paid, webhook verified<') && h;
      },
      { what: "the store to show the verified webhook" },
    );
    expect(html).toContain('data-status="paid" data-verified="true"');
    const order = await findDemoOrder(t.sql, orderId);
    expect(order).toMatchObject({ status: "paid", amount: 25000 });
    expect(order!.webhook_id).toMatch(/^msg_/);
    expect(order!.paid_at).toBeInstanceOf(Date);
  });

  it("refuses a forged or altered webhook, another environment's, and applies a repeat once", async () => {
    const { orderId } = await buy("es-teh-manis");
    const body = JSON.stringify({ event: "item.purchased", order_id: orderId, amount: 5000, environment: "sandbox", paid_at: "2026-05-06T10:00:00Z" });
    const url = `${t.url}${DEMO_STORE_WEBHOOK_PATH}`;

    const forged = await fetch(url, { method: "POST", headers: sign(body, `whsec_${Buffer.alloc(32, 1).toString("base64")}`), body });
    expect(forged.status).toBe(400);
    const signed = sign(body, settings.webhook_secret);
    const altered = await fetch(url, { method: "POST", headers: signed, body: body.replace("5000", "1") });
    expect(altered.status).toBe(400);
    const production = JSON.stringify({ ...JSON.parse(body), environment: "production" });
    expect((await fetch(url, { method: "POST", headers: sign(production, settings.webhook_secret), body: production })).status).toBe(400);
    expect(await findDemoOrder(t.sql, orderId)).toMatchObject({ status: "created", webhook_verified_at: null });

    // A wrong amount never marks the order paid.
    const cheap = JSON.stringify({ ...JSON.parse(body), amount: 1 });
    expect((await fetch(url, { method: "POST", headers: sign(cheap, settings.webhook_secret), body: cheap })).status).toBe(204);
    expect(await findDemoOrder(t.sql, orderId)).toMatchObject({ status: "created" });

    expect((await fetch(url, { method: "POST", headers: signed, body })).status).toBe(204);
    const first = await findDemoOrder(t.sql, orderId);
    expect(first).toMatchObject({ status: "paid", webhook_id: signed["webhook-id"] });
    expect((await fetch(url, { method: "POST", headers: signed, body })).status).toBe(204);
    expect(await findDemoOrder(t.sql, orderId)).toEqual(first);
    const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from demo_store_webhooks where webhook_id = ${signed["webhook-id"]}`;
    expect(n).toBe(1);
  });

  it("answers an unknown product with 400 and an unreachable Astapa with a 502 page, never a stack", async () => {
    const bad = await submitForm(`${store}/buy`, { product_id: "nope" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("No such product");

    // The same store pointed at an Astapa that does not answer.
    const app = express().use(DEMO_STORE_PATH, demoStoreRouter({ sql: t.sql, logger: t.platform.ctx.logger, astapaUrl: () => "http://127.0.0.1:9" }));
    const server = await listenOn(createServer(app));
    try {
      const res = await submitForm(`${server.url}/demo-store/warung-bu-sari/buy`, { product_id: "es-teh-manis" });
      expect(res.status).toBe(502);
      const html = await res.text();
      expect(html).toContain("Astapa could not be reached");
      expect(html).not.toMatch(/at .*\.ts:\d+|node_modules/);
    } finally {
      await new Promise<void>((r) => server.server.close(() => r()));
    }
  });

  it("is not served where production Midtrans keys are configured", async () => {
    const app = createHttpApp({ ...t.platform.ctx, config: { ...t.platform.ctx.config, productionKeysConfigured: true } });
    const server = await listenOn(createServer(app));
    try {
      expect((await fetch(`${server.url}/demo-store/warung-bu-sari`)).status).toBe(404);
    } finally {
      await new Promise<void>((r) => server.server.close(() => r()));
    }
  });
});

/** ensureDemoProject on an empty database (another test platform's), with this destination config. */
async function ensureDemoProjectOnEmpty(config: TestPlatform["platform"]["ctx"]["config"]) {
  const other = await startTestPlatform();
  try {
    const demo = await ensureDemoProject(other.sql, other.url, config);
    expect(demo!.webhook_url).toBeNull();
    return demo!.webhook_url;
  } finally {
    await other.close();
  }
}

async function listenOn(server: Server): Promise<{ server: Server; url: string }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
