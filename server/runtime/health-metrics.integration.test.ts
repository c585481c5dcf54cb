import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { startReceiver, type Receiver } from "../testing/webhooks";
import { updateEndpointUrl } from "../webhooks/endpoints.queries";
import { listMigrations } from "../../db/migrate";
import { startWorkers, type Workers } from "./workers";
import { startMetricsServer } from "./metrics-server";

const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
const LATEST = Math.max(...listMigrations().map((m) => m.version));

describe("metrics (METRICS_PORT, prom-client)", () => {
  let t: TestPlatform;
  let workers: Workers | undefined;
  let receiver: Receiver;
  let metrics: Awaited<ReturnType<typeof startMetricsServer>>;
  beforeAll(async () => {
    t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
    receiver = await startReceiver();
    metrics = await startMetricsServer(t.platform.ctx.metrics, { port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await workers?.stop();
    await metrics?.close();
    await receiver?.close();
    await t?.close();
  });

  const scrape = async () => {
    const res = await fetch(metrics.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  /** The value of one series (exact label set, as prom-client prints it), or undefined. */
  const value = (text: string, series: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it("after a create, a verify, a notification and a webhook delivery: the series exist with route patterns and outcomes", async () => {
    const m = await t.createMerchant();
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
    const orderId = `metrics-${Date.now().toString(36)}`;
    const created = await postJson(`${t.url}/api/platform/shop-payment`, {
      client_id: m.client_id,
      client_secret: m.client_secret,
      amount: 15000,
      order_id: orderId,
      buyer_email: "a@b.co",
    });
    expect(created.status).toBe(201);
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${orderId}`)).status).toBe(200);
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=missing-${orderId}`)).status).toBe(404);
    const [{ midtrans_order_id }] = await t.sql<{ midtrans_order_id: string }[]>`
      select coalesce(midtrans_order_id, order_id) as midtrans_order_id from purchases where id = ${created.json.purchase_id}`;
    await t.simulator.pay(midtrans_order_id, CARD);
    await waitFor(async () => (await t.sql`select 1 from purchases where id = ${created.json.purchase_id} and status = 'settlement'`).length > 0, {
      what: "the notification applied",
    });

    // The event is written and not yet delivered: the queue gauges see it.
    const before = await scrape();
    expect(value(before, "astapa_webhook_queue_depth")).toBe(1);
    expect(value(before, "astapa_webhook_queue_oldest_age_seconds")).toBeGreaterThanOrEqual(0);

    workers = startWorkers(t.platform);
    await waitFor(() => receiver.received.length > 0, { what: "the webhook" });
    const text = await waitFor(async () => {
      const s = await scrape();
      // The attempt is counted when the merchant answers, the event marked delivered just after.
      return value(s, 'astapa_webhook_delivery_duration_seconds_count{outcome="success"}') === 1 && value(s, "astapa_webhook_queue_depth") === 0 ? s : null;
    });

    expect(value(text, 'astapa_http_request_duration_seconds_count{method="POST",route="/api/platform/shop-payment",status="201"}')).toBe(1);
    expect(value(text, 'astapa_http_request_duration_seconds_count{method="GET",route="/api/platform/shop-payment/verify",status="200"}')).toBe(1);
    expect(value(text, 'astapa_http_request_duration_seconds_count{method="GET",route="/api/platform/shop-payment/verify",status="404"}')).toBe(1);
    expect(value(text, 'astapa_http_request_duration_seconds_count{method="POST",route="/api/midtrans/notification",status="200"}')).toBe(1);
    expect(text).toContain('astapa_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/api/platform/shop-payment",status="201"}');
    expect(value(text, 'astapa_midtrans_notifications_total{outcome="applied"}')).toBe(1);
    expect(value(text, 'astapa_midtrans_call_duration_seconds_count{operation="snap_create",environment="sandbox",outcome="ok"}')).toBe(1);
    expect(value(text, 'astapa_midtrans_call_duration_seconds_count{operation="get_status",environment="sandbox",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, "astapa_webhook_queue_depth")).toBe(0);
    expect(value(text, "astapa_webhook_queue_oldest_age_seconds")).toBe(0);
    expect(value(before, "astapa_db_pool_max_connections")).toBe(t.platform.database.kind === "embedded" ? 1 : 10);
    expect(value(text, "astapa_db_pool_queries_in_flight")).toBeGreaterThanOrEqual(0);
    expect(value(text, "astapa_db_wait_timeouts_total")).toBe(0);
    // Labels are patterns and outcomes: no order id, no query string.
    expect(text).not.toContain(orderId);
    expect(text).not.toContain("?");
  });

  it("a refused notification is counted under its error code; the public port serves no metrics", async () => {
    const forged = { order_id: "nope", status_code: "200", gross_amount: "1.00", transaction_status: "settlement", signature_key: "0".repeat(128) };
    expect((await postJson(`${t.url}/api/midtrans/notification`, forged)).status).toBe(401);
    expect(value(await scrape(), 'astapa_midtrans_notifications_total{outcome="invalid_signature"}')).toBe(1);
    const pub = await fetch(`${t.url}/metrics`);
    expect(pub.status).toBe(404);
    expect(await pub.text()).not.toContain("astapa_");
    expect((await fetch(metrics.url.replace("/metrics", "/other"))).status).toBe(404);
  });
});

describe("/healthz and /readyz", () => {
  let t: TestPlatform;
  let workers: Workers | undefined;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => {
    await workers?.stop();
    await t?.close();
  });

  it("/readyz is 503 naming the worker until a worker beats, then 200 with the detail", async () => {
    const cold = await getJson(`${t.url}/readyz`);
    expect(cold.status).toBe(503);
    expect(cold.json).toMatchObject({
      ready: false,
      checks: { database: { ok: true }, schema: { ok: true, expected: LATEST, applied: LATEST }, worker: { ok: false, required: true } },
    });
    workers = startWorkers(t.platform);
    const warm = await waitFor(async () => {
      const r = await getJson(`${t.url}/readyz`);
      return r.status === 200 ? r : null;
    }, { what: "a worker heartbeat" });
    expect(warm.json.ready).toBe(true);
    expect(warm.json.checks.worker.ok).toBe(true);
    expect(warm.json.checks.worker.newest_heartbeat_age_seconds).toBeLessThan(60);
    expect(warm.json.checks.webhook_queue).toEqual({ depth: 0, oldest_age_seconds: null });
    expect(warm.headers.get("cache-control")).toBe("no-store");
  });

  it("a web-only process (RUN_WORKERS=false) is ready without a heartbeat of its own; the worker's state is reported", async () => {
    await workers?.stop();
    workers = undefined;
    await t.sql`delete from worker_heartbeats`;
    t.platform.ctx.config.runsWorkers = false;
    const r = await getJson(`${t.url}/readyz`);
    expect(r.status).toBe(200);
    expect(r.json.checks.worker).toMatchObject({ ok: false, required: false, newest_heartbeat_age_seconds: null });
    t.platform.ctx.config.runsWorkers = true;
  });

  it("finding 5: after the database is emptied (dropped and recreated), /readyz is 503 naming the schema while /healthz stays 200", async () => {
    workers = startWorkers(t.platform);
    await waitFor(async () => (await getJson(`${t.url}/readyz`)).status === 200, { what: "ready" });
    await workers.stop();
    workers = undefined;
    // What `drop database` + `create database` leaves: a database without a single table.
    await t.sql.unsafe("drop schema public cascade; create schema public");
    const r = await getJson(`${t.url}/readyz`);
    expect(r.status).toBe(503);
    expect(r.json.ready).toBe(false);
    expect(r.json.checks.database.ok).toBe(true);
    expect(r.json.checks.schema).toMatchObject({ ok: false, applied: null, expected: LATEST });
    expect(r.json.checks.schema.error).toMatch(/no schema.*schema_migrations/);
    const h = await getJson(`${t.url}/healthz`);
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ ok: true });
  });
});
