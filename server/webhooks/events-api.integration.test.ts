import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { getJson, postJson, readAnswer } from "../testing/http";
import { seedEvents, startReceiver, type ReceivedWebhook, type Receiver } from "../testing/webhooks";
import { issueCredential } from "../projects/projects.service";
import { merchantEventTypes } from "../payments/purchase-events";
import { enqueueWebhookEvent } from "./events";
import { createWebhookWorker } from "./worker";

/**
 * The merchant's events API (issue "The whole payment lifecycle for merchants", part "Events API
 * and test events for merchants"; contract in docs/api.md, "Events API"): list, resend and test
 * events, through the real HTTP server, with receivers verifying like a merchant does.
 */
let t: TestPlatform;
let receiver: Receiver;
let otherReceiver: Receiver;
type Merchant = Awaited<ReturnType<TestPlatform["createMerchant"]>>;
/** Project A: sandbox endpoint = receiver; a production credential too (its production endpoint has no URL). */
let a: Merchant;
let aProduction: { client_id: string; client_secret: string };
/** Project B: another merchant, its own sandbox endpoint. */
let b: Merchant;
/** A's sandbox events, oldest first. */
let aEvents: string[];
let aProductionEvents: string[];
let bEvents: string[];
let refundedEventId: string;
let refundedOrderId: string;

