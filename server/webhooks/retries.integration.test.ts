import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { WEBHOOK_RETRY_SCHEDULE_MS } from "./schedule";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { createWebhookWorker, type WebhookWorker } from "./worker";
import { resendWebhookEvent } from "./webhooks.service";
import { updateEndpointUrl } from "./endpoints.queries";

/**
 * The schedule walked with a test clock: each test seeds events, moves time forward and calls
 * the worker's deliverDue() — no loop, no real waiting.
 */
let t: TestPlatform;
let receiver: Receiver;
let worker: WebhookWorker;
const clock = testClock();

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now });
  receiver = await startReceiver();
  // Jitter pinned to 0 (random() = 0.5), a short HTTP timeout for the timeout case.
  worker = createWebhookWorker(t.platform.ctx, { random: () => 0.5, timeoutMs: 300 });
});
afterEach(() => {
  receiver.behave(() => ({ status: 200, body: "ok" }));
  t.platform.ctx.config.allowPrivateWebhookUrls = false;
});
afterAll(async () => {
  await worker?.stop();
  await receiver?.close();
  await t?.close();
});

/** An event of `environment` (default sandbox) whose project's endpoint for that environment is `url`. */
async function merchantEvent(opts: { url?: string; environment?: "sandbox" | "production" } = {}) {
  const m = await t.createMerchant();
  await updateEndpointUrl(t.sql, m.project_id, opts.environment ?? "sandbox", opts.url ?? receiver.url);
  const [id] = await seedEvents(t.sql, m.project_id, 1, { environment: opts.environment, now: clock.now() });
  return id;
}
const eventRow = async (id: string) => (await t.sql`select * from webhook_events where id = ${id}`)[0];
const attemptsOf = (id: string) => t.sql`select * from webhook_attempts where event_id = ${id} order by id`;
const hitsFor = (id: string) => receiver.received.filter((r) => r.headers["webhook-id"] === id);

/** Moves the clock to the event's next attempt and runs the worker. */
async function nextScheduledAttempt(id: string) {
  const ev = await eventRow(id);
  clock.advance(Math.max(0, ev.next_attempt_at.getTime() - clock.now().getTime()) + 1);
  await worker.deliverDue();
}

