import type { Db } from "../db/connect";
import type { Environment } from "../midtrans/gateway";
import type { PurchaseStatus } from "./lifecycle";
import { attentionCondition } from "./payment-list.queries";
import type { AttentionFilter } from "./payment-list.schema";

/** Which payments the dashboard counts: one environment (or both) and one project (or all). */
export interface DashboardScope {
  environment: Environment | null;
  projectId: string | null;
}

const scoped = (db: Db, s: DashboardScope, alias: "p" | "purchases" = "purchases") => db`
  ${s.environment ? db`and ${db(alias)}.environment = ${s.environment}` : db``}
  ${s.projectId ? db`and ${db(alias)}.project_id = ${s.projectId}` : db``}`;

export interface StatusTotals {
  status: PurchaseStatus;
  /** Settled at some point (paid_at set), refunded or not. */
  paid: boolean;
  /** Per `since` instant (same order): payments created since then, their IDR sum and the IDR refunded of them. */
  periods: { count: number; amount: number; refunded: number }[];
}

/**
 * Payments per stored status (and paid or not) created since each of `since` and up to `until`,
 * in one scan of the payments created since the oldest.
 */
export async function purchaseTotalsSince(db: Db, since: readonly Date[], until: Date, scope: DashboardScope): Promise<StatusTotals[]> {
  if (since.length === 0) return [];
  const oldest = new Date(Math.min(...since.map((d) => d.getTime())));
  const columns = since.map(
    (from, i) => db`
      count(*) filter (where created_at >= ${from})::int as ${db(`n${i}`)},
      coalesce(sum(amount) filter (where created_at >= ${from}), 0)::bigint as ${db(`a${i}`)},
      coalesce(sum(refunded_amount) filter (where created_at >= ${from}), 0)::bigint as ${db(`r${i}`)}`,
  );
  const list = columns.reduce((acc, c) => db`${acc}, ${c}`);
  const rows = await db<({ status: PurchaseStatus; paid: boolean } & Record<string, number>)[]>`
    select status, paid_at is not null as paid, ${list}
    from purchases
    where created_at >= ${oldest} and created_at <= ${until} ${scoped(db, scope)}
    group by status, paid_at is not null`;
  return rows.map((r) => ({
    status: r.status,
    paid: r.paid,
    periods: since.map((_, i) => ({ count: Number(r[`n${i}`]), amount: Number(r[`a${i}`]), refunded: Number(r[`r${i}`]) })),
  }));
}

/** Settled IDR per Jakarta day (by paid_at, UTC+7) from `from` to `until`; days without payments are absent. */
export async function settledPerJakartaDay(db: Db, from: Date, until: Date, scope: DashboardScope): Promise<{ day: string; amount: number; count: number }[]> {
  const rows = await db<{ day: string; amount: number; n: number }[]>`
    select to_char((paid_at at time zone 'UTC') + interval '7 hours', 'YYYY-MM-DD') as day,
           sum(amount)::bigint as amount, count(*)::int as n
    from purchases
    where paid_at is not null and paid_at >= ${from} and paid_at <= ${until} ${scoped(db, scope)}
    group by 1`;
  return rows.map((r) => ({ day: r.day, amount: Number(r.amount), count: r.n }));
}

/**
 * How many payments each attention item stands for, as of `now`, with the very condition the
 * payment list's `attention=` filter applies (attentionCondition), so a count and its list agree.
 */
export async function countAttentionPayments(db: Db, kinds: readonly AttentionFilter[], now: Date, scope: DashboardScope): Promise<Record<AttentionFilter, number>> {
  const columns = kinds.map(
    (k) => db`(select count(*) from purchases p where ${attentionCondition(db, k, now)} ${scoped(db, scope, "p")})::int as ${db(k)}`,
  );
  const [row] = await db<Record<AttentionFilter, number>[]>`select ${columns.reduce((acc, c) => db`${acc}, ${c}`)}`;
  return row;
}

export interface RejectedNotificationRow {
  id: number;
  received_at: Date;
  order_id: string | null;
  purchase_id: string | null;
  environment: string | null;
  remote_addr: string | null;
  detail: string | null;
}

/**
 * Notifications rejected (not Midtrans's: bad signature, invalid body) since `since`: how many, and
 * the latest `limit`. One of an unknown payment has no environment: it counts in every environment
 * but in no project. Read through midtrans_notifications_prune_idx (its predicate is repeated).
 */
export async function rejectedNotificationsSince(
  db: Db,
  since: Date,
  scope: DashboardScope,
  limit: number,
): Promise<{ count: number; latest: RejectedNotificationRow[] }> {
  const where = db`
    (n.outcome = 'rejected' or n.purchase_id is null) and n.outcome = 'rejected' and n.received_at >= ${since}
    ${scope.environment ? db`and (n.environment = ${scope.environment} or n.environment is null)` : db``}
    ${scope.projectId ? db`and exists (select 1 from purchases pu where pu.id = n.purchase_id and pu.project_id = ${scope.projectId})` : db``}`;
  const [[counted], latest] = await Promise.all([
    db<{ n: number }[]>`select count(*)::int as n from midtrans_notifications n where ${where}`,
    db<RejectedNotificationRow[]>`
      select n.id, n.received_at, n.order_id, n.purchase_id, n.environment, n.remote_addr, n.detail
        from midtrans_notifications n where ${where}
       order by n.received_at desc, n.id desc
       limit ${limit}`,
  ]);
  return { count: counted.n, latest: latest.map((r) => ({ ...r, id: Number(r.id) })) };
}
