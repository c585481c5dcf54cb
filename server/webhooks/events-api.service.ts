import { z } from "zod";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { toIsoSeconds } from "../lib/time";
import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import { getWebhookEndpoint } from "./endpoints";
import { serializeWebhookPayload } from "./events";
import * as q from "./events-api.queries";
import { sendWebhook } from "./send";
import { insertWebhookTestSend } from "./test-sends.queries";
import { resendWebhookEvent, TEST_WEBHOOK_TIMEOUT_MS } from "./webhooks.service";

/**
 * The merchant's events API (docs/api.md, "Events API"): a credential reads and resends the
 * events of its OWN project and environment, and sends signed test events to its sandbox endpoint.
 * The event types and their sample payloads belong to payments/ (which writes events through this
 * folder): the transport validates the type and hands the sample in, so webhooks/ never imports
 * payments/ (no folder cycles, docs/decisions/0005-layers-and-dependency-rules.md).
 */

/** Who is asking: an authenticated API credential's project and environment. */
export interface EventsCaller {
  project_id: string;
  environment: Environment;
}

export const EVENTS_PAGE_DEFAULT = 50;
export const EVENTS_PAGE_MAX = 100;

/** A validated list request (the transport parses the query string: server/rest/events.routes.ts). */
export interface ListEventsInput {
  type?: string;
  order_id?: string;
  cursor?: string;
  limit: number;
}

/** A test event to send: its type and the sample payload of that type. */
export interface TestEventInput {
  type: string;
  sample: Record<string, unknown>;
}

// The answers are zod schemas: the OpenAPI document (server/rest/openapi.ts) is built from them.
const isoSeconds = z.iso.datetime();

/** An event as the API answers it. `payload` is the body sent (and signed), key order included. */
export const merchantEvent = z.object({
  id: z.string(),
  type: z.string(),
  created_at: isoSeconds,
  payload: z.record(z.string(), z.unknown()).meta({ description: "Exactly the JSON body sent (and signed) for the event" }),
  /** `pending`, `delivered`, `failed`, `no_endpoint` (docs/api.md#event-delivery-states); a later state passes through by name. */
  status: z.string().meta({ description: "pending, delivered, failed or no_endpoint", examples: ["pending", "delivered", "failed", "no_endpoint"] }),
  attempts: z.number().int(),
  last_response_status: z.number().int().nullable(),
  last_attempt_at: isoSeconds.nullable(),
  next_attempt_at: isoSeconds.nullable(),
  delivered_at: isoSeconds.nullable(),
  last_error: z.string().nullable(),
});
export type MerchantEvent = z.infer<typeof merchantEvent>;

/** One page of events, newest first; `next_cursor` is null on the last page. */
export const merchantEventPage = z.object({ data: z.array(merchantEvent), next_cursor: z.string().nullable() });
export type MerchantEventPage = z.infer<typeof merchantEventPage>;

const iso = (d: Date | null) => (d ? toIsoSeconds(d) : null);

function toMerchantEvent(r: q.MerchantEventRow): MerchantEvent {
  return {
    id: r.id,
    type: r.event_type,
    created_at: toIsoSeconds(r.created_at),
    payload: JSON.parse(serializeWebhookPayload(r.payload)),
    status: r.status,
    attempts: r.attempts,
    last_response_status: r.last_response_status,
    last_attempt_at: iso(r.last_attempt_at),
    next_attempt_at: r.status === "pending" ? iso(r.next_attempt_at) : null,
    delivered_at: iso(r.delivered_at),
    last_error: r.last_error,
  };
}

