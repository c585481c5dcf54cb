import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import type { Environment } from "../midtrans/gateway";

/**
 * Deliveries in trouble: failing (pending, already attempted) and exhausted (failed). The
 * partial index on webhook_events covers exactly these rows.
 */
export type TroubleKind = "all" | "failing" | "exhausted";

const trouble = (db: Db) => db`(e.status = 'failed' or (e.status = 'pending' and e.attempt_count > 0))`;

function kindFilter(db: Db, kind: TroubleKind) {
  if (kind === "failing") return db`and e.status = 'pending'`;
  if (kind === "exhausted") return db`and e.status = 'failed'`;
  return db``;
}

export interface TroubledEventRow {
  id: string;
  project_id: string;
  project_name: string;
  purchase_id: string;
  order_id: string;
  environment: Environment;
  event_type: string;
  status: "pending" | "failed";
  attempt_count: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
  /** The URL of the endpoint of the event's environment. */
  webhook_url: string | null;
  /** created_at as the database's full-precision text: the keyset cursor's timestamp. */
  ts: string;
}

/** Newest first, keyset on (created_at, id): `before` is the last row of the previous page. */
export async function listTroubledEvents(
  db: Db,
  f: { kind: TroubleKind; projectId?: string; before: [ts: string, id: string] | null; limit: number },
): Promise<TroubledEventRow[]> {
  return db<TroubledEventRow[]>`
    select e.id, e.project_id, pr.name as project_name, e.purchase_id, pu.order_id, e.environment, e.event_type, e.status, e.attempt_count,
           e.next_attempt_at, e.last_error, e.created_at, we.url as webhook_url, ${utcIsoText(db, "e.created_at")} as ts
    from webhook_events e join projects pr on pr.id = e.project_id join purchases pu on pu.id = e.purchase_id
    left join webhook_endpoints we on we.project_id = e.project_id and we.environment = e.environment
    where ${trouble(db)} ${kindFilter(db, f.kind)}
      ${f.projectId ? db`and e.project_id = ${f.projectId}` : db``}
      ${f.before ? db`and (e.created_at, e.id) < (${f.before[0]}::text::timestamptz, ${f.before[1]})` : db``}
    order by e.created_at desc, e.id desc
    limit ${f.limit}`;
}

export async function countTroubledEvents(db: Db, projectId?: string): Promise<{ failing: number; exhausted: number }> {
  const [counts] = await db<{ failing: number; exhausted: number }[]>`
    select count(*) filter (where e.status = 'pending')::int as failing, count(*) filter (where e.status = 'failed')::int as exhausted
    from webhook_events e where ${trouble(db)} ${projectId ? db`and e.project_id = ${projectId}` : db``}`;
  return counts;
}

/**
 * The next troubled events to retry, oldest first, among those created at or before `createdUpTo`
 * (fixed when a "retry all" starts, so it ends); `after` is the last row of the previous batch.
 */
export async function nextTroubledBatch(
  db: Db,
  f: { kind: TroubleKind; createdUpTo: Date; after: [ts: string, id: string] | null; limit: number },
): Promise<{ id: string; order_id: string; ts: string }[]> {
  return db<{ id: string; order_id: string; ts: string }[]>`
    select e.id, pu.order_id, ${utcIsoText(db, "e.created_at")} as ts
    from webhook_events e join purchases pu on pu.id = e.purchase_id
    where ${trouble(db)} ${kindFilter(db, f.kind)} and e.created_at <= ${f.createdUpTo}
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
