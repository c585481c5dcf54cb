import type { Db } from "../db/connect";
import { enqueueWebhookEvent } from "../webhooks/events";
import type { HistorySource, MidtransStatus, PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import * as q from "./payments.queries";
import { setExpiredByAstapa, setSettledAfterExpiry } from "./lifecycle-events.queries";
import { lifecycleEventsOf, type RefundEntry } from "./purchase-events";

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

export interface TransitionMeta {
  source: HistorySource;
  notificationId?: number | null;
  /** When the move happens (the platform's clock); default: now. */
  now?: Date;
  /** Midtrans's list of refunds after this move (Get Status `refunds[]`): one `payment.refunded` per new one. */
  refunds?: readonly RefundEntry[] | null;
}

/**
 * Applies one lifecycle move to a purchase: the purchase row, its history row and the merchant
 * events the move produces (docs/api.md, "Webhooks": `payment.expired`, `payment.failed`,
 * `payment.refunded`, `payment.reversed`), inside the caller's transaction (which holds the row's
 * lock, from `lockPurchaseById`). The one writer of status changes after creation: Midtrans
 * statuses (apply-status) and the expiry of an unused Snap page (reconcile) both come through
 * here. A move to `expire` that does not come from a Midtrans transaction (no
 * `midtrans_transaction_id` in the change) is Astapa's own expiry, and is recorded as such.
 */
export async function applyPurchaseTransition(tx: Tx, current: PurchaseRow, change: PurchaseChange, meta: TransitionMeta): Promise<PurchaseRow> {
  return (await applyPurchaseTransitionWithEvents(tx, current, change, meta)).updated;
}

/** `applyPurchaseTransition`, also telling how many merchant events it wrote (the caller wakes the webhook worker). */
export async function applyPurchaseTransitionWithEvents(
  tx: Tx,
  current: PurchaseRow,
  change: PurchaseChange,
  meta: TransitionMeta,
): Promise<{ updated: PurchaseRow; eventsWritten: number }> {
  const now = meta.now ?? new Date();
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
  if (change.status === "expire" && current.status !== "expire" && change.midtrans_transaction_id === undefined) {
    await setExpiredByAstapa(tx, current.id);
  }
  // Money arrived after Astapa expired the payment: recorded, and flagged for operators.
  if (current.status === "expire" && change.status === "settlement") await setSettledAfterExpiry(tx, current.id, now);

  let eventsWritten = 0;
  for (const e of lifecycleEventsOf(current, updated, { occurredAt: now, refunds: meta.refunds })) {
    const written = await enqueueWebhookEvent(tx, {
      project_id: current.project_id,
      purchase_id: current.id,
      event_type: e.event_type,
      dedupe_key: e.dedupe_key,
      payload: e.payload,
    });
    if (written) eventsWritten += 1;
  }
  return { updated, eventsWritten };
}
