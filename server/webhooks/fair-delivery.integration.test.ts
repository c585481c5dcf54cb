// Fair, bounded delivery (docs/decisions/0008-fair-delivery.md): a per-endpoint cap and fair
// claiming, endpoints disabled after 5 days of failures (re-enabled and replayed from the
// console), and event-type subscriptions.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signedInAdmin } from "../testing/admin";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { updateEndpointUrl } from "./endpoints.queries";
import { ENDPOINT_DISABLE_AFTER_MS } from "./schedule";
import { claimDueEvents } from "./webhooks.queries";
import { createWebhookWorker } from "./worker";

let t: TestPlatform;
let healthy: Receiver;
let hanging: Receiver;
const clock = testClock();

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now });
  healthy = await startReceiver();
  hanging = await startReceiver(() => "hang");
});
// Each test starts with nothing due: what a test left pending (a hanging endpoint's backlog) is set aside.
afterEach(async () => {
  await t.sql`update webhook_events set status = 'failed', next_attempt_at = null, locked_by = null, locked_until = null where status = 'pending'`;
});
afterAll(async () => {
  await healthy?.close();
  await hanging?.close();
  await t?.close();
});

async function merchant(url: string) {
  const m = await t.createMerchant();
  await updateEndpointUrl(t.sql, m.project_id, "sandbox", url);
  return m;
}

const attemptsOf = async (ids: string[]) => (await t.sql<{ n: number }[]>`select count(*)::int as n from webhook_attempts where event_id = any(${ids})`)[0].n;
const inFlightOf = async (projectId: string) =>
  (await t.sql<{ n: number }[]>`select count(*)::int as n from webhook_events where project_id = ${projectId} and status = 'pending' and locked_by is not null`)[0].n;
const hits = (r: Receiver, ids: string[]) => r.received.filter((w) => ids.includes(String(w.headers["webhook-id"])));

