import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { signedInAdmin } from "../testing/admin";
import { seedEvents, startReceiver, type Receiver } from "../testing/webhooks";
import { updateEndpointUrl } from "../webhooks/endpoints.queries";
import { enqueueWebhookEvent } from "../webhooks/events";
import { newId } from "../lib/ids";
import { pruneAttemptResponseBodies } from "../webhooks/retention";

// The console's Webhooks page (docs/api.md#console-webhooks): every event in every state and every test
// webhook, filtered by state, type, project, environment and id, in keyset pages.

let t: TestPlatform;
let operator: Awaited<ReturnType<typeof signedInAdmin>>;
let viewer: Awaited<ReturnType<typeof signedInAdmin>>;
let receiver: Receiver;
/** Project A's webhooks by the state each was put in. */
let a: {
  projectId: string;
  client_id: string;
  client_secret: string;
  delivered: string;
  pending: string;
  failing: string;
  exhausted: string;
  noEndpoint: string;
};
let consoleTest: string;
let apiTest: string;
let expiredEvent: string;
let otherProject: { projectId: string; event: string };

type List = Awaited<ReturnType<typeof operator.caller.webhooks.list>>;
type ListInput = Parameters<typeof operator.caller.webhooks.list>[0];
const ids = (l: List) => l.items.map((i) => i.id).sort();

