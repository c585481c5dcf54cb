import { z } from "zod";
import type { Db } from "../db/connect";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import type { WithIsoDates } from "../lib/dto";
import { DomainError } from "../lib/errors";
import type { Environment } from "../midtrans/gateway";
import { merchantEventTypes } from "../payments/purchase-events";
import type { PlatformContext } from "../platform/context";
import { listDisabledEndpoints } from "../webhooks/endpoints";
import { findWebhookTestSend } from "../webhooks/test-sends.queries";
import * as troubled from "../webhooks/troubled.queries";
import * as list from "../webhooks/webhook-events-list.queries";
import { webhookRowStates, type WebhookListRow, type WebhookStateCounts } from "../webhooks/webhook-events-list.queries";
import type { WebhookAttemptRow, WebhookEventStatus } from "../webhooks/webhooks.queries";
import { listWebhookAttempts, resendWebhookEvent } from "../webhooks/webhooks.service";
import { writeAudit, type Actor } from "./audit.service";

/** What the Webhooks page's state filter accepts: every state, or one (docs/api.md#console-webhooks). */
export const webhookListStates = ["all", ...webhookRowStates] as const;
export type WebhookListState = (typeof webhookListStates)[number];
/** The event types a webhook may have: the merchant events, and the console's test message. */
export const webhookEventTypes = [...merchantEventTypes, "webhook.test"] as const;

/** Optional text; empty is unset, too long is refused in words naming the field. */
const optionalText = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .max(max, `${field} must be at most ${max} characters`)
    .transform((v) => (v ? v : undefined))
    .optional();

/** The Webhooks page's filters (also its URL's query string); each refusal names its field. */
export const webhookListFiltersSchema = z.object({
  state: z.enum(webhookListStates, { error: `state must be one of ${webhookListStates.join(", ")}` }).default("all"),
  eventType: z.enum(webhookEventTypes, { error: `eventType must be one of ${webhookEventTypes.join(", ")}` }).optional(),
  projectId: optionalText("projectId", 100),
  environment: z.enum(["sandbox", "production"], { error: "environment must be sandbox or production" }).optional(),
  /** An event id, or a payment's order id (or purchase id): exact. */
  q: optionalText("q", 200),
});
export type WebhookListFiltersInput = z.output<typeof webhookListFiltersSchema>;

export const webhookListInput = webhookListFiltersSchema.extend({
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** A row of the Webhooks page (without its cursor text). */
export type WebhookListItem = WithIsoDates<Omit<WebhookListRow, "ts">>;

export interface WebhookList {
  items: WebhookListItem[];
  nextCursor: string | null;
  /** Per state (and `all`, their sum), under the same filters but the state: the tabs' counts. */
  counts: WebhookStateCounts & { all: number };
  /** A state's count stops here: this many means "this many or more". */
  countLimit: number;
}

/**
 * Every webhook, newest first: outbox events in every state and test webhooks, filtered by
 * state, event type, project, environment and an event or order id; keyset pages
 * (server/lib/cursor.ts), and the count of each state under the other filters.
 */
export async function listWebhookEvents(db: Db, i: z.output<typeof webhookListInput>): Promise<WebhookList> {
  const before = i.cursor ? decodeCursor(i.cursor) : null;
  const filters = { eventType: i.eventType, projectId: i.projectId, environment: i.environment, q: i.q };
  const [rows, counts] = await Promise.all([
    list.listWebhookEvents(db, { ...filters, state: i.state === "all" ? null : i.state, before, limit: i.limit + 1 }),
    list.countWebhookEventStates(db, filters),
  ]);
  const page = rows.slice(0, i.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ ts: _ts, ...r }) => ({
      ...r,
      created_at: r.created_at.toISOString(),
      last_attempt_at: r.last_attempt_at?.toISOString() ?? null,
      next_attempt_at: r.next_attempt_at?.toISOString() ?? null,
    })),
    nextCursor: rows.length > i.limit && last ? encodeCursor(last.ts, last.id) : null,
    counts: { ...counts, all: Object.values(counts).reduce((a, b) => a + b, 0) },
    countLimit: list.STATE_COUNT_LIMIT,
  };
}

