import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import { openStatuses, type PurchaseStatus } from "./lifecycle";

// Open = may still be paid (lifecycle.ts). Passed as a parameter: run these with custom plans
// (withCustomPlans) so that PostgreSQL sees the list and can use purchases_sweep_idx.
const open = (db: Db) => db.array([...openStatuses]);

/** Remembers that Midtrans was asked about this purchase (the sweep skips it for a while). */
export async function markReconcileChecked(db: Db, purchaseId: string, at: Date): Promise<void> {
  await db`update purchases set reconcile_checked_at = ${at} where id = ${purchaseId}`;
}

/** How many open purchases were created before `cutoff` (the bulk reconcile's progress bar). */
export function countOpenCreatedBeforeQuery(db: Db, cutoff: Date) {
  return db<{ n: number }[]>`
    select count(*)::int as n from purchases
    where status = any(${open(db)}) and created_at < ${cutoff}`;
}

export interface OpenPurchaseKey {
  id: string;
  order_id: string;
  status: PurchaseStatus;
  /** created_at as cursor text (server/db/sql-fragments.ts). */
  ts: string;
}

/** The next open purchases created before `cutoff`, oldest first, keyset on (created_at, id). */
export function openCreatedBeforeQuery(db: Db, o: { cutoff: Date; after: [string, string] | null; limit: number }) {
  return db<OpenPurchaseKey[]>`
    select id, order_id, status, ${utcIsoText(db, "created_at")} as ts
    from purchases
    where status = any(${open(db)}) and created_at < ${o.cutoff}
      ${o.after ? db`and (created_at, id) > (${o.after[0]}::text::timestamptz, ${o.after[1]})` : db``}
    order by created_at, id
    limit ${o.limit}`;
}

/** Open purchases neither updated nor checked since `cutoff`, stalest first (the sweep; purchases_sweep_idx). */
export function sweepCandidatesQuery(db: Db, cutoff: Date, limit: number) {
  return db<{ id: string }[]>`
    select id from purchases
    where status = any(${open(db)}) and greatest(updated_at, reconcile_checked_at) < ${cutoff}
    order by greatest(updated_at, reconcile_checked_at)
    limit ${limit}`;
}

/**
 * Open purchases whose Snap page expired before `now` and that Midtrans was not asked about
 * since (the sweep confirms the expiry with Get Status first; purchases_expiry_idx), earliest first.
 */
export function expiredCandidatesQuery(db: Db, now: Date, limit: number) {
  return db<{ id: string }[]>`
    select id from purchases
    where status = any(${open(db)}) and snap_expires_at < ${now}
      and (reconcile_checked_at is null or reconcile_checked_at < snap_expires_at)
    order by snap_expires_at
    limit ${limit}`;
}