/** One page, newest first; `next_cursor` is null on the last page. */
export async function listEvents(ctx: PlatformContext, caller: EventsCaller, input: ListEventsInput): Promise<MerchantEventPage> {
  const after = input.cursor ? decodeCursor(input.cursor) : undefined;
  // One row more than asked tells whether a next page exists without a second query.
  const rows = await q.listMerchantEvents(ctx.sql, {
    projectId: caller.project_id,
    environment: caller.environment,
    type: input.type,
    orderId: input.order_id,
    after,
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return { data: page.map(toMerchantEvent), next_cursor: rows.length > input.limit && last ? encodeCursor(last.cursor_ts, last.id) : null };
}

export const resendOutcome = z.object({
  id: z.string(),
  type: z.string(),
  /** The receiver answered 2xx. */
  ok: z.boolean().meta({ description: "The receiver answered 2xx" }),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  attempt_number: z.number().int(),
  /** The event's delivery state afterwards. */
  delivery_status: z.string().meta({ description: "The event's delivery state afterwards" }),
});
export type ResendOutcome = z.infer<typeof resendOutcome>;

/**
 * Sends one of the caller's events again, now, with the same `webhook-id`, through the one send
 * path (signing, destination rule), logged as a manual attempt. Another project's or
 * environment's event is `not_found`, exactly like an id that does not exist.
 */
export async function resendEvent(ctx: PlatformContext, caller: EventsCaller, eventId: string): Promise<ResendOutcome> {
  const ev = await q.findMerchantEvent(ctx.sql, { eventId, projectId: caller.project_id, environment: caller.environment });
  if (!ev) throw new DomainError("not_found", "No such event");
  if (!ev.webhook_url) throw new DomainError("webhook_endpoint_missing", `Set the project's ${caller.environment} webhook URL first (admin console)`);
  const { attempt, event } = await resendWebhookEvent(ctx, ev.id);
  const ok = attempt.error === null && attempt.response_status !== null && attempt.response_status >= 200 && attempt.response_status < 300;
  return {
    id: ev.id,
    type: ev.event_type,
    ok,
    status_code: attempt.response_status,
    error: attempt.error,
    duration_ms: attempt.duration_ms,
    attempt_number: attempt.attempt_number,
    delivery_status: event.status,
  };
}

export const testEventOutcome = z.object({
  /** The `webhook-id` sent: `msg_test_…`, never an event's. */
  id: z.string().meta({ description: "The webhook-id sent: msg_test_…, never an event's" }),
  type: z.string(),
  ok: z.boolean(),
  status_code: z.number().int().nullable(),
  /** The first 500 bytes of the receiver's answer. */
  response_excerpt: z.string().nullable().meta({ description: "The first 500 bytes of the receiver's answer" }),
  error: z.string().nullable(),
  duration_ms: z.number().int(),
});
export type TestEventOutcome = z.infer<typeof testEventOutcome>;

const EXCERPT_BYTES = 500;
const firstBytes = (s: string, n: number) => Buffer.from(s, "utf8").subarray(0, n).toString("utf8");

/**
 * A signed sample of any event type, sent now to the project's SANDBOX endpoint only (sandbox
 * credentials only: a production credential is `forbidden`), marked `"test": true`, with a fresh
 * `msg_test_` id. Not stored in the outbox, no retries, 10 s timeout; the send is kept as a test
 * send for the console's Webhooks page.
 */
export async function sendTestEvent(ctx: PlatformContext, caller: EventsCaller, input: TestEventInput): Promise<TestEventOutcome> {
  if (caller.environment !== "sandbox") {
    throw new DomainError("forbidden", "Test events are sent with a sandbox credential only, to the sandbox endpoint; production endpoints receive only real events");
  }
  const endpoint = await getWebhookEndpoint(ctx.sql, caller.project_id, "sandbox");
  if (!endpoint.url) throw new DomainError("webhook_endpoint_missing", "Set the project's sandbox webhook URL first (admin console)");
  const id = newId("msg_test");
  const body = serializeWebhookPayload({ ...input.sample, environment: "sandbox", test: true });
  const sentAt = ctx.now();
  const r = await sendWebhook(ctx, { id, body, url: endpoint.url, secrets: endpoint, environment: "sandbox" }, { timeoutMs: TEST_WEBHOOK_TIMEOUT_MS });
  const responseExcerpt = r.responseBody === null ? null : firstBytes(r.responseBody, EXCERPT_BYTES);
  // Kept for the console's Webhooks page, marked as a test (db/migrations/0021_webhook_events_list.sql).
  await insertWebhookTestSend(ctx.sql, {
    id,
    project_id: caller.project_id,
    environment: "sandbox",
    event_type: input.type,
    source: "api",
    url: endpoint.url,
    response_status: r.status,
    response_body: responseExcerpt,
    error: r.error,
    duration_ms: r.durationMs,
    created_at: sentAt,
  });
  ctx.logger.info({ project_id: caller.project_id, type: input.type, status: r.status, error: r.error }, "merchant test event sent");
  return {
    id,
    type: input.type,
    ok: r.ok,
    status_code: r.status,
    response_excerpt: responseExcerpt,
    error: r.error,
    duration_ms: r.durationMs,
  };
}