beforeAll(async () => {
  t = await startTestPlatform();
  // An operator: reads, resends and sends test webhooks (docs/decisions/0017-roles.md).
  operator = await signedInAdmin(t, { role: "operator" });
  viewer = await signedInAdmin(t, { role: "viewer" });
  receiver = await startReceiver(() => ({ status: 200, body: "ok" }));

  const m = await t.createMerchant({ name: "Toko Daftar Webhook" });
  await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
  const [delivered, pending, failing, exhausted] = await seedEvents(t.sql, m.project_id, 4);
  // Delivered for real: a resend the receiver answers 200 (a manual attempt, the event delivered).
  expect(await operator.caller.webhooks.retry({ eventId: delivered })).toMatchObject({ delivered: true });
  // Failing: a scheduled attempt failed and the next is scheduled; exhausted: every attempt failed.
  await t.sql`insert into webhook_attempts (event_id, attempt_number, trigger, url, response_status, response_body, error, duration_ms, started_at)
              values (${failing}, 1, 'scheduled', ${receiver.url}, 500, 'kaboom', null, 12, now() - interval '1 minute')`;
  await t.sql`update webhook_events set attempt_count = 1, last_error = 'HTTP 500', next_attempt_at = now() + interval '1 hour' where id = ${failing}`;
  await t.sql`update webhook_events set status = 'failed', attempt_count = 10, last_error = 'timeout', next_attempt_at = null where id = ${exhausted}`;
  // A production payment's event while production has no URL: no_endpoint.
  const [noEndpoint] = await seedEvents(t.sql, m.project_id, 1, { environment: "production" });
  a = { projectId: m.project_id, client_id: m.client_id, client_secret: m.client_secret, delivered, pending, failing, exhausted, noEndpoint };

  // Another event type on one more payment.
  const purchaseId = newId("pur");
  await t.sql`insert into purchases (id, project_id, environment, order_id, amount, buyer_email, status)
              values (${purchaseId}, ${m.project_id}, 'sandbox', ${`exp-${purchaseId}`}, 10000, 'sari@example.com', 'expire')`;
  await enqueueWebhookEvent(t.sql, {
    project_id: m.project_id,
    purchase_id: purchaseId,
    event_type: "payment.expired",
    payload: { event: "payment.expired", buyer_email: "sari@example.com" },
  });
  [{ id: expiredEvent }] = await t.sql<{ id: string }[]>`select id from webhook_events where purchase_id = ${purchaseId}`;

  // Test webhooks: the console's button, and the merchant API's test event (never in the outbox).
  consoleTest = (await operator.caller.projects.sendTestWebhook({ projectId: m.project_id, environment: "sandbox" })).messageId;
  const api = await fetch(`${t.url}/api/platform/webhooks/test`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${m.client_id}:${m.client_secret}`).toString("base64")}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "payment.refunded" }),
  });
  expect(api.status).toBe(200);
  apiTest = (await api.json()).id;

  const other = await t.createMerchant({ name: "Toko Lain" });
  const [otherEvent] = await seedEvents(t.sql, other.project_id, 1);
  otherProject = { projectId: other.project_id, event: otherEvent };
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

const list = (input: ListInput) => operator.caller.webhooks.list(input);
const everyA = () => [a.delivered, a.pending, a.failing, a.exhausted, a.noEndpoint, expiredEvent, consoleTest, apiTest].sort();

describe("webhooks.list", () => {
  it("lists delivered, pending, failing, exhausted, no-endpoint and test webhooks under `all`, and the counts agree with the rows", async () => {
    const all = await list({ projectId: a.projectId });
    expect(ids(all)).toEqual(everyA());
    expect(all.counts).toEqual({ all: 8, delivered: 1, pending: 2, failing: 1, exhausted: 1, no_endpoint: 1, test: 2 });
    expect(all.nextCursor).toBeNull();
    const byId = new Map(all.items.map((i) => [i.id, i]));
    expect(byId.get(a.delivered)).toMatchObject({
      kind: "event",
      state: "delivered",
      attempt_count: 1,
      last_status: 200,
      last_error: null,
      event_type: "item.purchased",
    });
    expect(byId.get(a.delivered)?.order_id).toMatch(/^seed-/);
    expect(byId.get(a.failing)).toMatchObject({
      state: "failing",
      attempt_count: 1,
      last_status: 500,
      project_name: "Toko Daftar Webhook",
      environment: "sandbox",
    });
    expect(byId.get(a.failing)?.next_attempt_at).not.toBeNull();
    expect(byId.get(a.pending)).toMatchObject({ state: "pending", attempt_count: 0, last_attempt_at: null });
    expect(byId.get(a.noEndpoint)).toMatchObject({ state: "no_endpoint", environment: "production" });
    expect(byId.get(consoleTest)).toMatchObject({
      kind: "test",
      state: "test",
      event_type: "webhook.test",
      attempt_count: 1,
      last_status: 200,
      purchase_id: null,
      order_id: null,
    });
    expect(byId.get(apiTest)).toMatchObject({ kind: "test", state: "test", event_type: "payment.refunded", environment: "sandbox" });
    // Newest first.
    const created = all.items.map((i) => i.created_at);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it("the found bug: a project with one delivered and one failing event shows two rows under All", async () => {
    const m = await t.createMerchant({ name: "Dua Event" });
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
    const [delivered, failing] = await seedEvents(t.sql, m.project_id, 2);
    await operator.caller.webhooks.retry({ eventId: delivered });
    await t.sql`update webhook_events set attempt_count = 1, last_error = 'HTTP 500', next_attempt_at = now() + interval '1 hour' where id = ${failing}`;
    const all = await list({ projectId: m.project_id });
    expect(ids(all)).toEqual([delivered, failing].sort());
    expect(all.counts.all).toBe(2);
  });

  it("each state filter lists exactly that state's webhooks, as many as its count", async () => {
    const expected: Record<string, string[]> = {
      delivered: [a.delivered],
      pending: [a.pending, expiredEvent],
      failing: [a.failing],
      exhausted: [a.exhausted],
      no_endpoint: [a.noEndpoint],
      test: [consoleTest, apiTest],
    };
    for (const [state, want] of Object.entries(expected)) {
      const l = await list({ projectId: a.projectId, state: state as ListInput["state"] });
      expect(ids(l), state).toEqual([...want].sort());
      expect(l.items.every((i) => i.state === state)).toBe(true);
      expect(l.counts[state as keyof List["counts"]], state).toBe(want.length);
    }
  });

  it("filters by event type, project, environment and an event or order id; the counts follow the filters", async () => {
    const expired = await list({ projectId: a.projectId, eventType: "payment.expired" });
    expect(ids(expired)).toEqual([expiredEvent]);
    expect(expired.counts).toMatchObject({ all: 1, pending: 1, test: 0 });
    expect(ids(await list({ projectId: a.projectId, eventType: "webhook.test" }))).toEqual([consoleTest]);
    expect(ids(await list({ projectId: a.projectId, eventType: "payment.refunded" }))).toEqual([apiTest]);

    const production = await list({ projectId: a.projectId, environment: "production" });
    expect(ids(production)).toEqual([a.noEndpoint]);
    expect(production.counts.all).toBe(1);
    const sandbox = await list({ projectId: a.projectId, environment: "sandbox" });
    expect(ids(sandbox)).toEqual(everyA().filter((id) => id !== a.noEndpoint));

    const other = await list({ projectId: otherProject.projectId });
    expect(ids(other)).toEqual([otherProject.event]);
    const everyone = await list({ limit: 200 });
    expect(everyone.items.map((i) => i.id)).toEqual(expect.arrayContaining([...everyA(), otherProject.event]));

    const byEvent = await list({ q: a.failing });
    expect(ids(byEvent)).toEqual([a.failing]);
    const failingRow = byEvent.items[0];
    expect(ids(await list({ q: failingRow.order_id ?? "" }))).toEqual([a.failing]);
    expect(ids(await list({ q: failingRow.purchase_id ?? "" }))).toEqual([a.failing]);
    expect(ids(await list({ q: consoleTest }))).toEqual([consoleTest]);
    const none = await list({ q: "no-such-order" });
    expect(none.items).toEqual([]);
    expect(none.counts.all).toBe(0);
  });

  it("pages through every webhook without duplicates or gaps, across events and test webhooks with the same created_at", async () => {
    // Ties on created_at between the two sources and within each: the id breaks them.
    const tie = "2026-05-06 10:00:00.123456+00";
    await t.sql`update webhook_events set created_at = ${tie}::timestamptz where id in ${t.sql([a.pending, a.failing, a.exhausted])}`;
    await t.sql`update webhook_test_sends set created_at = ${tie}::timestamptz where id in ${t.sql([consoleTest, apiTest])}`;
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await list({ projectId: a.projectId, limit, cursor });
        expect(page.items.length).toBeLessThanOrEqual(limit);
        seen.push(...page.items.map((i) => i.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(new Set(seen).size, `limit ${limit}`).toBe(seen.length);
      expect([...seen].sort(), `limit ${limit}`).toEqual(everyA());
    }
    // A state's pages too.
    const tests: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ projectId: a.projectId, state: "test", limit: 1, cursor });
      tests.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(tests.sort()).toEqual([consoleTest, apiTest].sort());
  });

  it("refuses an invalid filter with BAD_REQUEST naming the field, not an empty list", async () => {
    const refused = async (input: Record<string, unknown>, field: string) => {
      const err = await list(input as ListInput).then(
        () => null,
        (e: unknown) => e as { code: string; cause?: { fields?: Record<string, string> } },
      );
      expect(err?.code, field).toBe("BAD_REQUEST");
      expect(Object.keys(err?.cause?.fields ?? {}), field).toEqual([field]);
      expect(err?.cause?.fields?.[field], field).toContain(field);
    };
    await refused({ state: "broken" }, "state");
    await refused({ eventType: "item.bought" }, "eventType");
    await refused({ environment: "prod" }, "environment");
    await refused({ projectId: "x".repeat(101) }, "projectId");
    await refused({ q: "x".repeat(201) }, "q");
    await expect(list({ cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "BAD_REQUEST", cause: { fields: { cursor: "invalid" } } });
  });

  it("a viewer may read the list and a webhook's page, with buyer e-mails masked", async () => {
    const l = await viewer.caller.webhooks.list({ projectId: a.projectId });
    expect(ids(l)).toEqual(everyA());
    const detail = await viewer.caller.webhooks.event({ id: expiredEvent });
    expect(detail.payload).toMatchObject({ buyer_email: "s***@example.com" });
    await expect(viewer.caller.webhooks.retry({ eventId: a.failing })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("webhooks.event", () => {
  it("shows an event with every attempt, oldest first, and a test webhook with its one send", async () => {
    receiver.behave(() => ({ status: 503, body: "down for maintenance" }));
    try {
      expect(await operator.caller.webhooks.retry({ eventId: a.failing })).toMatchObject({ delivered: false });
    } finally {
      receiver.behave(() => ({ status: 200, body: "ok" }));
    }
    const e = await operator.caller.webhooks.event({ id: a.failing });
    expect(e).toMatchObject({
      kind: "event",
      state: "failing",
      project_id: a.projectId,
      webhook_url: receiver.url,
      test_source: null,
      event_type: "item.purchased",
    });
    expect(e.payload).toMatchObject({ event: "item.purchased" });
    expect(e.attempts.map((x) => [x.attempt_number, x.trigger, x.response_status, x.response_body])).toEqual([
      [1, "scheduled", 500, "kaboom"],
      [2, "manual", 503, "down for maintenance"],
    ]);
    expect(e.attempts[1].url).toBe(receiver.url);
    expect(e.attempts[1].duration_ms).toEqual(expect.any(Number));
    // The list shows the newest attempt and counts both.
    const row = (await list({ q: a.failing })).items[0];
    expect(row).toMatchObject({ attempt_count: 2, last_status: 503 });

    const test = await operator.caller.webhooks.event({ id: apiTest });
    expect(test).toMatchObject({
      kind: "test",
      state: "test",
      event_type: "payment.refunded",
      test_source: "api",
      payload: null,
      purchase_id: null,
      webhook_url: receiver.url,
    });
    expect(test.attempts).toHaveLength(1);
    expect(test.attempts[0]).toMatchObject({ attempt_number: 1, trigger: "test", response_status: 200, response_body: "ok", url: receiver.url });

    await expect(operator.caller.webhooks.event({ id: "msg_nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("webhooks.retryBatch", () => {
  it("retries only the troubled events of the filters it is given", async () => {
    const m = await t.createMerchant({ name: "Retry scope" });
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
    const [failing] = await seedEvents(t.sql, m.project_id, 1);
    await t.sql`update webhook_events set attempt_count = 1, last_error = 'HTTP 500', next_attempt_at = now() + interval '1 hour' where id = ${failing}`;
    const otherFailing = a.failing;
    const b = await operator.caller.webhooks.retryBatch({ kind: "failing", projectId: m.project_id, before: new Date().toISOString(), batchSize: 5 });
    expect(b).toMatchObject({ tried: 1, delivered: 1, done: true });
    expect(b.results.map((r) => r.eventId)).toEqual([failing]);
    expect((await list({ q: otherFailing })).items[0].state).toBe("failing");
    expect((await list({ projectId: m.project_id })).counts).toMatchObject({ failing: 0, delivered: 1 });
  });
});

describe("test webhooks' answers", () => {
  it("are cleared after the raw-body retention period like every attempt's; the send stays listed", async () => {
    const m = await t.createMerchant({ name: "Retensi uji" });
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", receiver.url);
    const old = (await operator.caller.projects.sendTestWebhook({ projectId: m.project_id, environment: "sandbox" })).messageId;
    const recent = (await operator.caller.projects.sendTestWebhook({ projectId: m.project_id, environment: "sandbox" })).messageId;
    const days = t.platform.ctx.config.rawBodyRetentionDays + 1;
    await t.sql`update webhook_test_sends set created_at = now() - make_interval(days => ${days}) where id = ${old}`;
    expect(await pruneAttemptResponseBodies(t.platform.ctx)).toBeGreaterThanOrEqual(1);
    expect((await operator.caller.webhooks.event({ id: old })).attempts[0]).toMatchObject({ response_body: null, response_status: 200 });
    expect((await operator.caller.webhooks.event({ id: recent })).attempts[0]).toMatchObject({ response_body: "ok", response_status: 200 });
    expect(ids(await list({ projectId: m.project_id }))).toEqual([old, recent].sort());
  });
});

describe("the tabs' counts", () => {
  it("stop at the count limit (shown as 10.000+), and the list still pages", async () => {
    const m = await t.createMerchant({ name: "Banyak Event" });
    const first = await operator.caller.webhooks.list({ projectId: m.project_id });
    const n = first.countLimit + 1;
    // In batches: each statement stays well within the query deadline on embedded PGlite.
    for (let from = 1; from <= n; from += 2000) {
      const to = Math.min(n, from + 1999);
      await t.sql`
        insert into purchases (id, project_id, environment, order_id, amount, buyer_email, status)
        select 'pur_many_' || g, ${m.project_id}, 'sandbox', 'many-' || g, 1000, 'b@example.com', 'settlement' from generate_series(${from}::int, ${to}::int) g`;
      await t.sql`
        insert into webhook_events (id, project_id, purchase_id, environment, event_type, dedupe_key, payload, status, attempt_count, delivered_at)
        select 'msg_many_' || g, ${m.project_id}, 'pur_many_' || g, 'sandbox', 'item.purchased', 'item.purchased', '{}'::jsonb, 'delivered', 1, now()
          from generate_series(${from}::int, ${to}::int) g`;
    }
    const l = await operator.caller.webhooks.list({ projectId: m.project_id, state: "delivered", limit: 10 });
    expect(l.counts.delivered).toBe(l.countLimit);
    expect(l.items).toHaveLength(10);
    expect(l.nextCursor).not.toBeNull();
  });
});
