import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import { WEBHOOK_EVENTS_CHANNEL } from "../webhooks/events";
import type { HistorySource, MidtransStatus, PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import * as q from "./payments.queries";
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
  /** More outbox events of this move, planned from the row after it (apply-status: `item.purchased`). */
  extraEvents?: (after: PurchaseRow) => readonly { event_type: string; dedupe_key?: string; payload: object }[];
  /** The notification's outcome, recorded in the move's statement (the notification path saves a round trip). */
  notificationOutcome?: { outcome: string; detail: string | null } | null;
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
): Promise<{ updated: PurchaseRow; eventsWritten: number; eventTypesWritten: string[] }> {
  const written = await writeTransition(tx, current, null, change, meta);
  if (!written) throw new Error(`purchase ${current.id} vanished under its lock`);
  return written;
}

/**
 * The same move, in ONE statement of its own (no explicit transaction, no lock held across calls),
 * written only if the purchase row is still the version `rowVersion` (its `xmin`, read with
 * `current`): the update then locks the row and writes it, its history, its events and the
 * notification's outcome atomically. Undefined when the row changed since it was read: nothing
 * was written, and the caller decides again on the locked row (apply-status.ts, `applyMidtransNotification`).
 */
export async function applyPurchaseTransitionIfUnchanged(
  db: Db,
  current: PurchaseRow,
  rowVersion: string,
  change: PurchaseChange,
  meta: TransitionMeta,
): Promise<{ updated: PurchaseRow; eventsWritten: number; eventTypesWritten: string[] } | undefined> {
  return writeTransition(db, current, rowVersion, change, meta);
}

async function writeTransition(
  db: Db,
  current: PurchaseRow,
  expectedRowVersion: string | null,
  change: PurchaseChange,
  meta: TransitionMeta,
): Promise<{ updated: PurchaseRow; eventsWritten: number; eventTypesWritten: string[] } | undefined> {
  const now = meta.now ?? new Date();
  const fraudStatus = change.fraud_status === undefined ? current.fraud_status : change.fraud_status;
  // The row as the update will leave it (the same rules as the statement: coalesce keeps a
  // stored payment type and transaction id): the events are planned from it, so that the row,
  // its history, its events and the notification's outcome go in ONE statement.
  const after: PurchaseRow = {
    ...current,
    status: change.status,
    midtrans_status: change.midtrans_status,
    fraud_status: fraudStatus,
    payment_type: change.payment_type ?? current.payment_type,
    midtrans_transaction_id: change.midtrans_transaction_id ?? current.midtrans_transaction_id,
    refunded_amount: change.refunded_amount ?? current.refunded_amount,
    paid_at: change.paid_at === undefined ? current.paid_at : change.paid_at,
  };
  const events = [...lifecycleEventsOf(current, after, { occurredAt: now, refunds: meta.refunds }), ...(meta.extraEvents?.(after) ?? [])];
  return q.writePurchaseTransition(db, {
    id: current.id,
    expected_row_version: expectedRowVersion,
    from_status: current.status,
    status: after.status,
    midtrans_status: change.midtrans_status,
    fraud_status: fraudStatus,
    payment_type: change.payment_type ?? null,
    midtrans_transaction_id: change.midtrans_transaction_id ?? null,
    refunded_amount: after.refunded_amount,
    paid_at: after.paid_at,
    // A move to `expire` that does not come from a Midtrans transaction is Astapa's own expiry.
    expired_by_astapa: change.status === "expire" && current.status !== "expire" && change.midtrans_transaction_id === undefined,
    // Money arrived after Astapa expired the payment: recorded, and flagged for operators.
    settled_after_expiry_at: current.status === "expire" && change.status === "settlement" ? now : null,
    source: meta.source,
    notification_id: meta.notificationId ?? null,
    notification_outcome: meta.notificationOutcome ?? null,
    events: events.map((e) => ({ id: newId("msg"), event_type: e.event_type, dedupe_key: e.dedupe_key ?? e.event_type, payload: e.payload })),
    project_id: current.project_id,
    notifyChannel: WEBHOOK_EVENTS_CHANNEL,
  });
}
