import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import type { Environment } from "../midtrans/gateway";

/**
 * Deliveries in trouble: failing (pending, already attempted) and exhausted (failed), which the
 * Webhooks page's "Retry all" sends again. The partial index on webhook_events covers exactly
 * these rows (db/migrations/0003_admin.sql).
 */
export type TroubleKind = "all" | "failing" | "exhausted";

const trouble = (db: Db) => db`(e.status = 'failed' or (e.status = 'pending' and e.attempt_count > 0))`;

function kindFilter(db: Db, kind: TroubleKind) {
  if (kind === "failing") return db`and e.status = 'pending'`;
  if (kind === "exhausted") return db`and e.status = 'failed'`;
  return db``;
}

/**
 * The next troubled events to retry, oldest first, among those created at or before `createdUpTo`
 * (fixed when a "retry all" starts, so it ends); `after` is the last row of the previous batch.
 */
export async function nextTroubledBatch(
  db: Db,
  f: {
    kind: TroubleKind;
    eventType?: string;
    projectId?: string;
    environment?: Environment;
    createdUpTo: Date;
    after: [ts: string, id: string] | null;
    limit: number;
  },
): Promise<{ id: string; order_id: string; ts: string }[]> {
  return db<{ id: string; order_id: string; ts: string }[]>`
    select e.id, pu.order_id, ${utcIsoText(db, "e.created_at")} as ts
    from webhook_events e join purchases pu on pu.id = e.purchase_id
    where ${trouble(db)} ${kindFilter(db, f.kind)} and e.created_at <= ${f.createdUpTo}
      ${f.eventType ? db`and e.event_type = ${f.eventType}` : db``}
      ${f.projectId ? db`and e.project_id = ${f.projectId}` : db``}
      ${f.environment ? db`and e.environment = ${f.environment}` : db``}
      ${f.after ? db`and (e.created_at, e.id) > (${f.after[0]}::text::timestamptz, ${f.after[1]})` : db``}
    order by e.created_at, e.id
    limit ${f.limit}`;
}

export interface TroubledEndpointRow {
  project_id: string;
  project_name: string;
  environment: Environment;
  url: string | null;
  /** Start of the current run of failed attempts (null after a delivery). */
  failing_since: Date | null;
  /** Set after 5 days of failures: nothing is sent until an operator re-enables it. */
  disabled_at: Date | null;
}

/** Endpoints failing (a failed attempt since the last delivery) or disabled, in an environment and project (null: all); disabled first. */
export async function listTroubledEndpoints(db: Db, scope: { environment: Environment | null; projectId: string | null }): Promise<TroubledEndpointRow[]> {
  return db<TroubledEndpointRow[]>`
    select we.project_id, p.name as project_name, we.environment, we.url, we.failing_since, we.disabled_at
      from webhook_endpoints we join projects p on p.id = we.project_id
     where (we.failing_since is not null or we.disabled_at is not null)
       ${scope.environment ? db`and we.environment = ${scope.environment}` : db``}
       ${scope.projectId ? db`and we.project_id = ${scope.projectId}` : db``}
     order by we.disabled_at desc nulls last, we.failing_since, we.project_id, we.environment
     limit 200`;
}