describe("retries", () => {
  it("delivers on a later attempt when the receiver was down (connection refused), then up", async () => {
    const down = await startReceiver();
    const id = await merchantEvent({ url: down.url });
    await down.stop();
    await worker.deliverDue();
    let ev = await eventRow(id);
    expect(ev).toMatchObject({ status: "pending", attempt_count: 1, locked_by: null, locked_until: null });
    expect(ev.last_error).toMatch(/ECONNREFUSED/);
    expect(ev.next_attempt_at.getTime() - clock.now().getTime()).toBeGreaterThan(4_000);

    await worker.deliverDue(); // not due yet: nothing happens
    expect(await attemptsOf(id)).toHaveLength(1);

    await down.start();
    await nextScheduledAttempt(id);
    ev = await eventRow(id);
    expect(ev).toMatchObject({ status: "delivered", attempt_count: 2, next_attempt_at: null, last_error: null });
    expect(down.received).toHaveLength(1);
    const attempts = await attemptsOf(id);
    expect(attempts.map((a) => [a.attempt_number, a.trigger, a.response_status])).toEqual([
      [1, "scheduled", null],
      [2, "scheduled", 200],
    ]);
    expect(attempts[0].error).toMatch(/ECONNREFUSED/);
    await down.close();
  });

  it("retries a 500, a timeout and a 302 (redirects are not followed), logging every attempt", async () => {
    const id = await merchantEvent();
    const answers = [
      { status: 500, body: "boom ".repeat(400) },
      "hang" as const,
      { status: 302, headers: { location: "http://169.254.169.254/" } },
      { status: 200, body: "thanks" },
    ];
    let i = 0;
    receiver.behave(() => answers[i++]);
    await worker.deliverDue();
    for (let k = 0; k < 3; k++) await nextScheduledAttempt(id);

    expect(await eventRow(id)).toMatchObject({ status: "delivered", attempt_count: 4 });
    expect(hitsFor(id)).toHaveLength(4);
    const ids = new Set(hitsFor(id).map((h) => h.headers["webhook-id"]));
    expect(ids).toEqual(new Set([id])); // the same webhook-id on every retry
    const attempts = await attemptsOf(id);
    expect(attempts).toHaveLength(4);
    expect(attempts.map((a) => a.attempt_number)).toEqual([1, 2, 3, 4]);
    expect(attempts[0]).toMatchObject({ response_status: 500, error: null, trigger: "scheduled", url: receiver.url });
    expect(attempts[0].response_body).toHaveLength(1024);
    expect(attempts[1]).toMatchObject({ response_status: null, error: "timeout after 300 ms" });
    expect(attempts[2].response_status).toBe(302);
    expect(attempts[2].error).toMatch(/redirect not followed/);
    expect(attempts[3]).toMatchObject({ response_status: 200, response_body: "thanks", error: null });
    for (const a of attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
      expect(a.started_at).toBeInstanceOf(Date);
    }
    // Attempts follow the schedule's delays (jitter pinned to zero here).
    const gaps = attempts.slice(1).map((a, k) => a.started_at.getTime() - attempts[k].started_at.getTime());
    expect(gaps[0]).toBeGreaterThanOrEqual(WEBHOOK_RETRY_SCHEDULE_MS[1]);
    expect(gaps[1]).toBeGreaterThanOrEqual(WEBHOOK_RETRY_SCHEDULE_MS[2]);
    expect(gaps[2]).toBeGreaterThanOrEqual(WEBHOOK_RETRY_SCHEDULE_MS[3]);
  });

  it("walks the whole schedule (about 3 days) to `failed`; a manual resend is logged and can still deliver it", async () => {
    const id = await merchantEvent();
    receiver.behave(() => ({ status: 503, body: "maintenance" }));
    const start = clock.now().getTime();
    await worker.deliverDue();
    while ((await eventRow(id)).status === "pending") await nextScheduledAttempt(id);

    const ev = await eventRow(id);
    expect(ev).toMatchObject({ status: "failed", attempt_count: WEBHOOK_RETRY_SCHEDULE_MS.length, next_attempt_at: null, last_error: "HTTP 503" });
    const attempts = await attemptsOf(id);
    expect(attempts).toHaveLength(10);
    const span = attempts[9].started_at.getTime() - start;
    expect(span).toBeGreaterThan(3 * 24 * 3600_000);
    expect(span).toBeLessThan(3.5 * 24 * 3600_000);

    // Nothing more is scheduled, however far time moves.
    clock.advance(30 * 24 * 3600_000);
    expect(await worker.deliverDue()).toBe(0);

    // A failing manual resend leaves it failed; a successful one delivers it.
    const r1 = await resendWebhookEvent(t.platform.ctx, id);
    expect(r1.attempt).toMatchObject({ trigger: "manual", attempt_number: 11, response_status: 503 });
    expect(r1.event).toMatchObject({ status: "failed", next_attempt_at: null, attempt_count: 10 });
    receiver.behave(() => ({ status: 204 }));
    const r2 = await resendWebhookEvent(t.platform.ctx, id);
    expect(r2.attempt).toMatchObject({ trigger: "manual", attempt_number: 12, response_status: 204 });
    expect(r2.event).toMatchObject({ status: "delivered", attempt_count: 10 });
    expect(r2.event.delivered_at).toBeInstanceOf(Date);
  });

  it("a manual resend does not disturb the schedule of a pending event", async () => {
    const id = await merchantEvent();
    receiver.behave(() => ({ status: 500 }));
    await worker.deliverDue();
    const before = await eventRow(id);
    const r = await resendWebhookEvent(t.platform.ctx, id);
    expect(r.attempt).toMatchObject({ trigger: "manual", response_status: 500 });
    expect(r.event).toMatchObject({ status: "pending", attempt_count: 1, next_attempt_at: before.next_attempt_at });

    receiver.behave(() => ({ status: 200 }));
    const ok = await resendWebhookEvent(t.platform.ctx, id);
    expect(ok.event).toMatchObject({ status: "delivered", next_attempt_at: null });
    clock.advance(3600_000);
    expect(await worker.deliverDue()).toBe(0); // delivered by hand: the scheduled retry is gone
  });

  it("refuses to resend an unknown event, or one whose project has no URL", async () => {
    await expect(resendWebhookEvent(t.platform.ctx, "msg_nope")).rejects.toMatchObject({ code: "not_found" });
    const id = await merchantEvent();
    await t.sql`update webhook_endpoints set url = null where (project_id, environment) = (select project_id, environment from webhook_events where id = ${id})`;
    await expect(resendWebhookEvent(t.platform.ctx, id)).rejects.toMatchObject({ code: "validation_failed" });
    // The scheduled attempt logs it and retries later (the merchant may set a URL again).
    await worker.deliverDue();
    expect(await eventRow(id)).toMatchObject({ status: "pending", attempt_count: 1, last_error: "the project has no sandbox webhook URL" });
  });

  it("logs a failed attempt (and retries) when the stored secret cannot sign", async () => {
    const id = await merchantEvent();
    await t.sql`update webhook_endpoints set secret = 'whsec_' where (project_id, environment) = (select project_id, environment from webhook_events where id = ${id})`;
    await worker.deliverDue();
    const ev = await eventRow(id);
    expect(ev).toMatchObject({ status: "pending", attempt_count: 1, locked_by: null });
    expect(ev.last_error).toMatch(/^signing failed/);
    expect(hitsFor(id)).toHaveLength(0);
  });

  it("honours Retry-After on 429 within bounds", async () => {
    const id = await merchantEvent();
    receiver.behave(() => ({ status: 429, headers: { "retry-after": "3600" } }));
    await worker.deliverDue();
    let ev = await eventRow(id);
    let wait = ev.next_attempt_at.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThan(3590_000); // an hour, not the schedule's 5 s
    expect(wait).toBeLessThanOrEqual(3600_000);

    // Too far away: capped at 24 h.
    receiver.behave(() => ({ status: 503, headers: { "retry-after": new Date(clock.now().getTime() + 10 * 24 * 3600_000).toUTCString() } }));
    await nextScheduledAttempt(id);
    ev = await eventRow(id);
    wait = ev.next_attempt_at.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThan(23.9 * 3600_000);
    expect(wait).toBeLessThanOrEqual(24 * 3600_000);

    // Sooner than the schedule: the schedule wins (attempt 3 failed -> 30 min).
    receiver.behave(() => ({ status: 429, headers: { "retry-after": "1" } }));
    await nextScheduledAttempt(id);
    ev = await eventRow(id);
    wait = ev.next_attempt_at.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThan(29 * 60_000);
  });
});

