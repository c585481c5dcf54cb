import type { PlatformContext } from "../platform/context";
import { parseIdrAmount, refundedAmountOf, type MidtransTransaction } from "../midtrans/midtrans.schema";
import { parseJakartaTime } from "../midtrans/time";
import { itemPurchasedPayload, type RefundEntry } from "./purchase-events";
import * as q from "./payments.queries";
import { displayItemName } from "./payments.service";
import { purchaseStatusFromMidtrans, type HistorySource, type PurchaseStatus } from "./lifecycle";
import { decideTransition, isMidtransStatus } from "./status";
import { applyPurchaseTransitionIfUnchanged, applyPurchaseTransitionWithEvents, type PurchaseChange, type TransitionMeta } from "./transition";
import { recordNotificationOutcomeIfUnchanged } from "./notifications.queries";
import type { PurchaseRow } from "./payments.schema";
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

/** What the state machine makes of a Midtrans transaction against a purchase row: a final answer, or a move to write. */
type PlannedMove =
  | { kind: "final"; outcome: Extract<ApplyOutcome, { outcome: "duplicate" | "ignored" }> }
  | { kind: "move"; to: PurchaseStatus; change: PurchaseChange; meta: TransitionMeta };

/** The decision of `applyMidtransTransaction`, from the purchase row as it is (locked, or checked unchanged when written). */
function planMidtransMove(
  ctx: PlatformContext,
  p: PurchaseRow & { expired_by_astapa?: boolean },
  t: MidtransTransaction,
  meta: { source: Exclude<HistorySource, "create">; notificationId?: number | null; recordNotificationOutcome?: boolean },
): PlannedMove {
  const final = (outcome: Extract<ApplyOutcome, { outcome: "duplicate" | "ignored" }>): PlannedMove => ({ kind: "final", outcome });
  const raw = t.transaction_status;
  if (!isMidtransStatus(raw)) return final({ outcome: "ignored", reason: `unknown transaction_status '${raw}'` });
  const gross = parseIdrAmount(t.gross_amount);
  // Only the transaction Midtrans knows this purchase by: not another merchant's with the same
  // order_id, nor an orphan of a create retried under a fresh id (docs/decisions/0004-midtrans-order-ids.md).
  if (t.order_id !== midtransOrderIdOf(p)) return final({ outcome: "ignored", reason: "order_id differs from the purchase's Midtrans order id" });
  if (gross !== p.amount) {
    return final({ outcome: "ignored", reason: `amount_mismatch: Midtrans says ${String(t.gross_amount)}, purchase is ${p.amount}` });
  }
  // The row's `select *` carries the expiry flags (no second read).
  const expiredByAstapa = p.status === "expire" && p.expired_by_astapa === true;
  const current = p.midtrans_status ? { status: p.midtrans_status, fraudStatus: p.fraud_status, refundedAmount: p.refunded_amount, expiredByAstapa } : null;
  const next = { status: raw, fraudStatus: t.fraud_status ?? null, refundedAmount: refundedAmountOf(t) };
  const decision = decideTransition(current, next);
  if (decision.kind === "duplicate") return final({ outcome: "duplicate" });
  if (decision.kind === "stale") return final({ outcome: "ignored", reason: `stale: ${decision.reason}` });

  const to = purchaseStatusFromMidtrans(raw, next.fraudStatus);
  const becomesPaid = to === "settlement" && !p.paid_at;
  const paidAt = becomesPaid ? (parseJakartaTime(t.settlement_time) ?? parseJakartaTime(t.transaction_time) ?? ctx.now()) : p.paid_at;
  return {
    kind: "move",
    to,
    change: {
      status: to,
      midtrans_status: raw,
      fraud_status: next.fraudStatus,
      payment_type: t.payment_type ?? null,
      midtrans_transaction_id: t.transaction_id ?? null,
      refunded_amount: next.refundedAmount,
      paid_at: paidAt,
    },
    meta: {
      source: meta.source,
      notificationId: meta.notificationId,
      now: ctx.now(),
      refunds: refundEntriesOf(t),
      // Goes to the project's endpoint for the purchase's environment (kept as no_endpoint without a URL there).
      extraEvents: (after) =>
        becomesPaid && paidAt ? [{ event_type: "item.purchased", payload: itemPurchasedPayload(after, displayItemName(after), paidAt) }] : [],
      notificationOutcome: meta.recordNotificationOutcome ? { outcome: "applied", detail: appliedDetail(p.status, to, raw) } : null,
    },
  };
}