/** One delivery attempt as the console shows it: a test webhook's one send is an attempt with trigger `test`. */
export interface WebhookAttemptView {
  attempt_number: number;
  trigger: WebhookAttemptRow["trigger"] | "test";
  url: string;
  response_status: number | null;
  /** The first 500 characters of the receiver's answer (cleared after the retention period). */
  response_body: string | null;
  error: string | null;
  duration_ms: number | null;
  started_at: string;
}

/** A webhook's page: what it is, where it stands, and every attempt, oldest first. */
export interface WebhookEventDetail
  extends Pick<WebhookListRow, "id" | "kind" | "event_type" | "project_id" | "project_name" | "environment" | "purchase_id" | "order_id" | "state"> {
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  /** The URL of its environment's endpoint now (a resend goes there); a test webhook: where it went. */
  webhook_url: string | null;
  /** The stored payload (a test webhook's is not kept). */
  payload: Record<string, unknown> | null;
  /** A test webhook's origin: the console's button or the merchant API. */
  test_source: "console" | "api" | null;
  attempts: WebhookAttemptView[];
}

/** A stored attempt as the console shows it (the payment page and the webhook pages share this). */
export const toWebhookAttemptView = (a: WebhookAttemptRow): WebhookAttemptView & { trigger: WebhookAttemptRow["trigger"] } => ({
  attempt_number: a.attempt_number,
  trigger: a.trigger,
  url: a.url,
  response_status: a.response_status,
  response_body: a.response_body?.slice(0, 500) ?? null,
  error: a.error,
  duration_ms: a.duration_ms,
  started_at: new Date(a.started_at).toISOString(),
});

/** An outbox event or a test webhook by id, with every attempt; `not_found` otherwise. */
export async function getWebhookEventDetail(db: Db, id: string): Promise<WebhookEventDetail> {
  const e = await list.findWebhookEventDetail(db, id);
  if (e) {
    const attempts = await listWebhookAttempts(db, id);
    return {
      id: e.id,
      kind: "event",
      event_type: e.event_type,
      project_id: e.project_id,
      project_name: e.project_name,
      environment: e.environment,
      purchase_id: e.purchase_id,
      order_id: e.order_id,
      state: e.state,
      created_at: e.created_at.toISOString(),
      delivered_at: e.delivered_at?.toISOString() ?? null,
      next_attempt_at: e.next_attempt_at?.toISOString() ?? null,
      last_error: e.last_error,
      webhook_url: e.webhook_url,
      payload: e.payload,
      test_source: null,
      attempts: attempts.map(toWebhookAttemptView),
    };
  }
  const t = await findWebhookTestSend(db, id);
  if (!t) throw new DomainError("not_found", "No such webhook");
  return {
    id: t.id,
    kind: "test",
    event_type: t.event_type,
    project_id: t.project_id,
    project_name: t.project_name,
    environment: t.environment,
    purchase_id: null,
    order_id: null,
    state: "test",
    created_at: t.created_at.toISOString(),
    delivered_at: t.response_status !== null && t.response_status >= 200 && t.response_status < 300 ? t.created_at.toISOString() : null,
    next_attempt_at: null,
    last_error: t.error,
    webhook_url: t.url,
    payload: null,
    test_source: t.source,
    attempts: [
      {
        attempt_number: 1,
        trigger: "test",
        url: t.url,
        response_status: t.response_status,
        response_body: t.response_body,
        error: t.error,
        duration_ms: t.duration_ms,
        started_at: t.created_at.toISOString(),
      },
    ],
  };
}

export interface ResendResult {
  eventId: string;
  eventType: string;
  delivered: boolean;
  eventStatus: WebhookEventStatus;
  attempt: ReturnType<typeof toWebhookAttemptView>;
}

