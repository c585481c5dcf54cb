import type { Db } from "../db/connect";
import type { HistorySource, MidtransStatus, PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import * as q from "./payments.queries";

/** A transaction handle (from `sql.begin`): the only kind of handle with savepoints. */
type Tx = Extract<Db, { savepoint: unknown }>;

/** What a lifecycle move changes on the purchase; fields left out keep their stored value. */
export interface PurchaseChange {
  status: PurchaseStatus;
  midtrans_status: MidtransStatus;
  fraud_status?: string | null;
  payment_type?: string | null;
  midtrans_transaction_id?: string | null;
  refunded_amount?: number;
  paid_at?: Date | null;
}

/**
 * Applies one lifecycle move to a purchase: the purchase row and its history row, inside the
 * caller's transaction (which holds the row's lock, from `lockPurchaseById`). The one writer
 * of status changes after creation: Midtrans statuses (apply-status) and the expiry of an
 * unused Snap page (reconcile) both come through here.
 */
export async function applyPurchaseTransition(
  tx: Tx,
  current: PurchaseRow,
  change: PurchaseChange,
  meta: { source: HistorySource; notificationId?: number | null },
): Promise<PurchaseRow> {
  const fraudStatus = change.fraud_status === undefined ? current.fraud_status : change.fraud_status;
  const updated = await q.updatePurchaseStatus(tx, current.id, {
    status: change.status,
    midtrans_status: change.midtrans_status,
    fraud_status: fraudStatus,
    payment_type: change.payment_type ?? null,
    midtrans_transaction_id: change.midtrans_transaction_id ?? null,
    refunded_amount: change.refunded_amount ?? current.refunded_amount,
    paid_at: change.paid_at === undefined ? current.paid_at : change.paid_at,
  });
  await q.insertStatusHistory(tx, {
    purchase_id: current.id,
    from_status: current.status,
    to_status: change.status,
    midtrans_status: change.midtrans_status,
    fraud_status: fraudStatus,
    source: meta.source,
    notification_id: meta.notificationId,
  });
  return updated;
}
