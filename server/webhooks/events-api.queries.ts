import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import type { Environment } from "../midtrans/gateway";
import type { WebhookEventStatus } from "./webhooks.queries";

/** One outbox event as the merchant's events API shows it (docs/api.md, "Events API"). */
export interface MerchantEventRow {
  id: string;
  event_type: string;
  payload: Record<string, unknown>;
  /** The row's status; WebhookEventStatus today, any later state passes through as text. */
  status: WebhookEventStatus | (string & {});
  created_at: Date;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  last_error: string | null;
  /** Every attempt, scheduled or by hand. */
  attempts: number;
  last_response_status: number | null;
  last_attempt_at: Date | null;
  /** created_at as the database's UTC text, microseconds kept: the keyset cursor. */
  cursor_ts: string;
}

export interface MerchantEventFilter {
  projectId: string;
  environment: Environment;
  type?: string;
  /** The merchant's order id (the purchase's), not Midtrans's derived one. */
  orderId?: string;
  /** Strictly older than this (created_at, id) pair: the previous page's last row. */
  after?: [string, string];
  limit: number;
}

/**
 * One page of a project's events in one environment, newest first: keyset on (created_at, id),
 * walking webhook_events_project_idx. The project and environment are always part of the
 * condition: a credential never sees another project's or environment's events.
 */
export async function listMerchantEvents(db: Db, f: MerchantEventFilter): Promise<MerchantEventRow[]> {
  const conditions = [db`e.project_id = ${f.projectId}`, db`e.environment = ${f.environment}`];
  if (f.type !== undefined) conditions.push(db`e.event_type = ${f.type}`);
  if (f.orderId !== undefined) conditions.push(db`pu.order_id = ${f.orderId}`);
  if (f.after) conditions.push(db`(e.created_at, e.id) < (${f.after[0]}::text::timestamptz, ${f.after[1]})`);
  const where = conditions.reduce((acc, c) => db`${acc} and ${c}`);
  return db<MerchantEventRow[]>`
    select e.id, e.event_type, e.payload, e.status, e.created_at, e.next_attempt_at, e.delivered_at, e.last_error,
           coalesce(a.attempts, 0)::int as attempts, la.response_status as last_response_status, la.started_at as last_attempt_at,
           ${utcIsoText(db, "e.created_at")} as cursor_ts
      from webhook_events e
      join purchases pu on pu.id = e.purchase_id
      left join lateral (select count(*) as attempts from webhook_attempts wa where wa.event_id = e.id) a on true
      left join lateral (select wa.response_status, wa.started_at from webhook_attempts wa
                          where wa.event_id = e.id order by wa.id desc limit 1) la on true
     where ${where}
     order by e.created_at desc, e.id desc
     limit ${f.limit}`;
}

/** One event of the project and environment (null for any other's: the caller answers 404), with its endpoint's URL. */
export async function findMerchantEvent(
  db: Db,
  k: { eventId: string; projectId: string; environment: Environment },
): Promise<{ id: string; event_type: string; webhook_url: string | null } | undefined> {
  const [row] = await db<{ id: string; event_type: string; webhook_url: string | null }[]>`
    select e.id, e.event_type, we.url as webhook_url
      from webhook_events e
      left join webhook_endpoints we on we.project_id = e.project_id and we.environment = e.environment
     where e.id = ${k.eventId} and e.project_id = ${k.projectId} and e.environment = ${k.environment}`;
  return row;
}
