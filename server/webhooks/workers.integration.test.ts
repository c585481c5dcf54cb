import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { createWebhookWorker, startWebhookDelivery } from "./worker";
import { updateEndpointUrl } from "./endpoints.queries";

let t: TestPlatform;
let receiver: Receiver;
const clock = testClock();

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now });
  receiver = await startReceiver();
});
afterEach(() => receiver.behave(() => ({ status: 200, body: "ok" })));
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

/** A sandbox merchant whose sandbox endpoint is the receiver. */
async function merchant() {
  const m = await t.createMerchant();
  await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
  return m;
}

const hitsFor = (id: string) => receiver.received.filter((r) => r.headers["webhook-id"] === id);

/**
 * The platform as a delivery loop sees it, counting the loop's clock reads: each claim reads the
 * clock once, first thing. Once `reads > 0` the first claim has fixed its "now", so an event made
 * due after a clock advance cannot be picked up by it (no sleep needed to get past it).
 */
function watchedHost() {
  const host = { ...t.platform, reads: 0 };
  host.ctx = {
    ...t.platform.ctx,
    now: () => {
      host.reads++;
      return t.platform.ctx.now();
    },
  };
  return host;
}
const eventRow = async (id: string) => (await t.sql`select * from webhook_events where id = ${id}`)[0];

describe("workers side by side", () => {
  it("two workers racing over 200 due events send each exactly once", async () => {
    const m = await merchant();
    const ids = await seedEvents(t.sql, m.project_id, 200, { now: clock.now() });
    // One endpoint: its cap is raised to the workers' slots, so the two really race for its events.
    const a = createWebhookWorker(t.platform.ctx, { workerId: "worker-a", concurrency: 8, perEndpointConcurrency: 16 });
    const b = createWebhookWorker(await t.otherProcessContext(), { workerId: "worker-b", concurrency: 8, perEndpointConcurrency: 16 });
    const claimedBy = { a: 0, b: 0 };
    [claimedBy.a, claimedBy.b] = await Promise.all([a.deliverDue(), b.deliverDue()]);
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
    const m = await merchant();
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    receiver.behave(() => "hang"); // worker A's request never gets an answer
    const a = createWebhookWorker(t.platform.ctx, { workerId: "worker-a-dies", leaseMs: 60_000, timeoutMs: 120_000 });
    const stuck = a.runOnce();
    await waitFor(() => hitsFor(id).length === 1, { what: "worker A's request" });
    expect(await eventRow(id)).toMatchObject({ locked_by: "worker-a-dies", status: "pending", attempt_count: 0 });

    const b = createWebhookWorker(await t.otherProcessContext(), { workerId: "worker-b" });
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
    const m = await merchant();
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
    // Were stop() to wait out the poll interval or the grace period, this test would time out.
    const host = watchedHost();
    const d = startWebhookDelivery(host, { pollIntervalMs: 60_000, stopTimeoutMs: 60_000 });
    await waitFor(() => host.reads > 0, { what: "the loop's first claim" });
    await d.stop();
    const m = await merchant();
    const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    await new Promise((r) => setTimeout(r, 100)); // deliberate: a stopped loop must claim nothing during it
    expect(await eventRow(id)).toMatchObject({ status: "pending", locked_by: null });
    const w = createWebhookWorker(t.platform.ctx);
    await w.deliverDue();
    await w.stop();
  });
});

describe("wake-up", () => {
  it("the running loop delivers an event committed in-process at once (no poll wait)", async () => {
    const host = watchedHost();
    const d = startWebhookDelivery(host, { pollIntervalMs: 60_000 });
    try {
      // The loop's first claim has fixed its time; the event is due only after it, so only the signal can deliver it.
      await waitFor(() => host.reads > 0, { what: "the loop's first claim" });
      clock.advance(60_000);
      const m = await merchant();
      const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      t.platform.ctx.onWebhookEventsWritten();
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery after the in-process signal" });
    } finally {
      await d.stop();
    }
  });

  it("polls, so an event written without any signal (another process on embedded) still goes out", async () => {
    const host = watchedHost();
    const d = startWebhookDelivery(host, { pollIntervalMs: 50 });
    try {
      // Due only after the loop's first claim fixed its time: a later poll must find it.
      await waitFor(() => host.reads > 0, { what: "the loop's first claim" });
      clock.advance(60_000);
      const m = await merchant();
      const [id] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery by polling" });
    } finally {
      await d.stop();
    }
  });

  it("on real PostgreSQL, wakes on NOTIFY from another process's commit", async (testCtx) => {
    if (t.platform.database.kind !== "postgres") return testCtx.skip();
    const host = watchedHost();
    const d = startWebhookDelivery(host, { pollIntervalMs: 60_000 });
    try {
      // LISTEN is established before the loop starts; its first claim has fixed its time, and the
      // event is due only after it, so only NOTIFY can deliver it before the minute-long poll.
      await waitFor(() => host.reads > 0, { what: "LISTEN and the loop's first claim" });
      clock.advance(60_000);
      const other = await t.otherProcessContext();
      const m = await merchant();
      // Written and committed on another connection, without the in-process signal.
      const [id] = await other.sql.begin((tx) => seedEvents(tx, m.project_id, 1, { now: clock.now() }));
      await waitFor(() => hitsFor(id).length === 1, { timeoutMs: 2000, what: "delivery after NOTIFY" });
    } finally {
      await d.stop();
    }
  });
});
