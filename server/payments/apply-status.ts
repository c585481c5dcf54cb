import type { PlatformContext } from "../platform/context";
import { parseIdrAmount, refundedAmountOf, type MidtransTransaction } from "../midtrans/midtrans.schema";
import { parseJakartaTime } from "../midtrans/time";
import { itemPurchasedPayload, type RefundEntry } from "./purchase-events";
import * as q from "./payments.queries";
import { displayItemName } from "./payments.service";
import { purchaseStatusFromMidtrans, type HistorySource, type PurchaseStatus } from "./lifecycle";
import { decideTransition, isMidtransStatus } from "./status";
import { applyPurchaseTransitionWithEvents } from "./transition";
import { midtransOrderIdOf } from "./order-id";

/** The notification's detail of an applied move (docs/api.md#post-apimidtransnotification). */
export const appliedDetail = (from: PurchaseStatus, to: PurchaseStatus, raw: string) => `${from} -> ${to} (${raw})`;

export type ApplyOutcome =
  /** eventWritten: a new `item.purchased`; eventsWritten: every new merchant event (docs/api.md, "Webhooks"). */
  | { outcome: "applied"; from: PurchaseStatus; to: PurchaseStatus; eventWritten: boolean; eventsWritten: number }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; reason: string };

/** Midtrans's refunds[] (Get Status, notifications) as refund entries; null when absent. */
function refundEntriesOf(t: MidtransTransaction): RefundEntry[] | null {
  if (!Array.isArray(t.refunds) || t.refunds.length === 0) {
    // A refund call's own answer describes that one refund.
    const id = t.refund_chargeback_id ?? t.refund_key;
    return id === undefined || id === null ? null : [{ refund_id: String(id), amount: 0, reason: null }];
  }
  return t.refunds.map((r) => {
    const id = r.refund_chargeback_id ?? r.refund_key;
    return {
      refund_id: id === undefined || id === null || id === "" ? null : String(id),
      amount: parseIdrAmount(r.refund_amount) ?? 0,
      reason: typeof r.reason === "string" && r.reason !== "" ? r.reason : null,
    };
  });
}

/**
 * Applies what Midtrans says a transaction is now, through the state machine, in ONE
 * transaction: the purchase row, its history, the `item.purchased` outbox event (on the first
 * settlement) and the lifecycle events of the move (`applyPurchaseTransitionWithEvents`). Used
 * by notifications, reconcile, the sweep and refunds.
 */
export async function applyMidtransTransaction(
  ctx: PlatformContext,
  purchaseId: string,
  t: MidtransTransaction,
  meta: {
    source: Exclude<HistorySource, "create">;
    notificationId?: number | null;
    /** Record the notification's `applied` outcome in the move's transaction (its caller then need not). */
    recordNotificationOutcome?: boolean;
  },
): Promise<ApplyOutcome> {
  const raw = t.transaction_status;
  if (!isMidtransStatus(raw)) return { outcome: "ignored", reason: `unknown transaction_status '${raw}'` };
  const gross = parseIdrAmount(t.gross_amount);

  const result = await ctx.sql.begin(async (tx): Promise<ApplyOutcome> => {
    const p = await q.lockPurchaseById(tx, purchaseId);
    if (!p) return { outcome: "ignored", reason: "purchase not found" };
    // Only the transaction Midtrans knows this purchase by: not another merchant's with the same
    // order_id, nor an orphan of a create retried under a fresh id (docs/decisions/0004-midtrans-order-ids.md).
    if (t.order_id !== midtransOrderIdOf(p)) return { outcome: "ignored", reason: "order_id differs from the purchase's Midtrans order id" };
    if (gross !== p.amount) {
      return { outcome: "ignored", reason: `amount_mismatch: Midtrans says ${String(t.gross_amount)}, purchase is ${p.amount}` };
    }
    // The lock's `select *` carries the expiry flags (no second read).
    const expiredByAstapa = p.status === "expire" && p.expired_by_astapa === true;
    const current = p.midtrans_status ? { status: p.midtrans_status, fraudStatus: p.fraud_status, refundedAmount: p.refunded_amount, expiredByAstapa } : null;
    const next = { status: raw, fraudStatus: t.fraud_status ?? null, refundedAmount: refundedAmountOf(t) };
    const decision = decideTransition(current, next);
    if (decision.kind === "duplicate") return { outcome: "duplicate" };
    if (decision.kind === "stale") return { outcome: "ignored", reason: `stale: ${decision.reason}` };

    const to = purchaseStatusFromMidtrans(raw, next.fraudStatus);
    const becomesPaid = to === "settlement" && !p.paid_at;
    const paidAt = becomesPaid ? (parseJakartaTime(t.settlement_time) ?? parseJakartaTime(t.transaction_time) ?? ctx.now()) : p.paid_at;
    const { eventsWritten, eventTypesWritten } = await applyPurchaseTransitionWithEvents(
      tx,
      p,
      {
        status: to,
        midtrans_status: raw,
        fraud_status: next.fraudStatus,
        payment_type: t.payment_type ?? null,
        midtrans_transaction_id: t.transaction_id ?? null,
        refunded_amount: next.refundedAmount,
        paid_at: paidAt,
      },
      {
        source: meta.source,
        notificationId: meta.notificationId,
        now: ctx.now(),
        refunds: refundEntriesOf(t),
        // Goes to the project's endpoint for the purchase's environment (kept as no_endpoint without a URL there).
        extraEvents: (after) =>
          becomesPaid && paidAt ? [{ event_type: "item.purchased", payload: itemPurchasedPayload(after, displayItemName(after), paidAt) }] : [],
        notificationOutcome: meta.recordNotificationOutcome ? { outcome: "applied", detail: appliedDetail(p.status, to, raw) } : null,
      },
    );
    const eventWritten = eventTypesWritten.includes("item.purchased");
    return { outcome: "applied", from: p.status, to, eventWritten, eventsWritten };
  });
  if (result.outcome === "applied" && result.eventsWritten > 0) ctx.onWebhookEventsWritten();
  return result;
}
