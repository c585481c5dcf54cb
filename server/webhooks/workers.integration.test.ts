import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectPostgres, type Database } from "../db/connect";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import type { PlatformContext } from "../platform/context";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { createWebhookWorker, startWebhookDelivery } from "./worker";

let t: TestPlatform;
let receiver: Receiver;
const clock = testClock();
const extraDbs: Database[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now });
  receiver = await startReceiver();
});
afterEach(() => receiver.behave(() => ({ status: 200, body: "ok" })));
afterAll(async () => {
  await receiver?.close();
  for (const d of extraDbs) await d.close();
  await t?.close();
});

/** A second "process": its own connection pool on real PostgreSQL; embedded has only the one. */
async function otherProcessCtx(): Promise<PlatformContext> {
  if (t.platform.database.kind !== "postgres") return t.platform.ctx;
  const db = await connectPostgres(t.platform.database.url, { max: 5 });
  extraDbs.push(db);
  return { ...t.platform.ctx, sql: db.sql };
}

const hitsFor = (id: string) => receiver.received.filter((r) => r.headers["webhook-id"] === id);
const eventRow = async (id: string) => (await t.sql`select * from webhook_events where id = ${id}`)[0];

describe("workers side by side", () => {
  it("two workers racing over 200 due events send each exactly once", async () => {
    const m = await t.createMerchant({ webhook_url: receiver.url });
    const ids = await seedEvents(t.sql, m.project_id, 200, { now: clock.now() });
    const a = createWebhookWorker(t.platform.ctx, { workerId: "worker-a", concurrency: 8 });
    const b = createWebhookWorker(await otherProcessCtx(), { workerId: "worker-b", concurrency: 8 });
    const claimedBy = { a: 0, b: 0 };
    await Promise.all([
      (async () => void (claimedBy.a = await a.deliverDue()))(),
      (async () => void (claimedBy.b = await b.deliverDue()))(),
    ]);
    expect(claimedBy.a + claimedBy.b).toBe(200);
    expect(claimedBy.a).toBeGreaterThan(0); // they really ran side by side
    expect(claimedBy.b).toBeGreaterThan(0);
    for (const id of ids) expect(hitsFor(id)).toHaveLength(1);
    const [counts] = await t.sql`
      select count(*) filter (where status = 'delivered')::int as delivered, count(*)::int as total,
             (select count(*)::int from webhook_attempts where event_id = any(${ids})) as attempts
        from webhook_events where id = any(${ids})`;
    expect(counts).toEqual({ delivered: 200, total: 200, attempts: 200 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a worker that dies mid-delivery loses nothing: its claim expires and another worker delivers", async () => {
    const m = await t.createMerchant({ webhook_url: receiver.url });
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    receiver.behave(() => "hang"); // worker A's request never gets an answer
    const a = createWebhookWorker(t.platform.ctx, { workerId: "worker-a-dies", leaseMs: 60_000, timeoutMs: 120_000 });
    const stuck = a.runOnce();
    await waitFor(() => hitsFor(id).length === 1, { what: "worker A's request" });
    expect(await eventRow(id)).toMatchObject({ locked_by: "worker-a-dies", status: "pending", attempt_count: 0 });

    const b = createWebhookWorker(await otherProcessCtx(), { workerId: "worker-b" });
    expect(await b.deliverDue()).toBe(0); // the claim still holds
    receiver.behave(() => ({ status: 200, body: "ok" }));
    clock.advance(61_000); // past the lease
    expect(await b.deliverDue()).toBe(1);
    expect(await eventRow(id)).toMatchObject({ status: "delivered", attempt_count: 1, locked_by: null });
    expect(hitsFor(id)).toHaveLength(2); // at least once: the merchant de-duplicates on webhook-id

    // When A finally gives up, its attempt is logged but cannot undo B's delivery.
    await receiver.stop();
    await receiver.start();
    await a.stop();
    await stuck;
    expect(await eventRow(id)).toMatchObject({ status: "delivered", attempt_count: 1 });
    const attempts = await t.sql`select * from webhook_attempts where event_id = ${id} order by id`;
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ response_status: 200 });
    await b.stop();
  });

  it("stop() waits for deliveries in flight, then releases every claim it holds", async () => {
    const m = await t.createMerchant({ webhook_url: receiver.url });
    const ids = await seedEvents(t.sql, m.project_id, 3, { now: clock.now() });
    receiver.behave(() => "hang");
    const w = createWebhookWorker(t.platform.ctx, { workerId: "worker-stopping", stopTimeoutMs: 200 });
    const run = w.runOnce();
    await waitFor(() => ids.every((id) => hitsFor(id).length === 1), { what: "three requests in flight" });
    await w.stop();
    await run;
    for (const id of ids) {
      // Not the merchant's fault: logged, claim released, schedule untouched, due again at once.
      expect(await eventRow(id)).toMatchObject({ status: "pending", attempt_count: 0, locked_by: null, locked_until: null });
    }
    const attempts = await t.sql`select error from webhook_attempts where event_id = any(${ids})`;
    expect(attempts.map((a) => a.error)).toEqual(Array(3).fill("aborted: worker stopping"));
    receiver.behave(() => ({ status: 200 }));
    const next = createWebhookWorker(t.platform.ctx);
    expect(await next.deliverDue()).toBe(3);
    await next.stop();
  });

  it("stop() with nothing in flight returns at once and the loop claims nothing more", async () => {
    const d = startWebhookDelivery(t.platform, { pollIntervalMs: 20 });
    const started = Date.now();
    await d.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    const m = await t.createMerchant({ webhook_url: receiver.url });
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    await new Promise((r) => setTimeout(r, 100));
    expect(await eventRow(id)).toMatchObject({ status: "pending", locked_by: null });
    const w = createWebhookWorker(t.platform.ctx);
    await w.deliverDue();
    await w.stop();
  });
});

describe("wake-up", () => {
  it("the running loop delivers an event committed in-process at once (no poll wait)", async () => {
    const d = startWebhookDelivery(t.platform, { pollIntervalMs: 60_000 });
    try {
      // Let the loop's first (empty) claim finish and go to sleep for a minute.
      await new Promise((r) => setTimeout(r, 100));
      const m = await t.createMerchant({ webhook_url: receiver.url });
      const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      t.platform.ctx.onWebhookEventsWritten();
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery after the in-process signal" });
    } finally {
      await d.stop();
    }
  });

  it("polls, so an event written without any signal (another process on embedded) still goes out", async () => {
    const d = startWebhookDelivery(t.platform, { pollIntervalMs: 50 });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const m = await t.createMerchant({ webhook_url: receiver.url });
      const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery by polling" });
    } finally {
      await d.stop();
    }
  });

  it("on real PostgreSQL, wakes on NOTIFY from another process's commit", async (testCtx) => {
    if (t.platform.database.kind !== "postgres") return testCtx.skip();
    const d = startWebhookDelivery(t.platform, { pollIntervalMs: 60_000 });
    try {
      await new Promise((r) => setTimeout(r, 300)); // LISTEN established, first claim done
      const other = await otherProcessCtx();
      const m = await t.createMerchant({ webhook_url: receiver.url });
      // Written and committed on another connection, without the in-process signal.
      const [id] = await other.sql.begin((tx) => seedEvents(tx, m.project_id, 1, { now: clock.now() }));
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery after NOTIFY" });
    } finally {
      await d.stop();
    }
  });
});
