import { z } from "zod";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import type { PurchaseStatus } from "../payments/lifecycle";
import { reconcilePendingBatch, reconcilePurchase, countStalePending, type BulkReconcileBatch, type ReconcileResult } from "../payments/reconcile.service";
import { executeRefund, findConsoleRefund, planRefund, refundInput, type RefundApplied, type RefundInput } from "../payments/refunds.service";
import { listPurchaseWebhookEvents } from "../webhooks/purchase-deliveries.queries";
import { writeAudit, type Actor } from "./audit.service";
import { resendEventAsAdmin, type ResendResult } from "./webhooks-admin.service";

/** "Reconcile with Midtrans": Get Status, applied through the state machine; audited with what changed. */
export async function reconcilePayment(ctx: PlatformContext, actor: Actor, purchaseId: string): Promise<ReconcileResult> {
  try {
    const r = await reconcilePurchase(ctx, purchaseId, "reconcile");
    await writeAudit(ctx.sql, actor, {
      action: "payment.reconcile",
      targetType: "purchase",
      targetId: purchaseId,
      details: { outcome: r.outcome, changed: r.changed, from: r.before.status, to: r.after.status, midtrans_status: r.after.midtrans_status, reason: r.reason },
    });
    return r;
  } catch (err) {
    if (err instanceof DomainError && err.code === "gateway_error") {
      await writeAudit(ctx.sql, actor, { action: "payment.reconcile", targetType: "purchase", targetId: purchaseId, details: { outcome: "failed", error: err.message } });
    }
    throw err;
  }
}

export const bulkReconcileInput = z.object({
  olderThanMinutes: z.number().int().min(0).max(60 * 24 * 365),
  cursor: z.string().max(300).nullish(),
  batchSize: z.number().int().min(1).max(100).default(10),
});
/** A bulk reconcile batch request once validated (the transport parses with bulkReconcileInput). */
export type BulkReconcileInput = z.output<typeof bulkReconcileInput>;

/** One batch of "reconcile every pending payment older than N minutes" (the console loops, showing progress). */
export async function bulkReconcileBatch(ctx: PlatformContext, actor: Actor, i: BulkReconcileInput): Promise<BulkReconcileBatch> {
  const batch = await reconcilePendingBatch(ctx, { olderThanMinutes: i.olderThanMinutes, cursor: i.cursor, batchSize: i.batchSize });
  if (batch.checked > 0) {
    await writeAudit(ctx.sql, actor, {
      action: "payments.bulk_reconcile",
      details: {
        older_than_minutes: i.olderThanMinutes,
        checked: batch.checked,
        changed: batch.changed,
        failed: batch.failed,
        changed_orders: batch.items.filter((x) => x.changed).map((x) => x.orderId).slice(0, 100),
      },
    });
  }
  return batch;
}

export { countStalePending };

export { refundInput };

export interface RefundResult {
  refundKey: string;
  amount: number;
  midtrans: Record<string, unknown>;
  applied: RefundApplied;
  status: PurchaseStatus;
  refundedAmount: number;
  /** The form submission's key had already refunded: this is that refund, nothing new was sent to Midtrans. */
  replayed: boolean;
}

/**
 * "Refund": the refund use case is the payments service's (server/payments/refunds.service.ts);
 * this audits it, a refusal by Midtrans included. With the form submission's `idempotencyKey`, a
 * repeat answers the refund already made under it (docs/api.md#console-refunds), unaudited: nothing happened.
 */
export async function refundPayment(ctx: PlatformContext, actor: Actor, i: RefundInput): Promise<RefundResult> {
  if (i.idempotencyKey) {
    const previous = await findConsoleRefund(ctx, i.purchaseId, i.idempotencyKey);
    if (previous) {
      if (previous.refund.status !== "succeeded") {
        throw new DomainError("request_in_progress", "This refund was already submitted and is being processed; reload the page in a few seconds");
      }
      const midtrans = previous.refund.response ?? {};
      return {
        refundKey: previous.refund.midtrans_refund_key,
        amount: Number(previous.refund.amount),
        midtrans,
        applied: { outcome: "duplicate" },
        status: previous.purchase.status,
        refundedAmount: previous.purchase.refunded_amount,
        replayed: true,
      };
    }
  }
  const plan = await planRefund(ctx, i);
  const audited = { refund_key: plan.refundKey, amount: plan.amount, reason: plan.reason };
  let r: Awaited<ReturnType<typeof executeRefund>>;
  try {
    r = await executeRefund(ctx, plan);
  } catch (err) {
    if (err instanceof DomainError && err.code === "gateway_error") {
      await writeAudit(ctx.sql, actor, { action: "payment.refund", targetType: "purchase", targetId: plan.purchase.id, details: { outcome: "failed", ...audited, error: err.message } });
    }
    throw err;
  }
  await writeAudit(ctx.sql, actor, {
    action: "payment.refund",
    targetType: "purchase",
    targetId: plan.purchase.id,
    details: { outcome: r.applied.outcome, ...audited, midtrans_status: r.answer.transaction_status, status: r.after.status, refunded_amount: r.after.refunded_amount },
  });
  return {
    refundKey: plan.refundKey,
    amount: plan.amount,
    midtrans: { ...r.answer },
    applied: r.applied,
    status: r.after.status,
    refundedAmount: r.after.refunded_amount,
    replayed: false,
  };
}

export type { ResendResult };

/**
 * "Resend webhook": sends the event now through the webhooks service, and shows the merchant's
 * answer. Audited. The operator picks the event (`eventId`, one per event row on the payment
 * page); for a payment without one, its most recent event (a refunded payment's latest
 * `payment.refunded`, never its old `item.purchased` unless that is chosen).
 */
export async function resendWebhook(ctx: PlatformContext, actor: Actor, ref: { eventId?: string; purchaseId?: string }): Promise<ResendResult> {
  let eventId = ref.eventId;
  if (ref.purchaseId) {
    const events = await listPurchaseWebhookEvents(ctx.sql, ref.purchaseId); // oldest first
    if (eventId) {
      if (!events.some((e) => e.id === eventId)) throw new DomainError("not_found", "No such webhook event for this payment");
    } else {
      const newest = events.at(-1);
      if (!newest) throw new DomainError("not_found", "This payment has no webhook event (nothing has happened to it that a merchant is told about)");
      eventId = newest.id;
    }
  }
  if (!eventId) throw new DomainError("validation_failed", "Give an event id or a purchase id");
  return resendEventAsAdmin(ctx, actor, eventId);
}