const appliedOutcome = (from: PurchaseStatus, to: PurchaseStatus, eventTypesWritten: string[], eventsWritten: number): ApplyOutcome => ({
  outcome: "applied",
  from,
  to,
  eventWritten: eventTypesWritten.includes("item.purchased"),
  eventsWritten,
});

/**
 * Applies what Midtrans says a transaction is now, through the state machine, in ONE
 * transaction: the purchase row, its history, the `item.purchased` outbox event (on the first
 * settlement) and the lifecycle events of the move (`applyPurchaseTransitionWithEvents`). Used
 * by notifications (when the row changed under them: `applyMidtransNotification`), reconcile,
 * the sweep and refunds.
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

  const result = await ctx.sql.begin(async (tx): Promise<ApplyOutcome> => {
    const p = await q.lockPurchaseById(tx, purchaseId);
    if (!p) return { outcome: "ignored", reason: "purchase not found" };
    const plan = planMidtransMove(ctx, p, t, meta);
    if (plan.kind === "final") return plan.outcome;
    const { eventsWritten, eventTypesWritten } = await applyPurchaseTransitionWithEvents(tx, p, plan.change, plan.meta);
    return appliedOutcome(p.status, plan.to, eventTypesWritten, eventsWritten);
  });
  if (result.outcome === "applied" && result.eventsWritten > 0) ctx.onWebhookEventsWritten();
  return result;
}

/**
 * A notification's move, decided on the purchase row read when the notification was stored
 * (`findPurchaseAndRecordReceived`, with its row version) and written in ONE statement only if
 * the row is still that version: the statement is its own transaction, with the row's history,
 * its outbox events and the notification's outcome (docs/architecture.md, "A notification that
 * changes a payment"). A duplicate or stale answer records the notification's outcome under the
 * same condition. When the row changed in between (a concurrent notification, reconcile, the
 * sweep), nothing was written and the move is made again the locking way (`applyMidtransTransaction`),
 * so the answer is exactly the one the locked row gives. `outcomeRecorded`: the notification's
 * outcome is stored (else the caller stores it).
 */
export async function applyMidtransNotification(
  ctx: PlatformContext,
  seen: { purchase: PurchaseRow; rowVersion: string },
  t: MidtransTransaction,
  notificationId: number,
): Promise<ApplyOutcome & { outcomeRecorded: boolean }> {
  const meta = { source: "notification" as const, notificationId, recordNotificationOutcome: true };
  const p = seen.purchase;
  const plan = planMidtransMove(ctx, p, t, meta);
  if (plan.kind === "final") {
    const o = plan.outcome;
    const recorded = await recordNotificationOutcomeIfUnchanged(ctx.sql, notificationId, { purchaseId: p.id, rowVersion: seen.rowVersion }, {
      outcome: o.outcome,
      detail: o.outcome === "ignored" ? o.reason : null,
    });
    if (recorded) return { ...o, outcomeRecorded: true };
  } else {
    const written = await applyPurchaseTransitionIfUnchanged(ctx.sql, p, seen.rowVersion, plan.change, plan.meta);
    if (written) {
      if (written.eventsWritten > 0) ctx.onWebhookEventsWritten();
      return { ...appliedOutcome(p.status, plan.to, written.eventTypesWritten, written.eventsWritten), outcomeRecorded: true };
    }
  }
  const applied = await applyMidtransTransaction(ctx, p.id, t, meta);
  return { ...applied, outcomeRecorded: applied.outcome === "applied" };
}
