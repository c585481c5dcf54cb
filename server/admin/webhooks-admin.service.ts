import { z } from "zod";
import type { Db } from "../db/connect";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import type { WithIsoDates } from "../lib/dto";
import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import { listDisabledEndpoints } from "../webhooks/endpoints";
import * as troubled from "../webhooks/troubled.queries";
import type { WebhookAttemptRow, WebhookEventStatus } from "../webhooks/webhooks.queries";
import { resendWebhookEvent } from "../webhooks/webhooks.service";
import { writeAudit, type Actor } from "./audit.service";

/** A delivery in trouble as the console shows it (the row without its cursor text). */
export type TroubledEvent = WithIsoDates<Omit<troubled.TroubledEventRow, "ts">>;

const troubleKind = z.enum(["all", "failing", "exhausted"]).default("all");

export const troubledListInput = z.object({
  kind: troubleKind,
  projectId: z.string().max(100).optional(),
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

/**
 * Webhook deliveries in trouble across projects: failing (pending, already attempted) and
 * exhausted (failed), newest first.
 */
export async function listTroubledEvents(
  db: Db,
  i: z.output<typeof troubledListInput>,
): Promise<{ items: TroubledEvent[]; nextCursor: string | null; counts: { failing: number; exhausted: number } }> {
  const before = i.cursor ? decodeCursor(i.cursor) : null;
  const rows = await troubled.listTroubledEvents(db, { kind: i.kind, projectId: i.projectId, before, limit: i.limit + 1 });
  const counts = await troubled.countTroubledEvents(db, i.projectId);
  const page = rows.slice(0, i.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ ts: _ts, ...r }) => ({ ...r, created_at: r.created_at.toISOString(), next_attempt_at: r.next_attempt_at?.toISOString() ?? null })),
    nextCursor: rows.length > i.limit && last ? encodeCursor(last.ts, last.id) : null,
    counts,
  };
}

export interface ResendResult {
  eventId: string;
  eventType: string;
  delivered: boolean;
  eventStatus: WebhookEventStatus;
  attempt: {
    attempt_number: number;
    trigger: WebhookAttemptRow["trigger"];
    url: string;
    response_status: number | null;
    response_body: string | null;
    error: string | null;
    duration_ms: number | null;
    started_at: string;
  };
}

/** "Resend webhook": sends the event now through the webhooks service, and shows the merchant's answer. Audited. */
export async function resendEventAsAdmin(ctx: PlatformContext, actor: Actor, eventId: string): Promise<ResendResult> {
  const { attempt, event } = await resendWebhookEvent(ctx, eventId);
  const result: ResendResult = {
    eventId,
    eventType: event.event_type,
    delivered: attempt.response_status !== null && attempt.response_status >= 200 && attempt.response_status < 300,
    eventStatus: event.status,
    attempt: {
      attempt_number: attempt.attempt_number,
      trigger: attempt.trigger,
      url: attempt.url,
      response_status: attempt.response_status,
      response_body: attempt.response_body?.slice(0, 500) ?? null,
      error: attempt.error,
      duration_ms: attempt.duration_ms,
      started_at: new Date(attempt.started_at).toISOString(),
    },
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
  kind: troubleKind,
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
  const rows = await troubled.nextTroubledBatch(ctx.sql, { kind: i.kind, createdUpTo: new Date(i.before), after, limit: i.batchSize });
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
      details: { kind: i.kind, tried: results.length, delivered: results.filter((r) => r.delivered).length },
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