describe("fair claiming", () => {
  it("an endpoint that never answers does not delay another endpoint's event, even with its backlog enqueued first", async () => {
    const slow = await merchant(hanging.url);
    const fast = await merchant(healthy.url);
    // The hanging endpoint's 10 events are older than the healthy one's, and outnumber the slots.
    const slowIds = await seedEvents(t.sql, slow.project_id, 10, { now: new Date(clock.now().getTime() - 60_000) });
    const [fastId] = await seedEvents(t.sql, fast.project_id, 1, { now: clock.now() });
    // Short enough to end the test quickly, long enough that no hanging attempt ends before the
    // healthy delivery on a loaded machine.
    const worker = createWebhookWorker(t.platform.ctx, { workerId: "fair-1", concurrency: 4, perEndpointConcurrency: 2, timeoutMs: 20_000, stopTimeoutMs: 0, pollIntervalMs: 50 });
    worker.start();
    try {
      // The receiver answers before the worker records the attempt: wait for the recorded outcome.
      const statusOf = async () => (await t.sql<{ status: string }[]>`select status from webhook_events where id = ${fastId}`)[0].status;
      await waitFor(async () => (await statusOf()) === "delivered", { timeoutMs: 10_000 });
      expect(hits(healthy, [fastId]).length).toBe(1);
      // Delivered while the hanging endpoint's attempts were still in flight: none has ended yet.
      expect(await attemptsOf(slowIds)).toBe(0);
      expect(hits(hanging, slowIds).length).toBeLessThanOrEqual(2);
    } finally {
      // Always stopped: a worker left running would claim the next tests' events.
      await worker.stop();
    }
  });

  it("caps one endpoint's deliveries in flight across workers", async () => {
    const slow = await merchant(hanging.url);
    const ids = await seedEvents(t.sql, slow.project_id, 10, { now: clock.now() });
    const before = hits(hanging, ids).length;
    const a = createWebhookWorker(t.platform.ctx, { workerId: "cap-a", concurrency: 8, perEndpointConcurrency: 3, timeoutMs: 30_000, stopTimeoutMs: 0, pollIntervalMs: 20 });
    const b = createWebhookWorker(await t.otherProcessContext(), { workerId: "cap-b", concurrency: 8, perEndpointConcurrency: 3, timeoutMs: 30_000, stopTimeoutMs: 0, pollIntervalMs: 20 });
    a.start();
    b.start();
    try {
      await waitFor(() => hits(hanging, ids).length - before >= 3, { timeoutMs: 10_000 });
      // Both workers keep claiming (every 20 ms); a third claim with the same cap gets nothing.
      const now = clock.now();
      const third = await claimDueEvents(t.sql, { workerId: "cap-c", now, leaseUntil: new Date(now.getTime() + 60_000), limit: 8, perEndpoint: 3 });
      expect(third).toEqual([]);
      expect(await inFlightOf(slow.project_id)).toBe(3);
      expect(hits(hanging, ids).length - before).toBe(3);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(await inFlightOf(slow.project_id)).toBe(0); // claims released on stop
  });

  it("deals slots round-robin: every endpoint's oldest event before any endpoint's second", async () => {
    const m1 = await merchant(healthy.url);
    const m2 = await merchant(healthy.url);
    const m3 = await merchant(healthy.url);
    const old = new Date(clock.now().getTime() - 120_000);
    const first = await seedEvents(t.sql, m1.project_id, 5, { now: old });
    const second = await seedEvents(t.sql, m2.project_id, 5, { now: new Date(old.getTime() + 1000) });
    const third = await seedEvents(t.sql, m3.project_id, 5, { now: new Date(old.getTime() + 2000) });
    const now = clock.now();
    const claimed = await claimDueEvents(t.sql, { workerId: "rr", now, leaseUntil: new Date(now.getTime() + 60_000), limit: 3, perEndpoint: 4 });
    // Ordered by age alone, all three would be the first merchant's.
    expect(claimed.map((e) => e.project_id).sort()).toEqual([m1.project_id, m2.project_id, m3.project_id].sort());
    expect(claimed.every((e) => [...first, ...second, ...third].includes(e.id))).toBe(true);
    await t.sql`update webhook_events set locked_by = null, locked_until = null where locked_by = 'rr'`;
    const w = createWebhookWorker(t.platform.ctx, { workerId: "rr-deliver" });
    await w.deliverDue();
    await w.stop();
  });
});

describe("disabled endpoints", () => {
  it("disables an endpoint after 5 days of failed attempts, holds its events, and re-enabling replays them with the same ids", async () => {
    const failing = await startReceiver(() => ({ status: 500, body: "down" }));
    try {
      const m = await merchant(failing.url);
      const endpoint = async () =>
        (await t.sql<{ disabled_at: Date | null; failing_since: Date | null }[]>`
          select disabled_at, failing_since from webhook_endpoints where project_id = ${m.project_id} and environment = 'sandbox'`)[0];
      const worker = createWebhookWorker(t.platform.ctx, { workerId: "dis", random: () => 0.5 });
      const ids = [...(await seedEvents(t.sql, m.project_id, 1, { now: clock.now() }))];
      await worker.deliverDue();
      expect((await endpoint()).failing_since).not.toBeNull();
      expect((await endpoint()).disabled_at).toBeNull();

      // Four days later, still failing: not yet disabled.
      clock.advance(4 * 24 * 3600_000);
      ids.push(...(await seedEvents(t.sql, m.project_id, 1, { now: clock.now() })));
      await worker.deliverDue();
      expect((await endpoint()).disabled_at).toBeNull();

      // Past 5 days of nothing but failures: disabled by the next failed attempt.
      clock.advance(ENDPOINT_DISABLE_AFTER_MS - 4 * 24 * 3600_000 + 60_000);
      ids.push(...(await seedEvents(t.sql, m.project_id, 1, { now: clock.now() })));
      await worker.deliverDue();
      expect((await endpoint()).disabled_at).not.toBeNull();

      // Events keep being recorded, but nothing is sent to a disabled endpoint.
      ids.push(...(await seedEvents(t.sql, m.project_id, 1, { now: clock.now() })));
      const attemptsWhenDisabled = await attemptsOf(ids);
      clock.advance(24 * 3600_000);
      expect(await worker.deliverDue()).toBe(0);
      expect(await attemptsOf(ids)).toBe(attemptsWhenDisabled);

      // The console shows it, and re-enabling (audited) replays everything it missed.
      const admin = await signedInAdmin(t);
      const alerts = await admin.caller.webhooks.disabledEndpoints();
      const alert = alerts.find((a) => a.project_id === m.project_id);
      expect(alert).toMatchObject({ environment: "sandbox", url: failing.url });
      expect(alert?.held_events).toBeGreaterThanOrEqual(1);
      const project = await admin.caller.projects.get({ projectId: m.project_id });
      expect(project.endpoints.sandbox.disabled_at).not.toBeNull();

      failing.behave(() => ({ status: 200, body: "ok" }));
      const reenabled = await admin.caller.projects.reenableWebhookEndpoint({ projectId: m.project_id, environment: "sandbox" });
      expect(reenabled.endpoints.sandbox.disabled_at).toBeNull();
      expect(reenabled.replayed).toBe(ids.length);
      const [audit] = await t.sql`select * from admin_audit_log where action = 'project.reenable_webhook_endpoint' and target_id = ${m.project_id}`;
      expect(audit).toBeDefined();
      await expect(admin.caller.projects.reenableWebhookEndpoint({ projectId: m.project_id, environment: "sandbox" })).rejects.toMatchObject({
        code: "CONFLICT",
      });

      await worker.deliverDue();
      const rows = await t.sql<{ id: string; status: string }[]>`select id, status from webhook_events where id = any(${ids})`;
      expect(rows.map((r) => r.status)).toEqual(ids.map(() => "delivered"));
      for (const id of ids) expect(failing.received.filter((w) => w.headers["webhook-id"] === id && w.at > 0).length).toBeGreaterThanOrEqual(1);
      expect((await endpoint()).failing_since).toBeNull();
      await worker.stop();
    } finally {
      await failing.close();
    }
  });

  it("a delivered attempt ends the failure run", async () => {
    const flaky = await startReceiver(() => ({ status: 503, body: "busy" }));
    try {
      const m = await merchant(flaky.url);
      const worker = createWebhookWorker(t.platform.ctx, { workerId: "flaky", random: () => 0.5 });
      await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
      await worker.deliverDue();
      const since = async () => (await t.sql`select failing_since from webhook_endpoints where project_id = ${m.project_id} and environment = 'sandbox'`)[0].failing_since;
      expect(await since()).not.toBeNull();
      flaky.behave(() => ({ status: 200, body: "ok" }));
      clock.advance(60_000);
      await worker.deliverDue();
      expect(await since()).toBeNull();
      await worker.stop();
    } finally {
      await flaky.close();
    }
  });
});

describe("event-type subscriptions", () => {
  it("an endpoint limited to other event types gets none of this type; every type by default", async () => {
    const m = await merchant(healthy.url);
    const admin = await signedInAdmin(t);
    const all = await admin.caller.projects.get({ projectId: m.project_id });
    expect(all.endpoints.sandbox.event_types).toBeNull();
    const [subscribed] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });

    const limited = await admin.caller.projects.setWebhookEventTypes({ projectId: m.project_id, environment: "sandbox", event_types: ["payment.refunded"] });
    expect(limited.endpoints.sandbox.event_types).toEqual(["payment.refunded"]);
    const [unsubscribed] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    await expect(
      admin.caller.projects.setWebhookEventTypes({ projectId: m.project_id, environment: "sandbox", event_types: ["no.such.event" as "payment.refunded"] }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const worker = createWebhookWorker(t.platform.ctx, { workerId: "subs" });
    await worker.deliverDue();
    await worker.stop();
    const status = async (id: string) => (await t.sql`select status from webhook_events where id = ${id}`)[0].status;
    expect(await status(subscribed)).toBe("delivered");
    expect(await status(unsubscribed)).toBe("no_endpoint");
    expect(hits(healthy, [unsubscribed])).toHaveLength(0);

    const back = await admin.caller.projects.setWebhookEventTypes({ projectId: m.project_id, environment: "sandbox", event_types: null });
    expect(back.endpoints.sandbox.event_types).toBeNull();
    const [again] = await seedEvents(t.sql, m.project_id, 1, { now: clock.now() });
    expect(await status(again)).toBe("pending");
  });
});