/** "Resend webhook": sends the event now through the webhooks service, and shows the merchant's answer. Audited. */
export async function resendEventAsAdmin(ctx: PlatformContext, actor: Actor, eventId: string): Promise<ResendResult> {
  const { attempt, event } = await resendWebhookEvent(ctx, eventId);
  const result: ResendResult = {
    eventId,
    eventType: event.event_type,
    delivered: attempt.response_status !== null && attempt.response_status >= 200 && attempt.response_status < 300,
    eventStatus: event.status,
    attempt: toWebhookAttemptView(attempt),
  };
  await writeAudit(ctx.sql, actor, {
    action: "webhook.resend",
    targetType: "purchase",
    targetId: event.purchase_id,
    details: { event_id: eventId, event_type: event.event_type, delivered: result.delivered, response_status: attempt.response_status, error: attempt.error },
  });
  return result;
}

export const retryBatchInput = z.object({
  /** Failing, exhausted, or both (`all`). */
  kind: z.enum(["all", "failing", "exhausted"], { error: "kind must be all, failing or exhausted" }).default("all"),
  /** The Webhooks page's other filters: only the troubled events it shows are retried. */
  eventType: webhookListFiltersSchema.shape.eventType,
  projectId: webhookListFiltersSchema.shape.projectId,
  environment: webhookListFiltersSchema.shape.environment,
  /** Events created at or before this instant (fixed when "retry all" starts, so the loop ends). */
  before: z.iso.datetime(),
  cursor: z.string().max(300).nullish(),
  batchSize: z.number().int().min(1).max(25).default(5),
});

export interface RetryBatch {
  tried: number;
  delivered: number;
  failed: number;
  results: { eventId: string; orderId: string; delivered: boolean; status: number | null; error: string | null }[];
  nextCursor: string | null;
  done: boolean;
}

/**
 * "Retry all", one batch: resends (by hand, through the webhooks service) the next troubled
 * events, oldest first. The console calls it again with nextCursor until done, showing progress.
 */
export async function retryTroubledBatch(ctx: PlatformContext, actor: Actor, i: z.output<typeof retryBatchInput>): Promise<RetryBatch> {
  const after = i.cursor ? decodeCursor(i.cursor) : null;
  const rows = await troubled.nextTroubledBatch(ctx.sql, {
    kind: i.kind,
    eventType: i.eventType,
    projectId: i.projectId,
    environment: i.environment,
    createdUpTo: new Date(i.before),
    after,
    limit: i.batchSize,
  });
  const results: RetryBatch["results"] = [];
  for (const r of rows) {
    try {
      const res = await resendEventAsAdmin(ctx, actor, r.id);
      results.push({ eventId: r.id, orderId: r.order_id, delivered: res.delivered, status: res.attempt.response_status, error: res.attempt.error });
    } catch (err) {
      results.push({ eventId: r.id, orderId: r.order_id, delivered: false, status: null, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const last = rows[rows.length - 1];
  const done = rows.length < i.batchSize;
  if (results.length) {
    await writeAudit(ctx.sql, actor, {
      action: "webhooks.retry_batch",
      details: {
        kind: i.kind,
        event_type: i.eventType ?? null,
        project_id: i.projectId ?? null,
        environment: i.environment ?? null,
        tried: results.length,
        delivered: results.filter((r) => r.delivered).length,
      },
    });
  }
  return {
    tried: results.length,
    delivered: results.filter((r) => r.delivered).length,
    failed: results.filter((r) => !r.delivered).length,
    results,
    nextCursor: done || !last ? null : encodeCursor(last.ts, last.id),
    done,
  };
}

export interface DisabledEndpointView {
  project_id: string;
  project_name: string;
  environment: Environment;
  url: string | null;
  failing_since: string | null;
  disabled_at: string;
  held_events: number;
}

/** Every disabled webhook endpoint: the console's alert (docs/api.md, "Disabled endpoints"). */
export async function listDisabledWebhookEndpoints(db: Db): Promise<DisabledEndpointView[]> {
  const rows = await listDisabledEndpoints(db);
  return rows.map((r) => ({ ...r, failing_since: r.failing_since?.toISOString() ?? null, disabled_at: r.disabled_at.toISOString() }));
}
