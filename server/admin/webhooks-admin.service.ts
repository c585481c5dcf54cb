import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import { writeAudit, type Actor } from "./audit.service";
import { resendWebhook, type ResendResult } from "./payment-actions.service";

export interface TroubledEvent {
  id: string;
  project_id: string;
  project_name: string;
  purchase_id: string;
  order_id: string;
  event_type: string;
  status: "pending" | "failed";
  attempt_count: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  webhook_url: string | null;
}

export const troubledListInput = z.object({
  kind: z.enum(["all", "failing", "exhausted"]).default("all"),
  projectId: z.string().max(100).optional(),
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

const TROUBLE = (db: Db) => db`(e.status = 'failed' or (e.status = 'pending' and e.attempt_count > 0))`;

function kindFilter(db: Db, kind: "all" | "failing" | "exhausted") {
  if (kind === "failing") return db`and e.status = 'pending'`;
  if (kind === "exhausted") return db`and e.status = 'failed'`;
  return db``;
}

const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString("base64url");
function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
    if (Array.isArray(v) && typeof v[0] === "string" && typeof v[1] === "string" && !Number.isNaN(Date.parse(v[0]))) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  throw new DomainError("validation_failed", "Invalid cursor", { cursor: "invalid" });
}

/**
 * Webhook deliveries in trouble across projects: failing (pending, already attempted) and
 * exhausted (failed), newest first; the partial index covers exactly these rows.
 */
export async function listTroubledEvents(db: Db, input: z.input<typeof troubledListInput>): Promise<{ items: TroubledEvent[]; nextCursor: string | null; counts: { failing: number; exhausted: number } }> {
  const i = troubledListInput.parse(input);
  const after = i.cursor ? decodeCursor(i.cursor) : null;
  const rows = await db<(Omit<TroubledEvent, "created_at" | "next_attempt_at"> & { created_at: Date; next_attempt_at: Date | null; ts: string })[]>`
    select e.id, e.project_id, pr.name as project_name, e.purchase_id, pu.order_id, e.event_type, e.status, e.attempt_count,
           e.next_attempt_at, e.last_error, e.created_at, pr.webhook_url,
           to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts
    from webhook_events e join projects pr on pr.id = e.project_id join purchases pu on pu.id = e.purchase_id
    where ${TROUBLE(db)} ${kindFilter(db, i.kind)}
      ${i.projectId ? db`and e.project_id = ${i.projectId}` : db``}
      ${after ? db`and (e.created_at, e.id) < (${after[0]}::text::timestamptz, ${after[1]})` : db``}
    order by e.created_at desc, e.id desc
    limit ${i.limit + 1}`;
  const [counts] = await db<{ failing: number; exhausted: number }[]>`
    select count(*) filter (where e.status = 'pending')::int as failing, count(*) filter (where e.status = 'failed')::int as exhausted
    from webhook_events e where ${TROUBLE(db)} ${i.projectId ? db`and e.project_id = ${i.projectId}` : db``}`;
  const page = rows.slice(0, i.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ ts: _ts, ...r }) => ({ ...r, created_at: r.created_at.toISOString(), next_attempt_at: r.next_attempt_at?.toISOString() ?? null })),
    nextCursor: rows.length > i.limit && last ? encodeCursor(last.ts, last.id) : null,
    counts,
  };
}

export const retryBatchInput = z.object({
  kind: z.enum(["all", "failing", "exhausted"]).default("all"),
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
export async function retryTroubledBatch(ctx: PlatformContext, actor: Actor, input: z.input<typeof retryBatchInput>): Promise<RetryBatch> {
  const i = retryBatchInput.parse(input);
  const db = ctx.sql;
  const after = i.cursor ? decodeCursor(i.cursor) : null;
  const rows = await db<{ id: string; order_id: string; ts: string }[]>`
    select e.id, pu.order_id, to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ts
    from webhook_events e join purchases pu on pu.id = e.purchase_id
    where ${TROUBLE(db)} ${kindFilter(db, i.kind)} and e.created_at <= ${new Date(i.before)}
      ${after ? db`and (e.created_at, e.id) > (${after[0]}::text::timestamptz, ${after[1]})` : db``}
    order by e.created_at, e.id
    limit ${i.batchSize}`;
  const results: RetryBatch["results"] = [];
  for (const r of rows) {
    try {
      const res: ResendResult = await resendWebhook(ctx, actor, { eventId: r.id });
      results.push({ eventId: r.id, orderId: r.order_id, delivered: res.delivered, status: res.attempt.response_status, error: res.attempt.error });
    } catch (err) {
      results.push({ eventId: r.id, orderId: r.order_id, delivered: false, status: null, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const last = rows[rows.length - 1];
  const done = rows.length < i.batchSize;
  if (results.length) {
    await writeAudit(db, actor, {
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