const basic = (c: { client_id: string; client_secret: string }) => ({ authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString("base64")}` });
const listEvents = (c: { client_id: string; client_secret: string }, query = "") => getJson(`${t.url}/api/platform/events${query}`, basic(c));
const resend = async (c: { client_id: string; client_secret: string }, id: string) =>
  readAnswer(await fetch(`${t.url}/api/platform/events/${encodeURIComponent(id)}/resend`, { method: "POST", headers: basic(c) }));
const sendTest = (c: { client_id: string; client_secret: string }, body: unknown) => postJson(`${t.url}/api/platform/webhooks/test`, body, basic(c));
const verifies = (secret: string, hit: ReceivedWebhook) => {
  try {
    new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
  receiver = await startReceiver();
  otherReceiver = await startReceiver();
  a = await t.createMerchant({ name: "Toko A", webhook_url: receiver.url });
  const prod = await issueCredential(t.sql, a.project_id, "production");
  aProduction = { client_id: prod.client_id, client_secret: prod.client_secret };
  b = await t.createMerchant({ name: "Toko B", webhook_url: otherReceiver.url });
  aEvents = await seedEvents(t.sql, a.project_id, 5);
  aProductionEvents = await seedEvents(t.sql, a.project_id, 2, { environment: "production" });
  bEvents = await seedEvents(t.sql, b.project_id, 2);
  // A second event type on A's newest sandbox purchase: a partial refund.
  const [purchase] = await t.sql<{ id: string; order_id: string }[]>`
    select pu.id, pu.order_id from webhook_events e join purchases pu on pu.id = e.purchase_id where e.id = ${aEvents[4]}`;
  refundedOrderId = purchase.order_id;
  await enqueueWebhookEvent(t.sql, {
    project_id: a.project_id,
    purchase_id: purchase.id,
    event_type: "payment.refunded",
    payload: { event: "payment.refunded", order_id: purchase.order_id, purchase_id: purchase.id, environment: "sandbox", amount: 75000, currency: "IDR", refund_amount: 30000 },
  });
  const [row] = await t.sql<{ id: string }[]>`select id from webhook_events where purchase_id = ${purchase.id} and event_type = 'payment.refunded'`;
  refundedEventId = row.id;
});
afterAll(async () => {
  await receiver?.close();
  await otherReceiver?.close();
  await t?.close();
});

describe("GET /api/platform/events", () => {
  it("a credential sees its own project's events in its own environment only, newest first, with payload and delivery state", async () => {
    const own = await listEvents(a);
    expect(own.status).toBe(200);
    expect(own.json.data.map((e: { id: string }) => e.id)).toEqual([refundedEventId, ...[...aEvents].reverse()]);
    expect(own.json.next_cursor).toBeNull();
    const first = own.json.data.find((e: { id: string }) => e.id === aEvents[0]);
    expect(first).toMatchObject({ type: "item.purchased", status: "pending", attempts: 0, last_response_status: null, last_attempt_at: null });
    expect(first.payload).toMatchObject({ event: "item.purchased", amount: 75000, environment: "sandbox" });
    // The payload in the documented key order: what the endpoint receives.
    expect(Object.keys(first.payload).slice(0, 3)).toEqual(["event", "order_id", "item_id"]);
    expect(first.next_attempt_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    // The same project's production credential: only the production events (kept as no_endpoint: no production URL).
    const production = await listEvents(aProduction);
    expect(production.json.data.map((e: { id: string }) => e.id)).toEqual([...aProductionEvents].reverse());
    expect(production.json.data.every((e: { status: string; next_attempt_at: unknown }) => e.status === "no_endpoint" && e.next_attempt_at === null)).toBe(true);

    // Another project: its own events, none of A's.
    const other = await listEvents(b);
    expect(other.json.data.map((e: { id: string }) => e.id)).toEqual([...bEvents].reverse());
  });

  it("pages with a keyset cursor: every event once, in order, and the last page says so", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listEvents(a, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.data.map((e: { id: string }) => e.id));
      cursor = page.json.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([refundedEventId, ...[...aEvents].reverse()]);
  });

  it("filters by type and by the merchant's order_id", async () => {
    const refunds = await listEvents(a, "?type=payment.refunded");
    expect(refunds.json.data.map((e: { id: string }) => e.id)).toEqual([refundedEventId]);
    const purchased = await listEvents(a, "?type=item.purchased");
    expect(purchased.json.data.map((e: { id: string }) => e.id)).toEqual([...aEvents].reverse());
    const byOrder = await listEvents(a, `?order_id=${encodeURIComponent(refundedOrderId)}`);
    expect(byOrder.json.data.map((e: { id: string }) => e.id)).toEqual([refundedEventId, aEvents[4]]);
    // Another project's order id finds nothing for A.
    const [bOrder] = await t.sql<{ order_id: string }[]>`select pu.order_id from webhook_events e join purchases pu on pu.id = e.purchase_id where e.id = ${bEvents[0]}`;
    expect((await listEvents(a, `?order_id=${encodeURIComponent(bOrder.order_id)}`)).json.data).toEqual([]);
  });

  it("refuses bad parameters and bad credentials with stable codes", async () => {
    for (const query of ["?type=payment.teleported", "?type=item.purchased&type=payment.failed", "?limit=101", "?limit=0", "?limit=abc", "?cursor=nonsense", `?order_id=${"x".repeat(51)}`]) {
      const r = await listEvents(a, query);
      expect(r.status, query).toBe(400);
      expect(r.json.error.code, query).toBe("validation_failed");
    }
    const wrong = await listEvents({ client_id: a.client_id, client_secret: "wrong" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("invalid_client");
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="astapa"');
    expect((await getJson(`${t.url}/api/platform/events`)).status).toBe(401);
  });
});

describe("rate limit", () => {
  it("is counted per IP before authentication, on the items budget (RATE_LIMIT_ITEMS_PER_IP, 600 a minute by default)", async () => {
    const from = { "x-forwarded-for": "198.51.100.77" };
    // No credential at all: each request still takes its point, before anything else.
    const answers = await Promise.all(Array.from({ length: 600 }, () => getJson(`${t.url}/api/platform/events`, from)));
    expect(answers.every((r) => r.status === 401)).toBe(true);
    const over = await getJson(`${t.url}/api/platform/events`, { ...basic(a), ...from });
    expect(over.status).toBe(429);
    expect(over.json.error.code).toBe("rate_limited");
    expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await postJson(`${t.url}/api/platform/webhooks/test`, {}, { ...basic(a), ...from })).status).toBe(429);
    // The same budget as the items list.
    expect((await getJson(`${t.url}/api/platform/items`, { ...basic(a), ...from })).status).toBe(429);
    // Another address is unaffected.
    expect((await listEvents(a)).status).toBe(200);
  });
});

describe("POST /api/platform/events/{id}/resend", () => {
  it("re-sends with the same webhook-id: the receiver verifies the same id twice, and the attempts are recorded", async () => {
    const worker = createWebhookWorker(t.platform.ctx);
    await worker.deliverDue();
    await worker.stop();
    const id = aEvents[1];
    expect(receiver.received.filter((h) => h.headers["webhook-id"] === id)).toHaveLength(1);

    const r = await resend(a, id);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id, type: "item.purchased", ok: true, status_code: 200, error: null, attempt_number: 2, delivery_status: "delivered" });
    const hits = receiver.received.filter((h) => h.headers["webhook-id"] === id);
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => verifies(a.webhook_secret, h))).toBe(true);
    expect(hits[1].body).toBe(hits[0].body);

    const listed = (await listEvents(a)).json.data.find((e: { id: string }) => e.id === id);
    expect(listed).toMatchObject({ status: "delivered", attempts: 2, last_response_status: 200, next_attempt_at: null });
    expect(listed.last_attempt_at).not.toBeNull();
  });

  it("another project's credential and the same project's other environment get 404 and send nothing", async () => {
    const id = aEvents[2];
    const before = receiver.received.length + otherReceiver.received.length;
    for (const c of [b, aProduction]) {
      const r = await resend(c, id);
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe("not_found");
    }
    expect((await resend(a, "msg_doesnotexist")).status).toBe(404);
    expect(receiver.received.length + otherReceiver.received.length).toBe(before);
    // The owner's own credential may resend it: to its own endpoint only.
    expect((await resend(a, id)).json).toMatchObject({ id, ok: true, status_code: 200 });
    expect(receiver.received.at(-1)?.headers["webhook-id"]).toBe(id);
    expect(otherReceiver.received.some((h) => h.headers["webhook-id"] === id)).toBe(false);
  });

  it("an event of an environment without a webhook URL answers 409 webhook_endpoint_missing", async () => {
    const r = await resend(aProduction, aProductionEvents[0]);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("webhook_endpoint_missing");
  });
});

describe("POST /api/platform/webhooks/test", () => {
  it("sends a signed sample of every event type to the sandbox endpoint, marked as a test, and answers the receiver's outcome", async () => {
    receiver.behave(() => ({ status: 202, body: "x".repeat(800) }));
    try {
      for (const type of merchantEventTypes) {
        const r = await sendTest(a, { type });
        expect(r.status, type).toBe(200);
        expect(r.json).toMatchObject({ type, ok: true, status_code: 202, error: null });
        expect(r.json.id).toMatch(/^msg_test_/);
        expect(r.json.response_excerpt).toBe("x".repeat(500));
        const hit = receiver.received.find((h) => h.headers["webhook-id"] === r.json.id) ?? expect.fail(`${type} not received`);
        expect(verifies(a.webhook_secret, hit), type).toBe(true);
        const payload = new Webhook(a.webhook_secret).verify(hit.body, hit.headers as Record<string, string>) as Record<string, unknown>;
        expect(payload).toMatchObject({ event: type, environment: "sandbox", test: true });
      }
    } finally {
      receiver.behave(() => ({ status: 200, body: "ok" }));
    }
    // No body at all: item.purchased.
    const plain = await readAnswer(await fetch(`${t.url}/api/platform/webhooks/test`, { method: "POST", headers: basic(a) }));
    expect(plain.json).toMatchObject({ type: "item.purchased", status_code: 200, response_excerpt: "ok" });
  });

  it("a production credential is refused (403 forbidden), and nothing is sent", async () => {
    const before = receiver.received.length;
    const r = await sendTest(aProduction, { type: "payment.failed" });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe("forbidden");
    expect(r.json.error.message).toMatch(/sandbox/);
    expect(receiver.received.length).toBe(before);
  });

  it("no sandbox endpoint: 409 webhook_endpoint_missing; an unknown type: 400", async () => {
    const bare = await t.createMerchant({ name: "Toko Tanpa URL", webhook_url: null });
    const r = await sendTest(bare, {});
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("webhook_endpoint_missing");
    const bad = await sendTest(a, { type: "payment.teleported" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe("validation_failed");
    expect((await sendTest(a, "{not json")).json.error.code).toBe("invalid_json");
    const asText = await readAnswer(await fetch(`${t.url}/api/platform/webhooks/test`, { method: "POST", headers: { ...basic(a), "content-type": "text/plain" }, body: "type=item.purchased" }));
    expect(asText.json.error.code).toBe("unsupported_content_type");
    // GET on a POST route and the other way round: 405 with Allow.
    const wrongMethod = await getJson(`${t.url}/api/platform/webhooks/test`, basic(a));
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "POST"]);
    const postList = await postJson(`${t.url}/api/platform/events`, {}, basic(a));
    expect([postList.status, postList.headers.get("allow")]).toEqual([405, "GET"]);
  });

  it("the receiver's failure is reported, not thrown", async () => {
    receiver.behave(() => ({ status: 500, body: "boom" }));
    try {
      const r = await sendTest(a, { type: "payment.expired" });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ ok: false, status_code: 500, response_excerpt: "boom" });
    } finally {
      receiver.behave(() => ({ status: 200, body: "ok" }));
    }
  });
});
