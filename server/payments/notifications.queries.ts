import type { Db } from "../db/connect";
import type { PurchaseRow } from "./payments.schema";

export interface NewNotification {
  raw_body: string;
  body_sha256: string;
  body_bytes: number;
  headers: Record<string, string>;
  remote_addr: string | null;
  order_id: string | null;
  transaction_status: string | null;
  status_code: string | null;
  outcome: string;
  detail?: string | null;
  signature_valid: boolean | null;
  purchase_id?: string | null;
  environment?: string | null;
}

export async function insertNotification(db: Db, n: NewNotification): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into midtrans_notifications
      (raw_body, body_sha256, body_bytes, headers, remote_addr, order_id, transaction_status, status_code,
       outcome, detail, signature_valid, purchase_id, environment)
    values (${n.raw_body}, ${n.body_sha256}, ${n.body_bytes}, ${db.json(n.headers)}, ${n.remote_addr}, ${n.order_id},
      ${n.transaction_status}, ${n.status_code}, ${n.outcome}, ${n.detail ?? null}, ${n.signature_valid},
      ${n.purchase_id ?? null}, ${n.environment ?? null})
    returning id`;
  return row.id;
}

/**
 * The notification path's first statement: the purchase a Midtrans order id names — the one
 * whose midtrans_order_id it is, else a row created before migration 0007 without one, which
 * Midtrans knows by its order_id; never a purchase merely because its merchant order_id equals
 * the id (docs/decisions/0004-midtrans-order-ids.md) — and, when the signature
 * was made with the key of that purchase's environment (`signedFor`), the authentic notification
 * stored as `received` in the same statement. `notification_id` is null when the environment
 * does not match (the caller rejects it); no row: no such purchase. `rowVersion` is the row's
 * `xmin`: the notification's move is written only if the row is still this version
 * (payments.queries.ts, `writePurchaseTransition`).
 */
export async function findPurchaseAndRecordReceived(
  db: Db,
  midtransOrderId: string,
  signedFor: readonly string[],
  n: Omit<NewNotification, "outcome" | "detail" | "signature_valid" | "purchase_id" | "environment">,
): Promise<{ purchase: PurchaseRow; rowVersion: string; notificationId: number | null } | undefined> {
  const [row] = await db<(PurchaseRow & { notification_id: number | null; row_version: string })[]>`
    with p as (
      select *, xmin::text as row_version from purchases
      where midtrans_order_id = ${midtransOrderId} or (order_id = ${midtransOrderId} and midtrans_order_id is null)
      order by midtrans_order_id is null
      limit 1
    ), n as (
      insert into midtrans_notifications
        (raw_body, body_sha256, body_bytes, headers, remote_addr, order_id, transaction_status, status_code,
         outcome, detail, signature_valid, purchase_id, environment)
      select ${n.raw_body}, ${n.body_sha256}, ${n.body_bytes}, ${db.json(n.headers)}, ${n.remote_addr}, ${n.order_id},
        ${n.transaction_status}, ${n.status_code}, 'received', null, true, p.id, p.environment
      from p where p.environment = any(${db.array([...signedFor])}::text[])
      returning id
    )
    select p.*, (select id from n) as notification_id from p`;
  if (!row) return undefined;
  const { notification_id, row_version, ...purchase } = row;
  return { purchase: purchase as PurchaseRow, rowVersion: row_version, notificationId: notification_id };
}

/**
 * A notification's outcome when the move changes nothing (duplicate, stale, ignored), recorded
 * only if its purchase row is still the version the answer was decided on (`rowVersion`, its
 * `xmin`). False: the row changed since, nothing was recorded, and the caller decides again on
 * the locked row.
 */
export async function recordNotificationOutcomeIfUnchanged(
  db: Db,
  id: number,
  seen: { purchaseId: string; rowVersion: string },
  o: { outcome: string; detail: string | null },
): Promise<boolean> {
  const rows = await db`
    update midtrans_notifications set outcome = ${o.outcome}, detail = ${o.detail}
    where id = ${id} and exists (select 1 from purchases where id = ${seen.purchaseId} and xmin::text = ${seen.rowVersion}::text)
    returning id`;
  return rows.length === 1;
}

export async function recordNotificationOutcome(db: Db, id: number, o: { outcome: string; detail?: string | null }): Promise<void> {
  await db`update midtrans_notifications set outcome = ${o.outcome}, detail = ${o.detail ?? null} where id = ${id}`;
}

/**
 * One batch of the retention prune: notifications received before `cutoff` that were rejected,
 * or that belong to no payment (an unknown order id). Index: midtrans_notifications_prune_idx (0009).
 */
export async function deleteExpiredNotifications(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await db`
    delete from midtrans_notifications
    where id in (
      select id from midtrans_notifications
      where received_at < ${cutoff} and (outcome = 'rejected' or purchase_id is null)
      order by received_at
      limit ${limit})`;
  return result.count;
}