describe("production destination safety", () => {
  it("refuses loopback in production, logs it as an error and keeps retrying on schedule", async () => {
    const id = await merchantEvent({ environment: "production" });
    await worker.deliverDue();
    const ev = await eventRow(id);
    expect(ev).toMatchObject({ status: "pending", attempt_count: 1 });
    expect(ev.last_error).toMatch(/^destination not allowed/);
    const [a] = await attemptsOf(id);
    expect(a).toMatchObject({ response_status: null, url: receiver.url });
    expect(a.error).toMatch(/^destination not allowed/);
    expect(hitsFor(id)).toHaveLength(0);

    // The operator allows private URLs (e.g. an on-premises install): the retry goes through.
    t.platform.ctx.config.allowPrivateWebhookUrls = true;
    await nextScheduledAttempt(id);
    expect(await eventRow(id)).toMatchObject({ status: "delivered", attempt_count: 2 });
    expect(hitsFor(id)).toHaveLength(1);
  });

  it("checks every address a host name resolves to, at connect time", async () => {
    const id = await merchantEvent({ url: `http://localhost:${receiver.port}/hook`, environment: "production" });
    await worker.deliverDue();
    expect((await eventRow(id)).last_error).toBe("destination not allowed: localhost is a loopback name");

    // A name with one public and one private address is refused too (no partial trust).
    const mixed = createWebhookWorker(t.platform.ctx, {
      random: () => 0.5,
      resolve: async () => [{ address: "93.184.216.34", family: 4 }, { address: "10.1.2.3", family: 4 }],
    });
    const id2 = await merchantEvent({ url: "http://merchant.example/hook", environment: "production" });
    await mixed.deliverDue();
    expect((await eventRow(id2)).last_error).toBe("destination not allowed: merchant.example resolves to 10.1.2.3 (private)");
    await mixed.stop();
  });

  it("lets sandbox events go to localhost", async () => {
    const id = await merchantEvent({ url: `http://localhost:${receiver.port}/hook`, environment: "sandbox" });
    await worker.deliverDue();
    expect(await eventRow(id)).toMatchObject({ status: "delivered" });
  });
});
