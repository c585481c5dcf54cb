import { z } from "zod";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { MidtransTransaction } from "../midtrans/midtrans.schema";
import { applyMidtransTransaction } from "../payments/apply-status";
import type { PlatformContext } from "../platform/context";
import { gatewayDomainError, reconcilePendingBatch, reconcilePurchase, countStalePending, type BulkReconcileBatch, type ReconcileResult } from "../payments/reconcile.service";
import { resendWebhookEvent } from "../webhooks/webhooks.service";
import { writeAudit, type Actor } from "./audit.service";
import { midtransOrderIdOf } from "../payments/order-id";

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

/** One batch of "reconcile every pending payment older than N minutes" (the console loops, showing progress). */
export async function bulkReconcileBatch(ctx: PlatformContext, actor: Actor, input: z.input<typeof bulkReconcileInput>): Promise<BulkReconcileBatch> {
  const i = bulkReconcileInput.parse(input);
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

export const refundInput = z.object({
  purchaseId: z.string().min(1).max(100),
  /** Omitted: the whole refundable remainder. */
  amount: z.number().int().positive().max(1e12).optional(),
  reason: z.string().trim().min(1, "a reason is required").max(255),
});

export interface RefundResult {
  refundKey: string;
  amount: number;
  midtrans: Record<string, unknown>;
  applied: { outcome: string; from?: string; to?: string; reason?: string };
  status: string;
  refundedAmount: number;
}

/**
 * Refund through Midtrans's refund API (full or partial, with a reason; refund_key = a new
 * random id). The status then moves through the state machine with what Midtrans says after
 * the refund (Get Status; the refund call's own answer if Get Status fails). Audited.
 */
export async function refundPayment(ctx: PlatformContext, actor: Actor, input: z.input<typeof refundInput>): Promise<RefundResult> {
  const parsed = refundInput.safeParse(input);
  if (!parsed.success) {
    throw new DomainError("validation_failed", `Invalid refund: ${parsed.error.issues[0]?.message}`, Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message])));
  }
  const i = parsed.data;
  const [p] = await ctx.sql<
    { id: string; order_id: string; midtrans_order_id: string | null; environment: "sandbox" | "production"; status: string; midtrans_status: string | null; amount: number; refunded_amount: number }[]
  >`
    select id, order_id, midtrans_order_id, environment, status, midtrans_status, amount, refunded_amount from purchases where id = ${i.purchaseId}`;
  if (!p) throw new DomainError("not_found", "No such payment");
  const refundable = p.amount - p.refunded_amount;
  const partiallyRefunded = p.status === "refund" && p.midtrans_status === "partial_refund";
  if (!(p.status === "settlement" || partiallyRefunded) || refundable <= 0) {
    throw new DomainError("invalid_state", `Only settled payments can be refunded (this one is ${p.status}${p.midtrans_status ? `/${p.midtrans_status}` : ""})`);
  }
  const amount = i.amount ?? refundable;
  if (amount > refundable) {
    throw new DomainError("validation_failed", `At most ${refundable} can be refunded`, { amount: `at most ${refundable}` });
  }
  const refundKey = newId("rfd");
  let answer: MidtransTransaction;
  try {
    answer = await ctx.gateway.refund(p.environment, midtransOrderIdOf(p), { refund_key: refundKey, amount, reason: i.reason });
  } catch (err) {
    const e = gatewayDomainError(err, "Midtrans refused the refund");
    await writeAudit(ctx.sql, actor, { action: "payment.refund", targetType: "purchase", targetId: p.id, details: { outcome: "failed", refund_key: refundKey, amount, reason: i.reason, error: e.message } });
    throw e;
  }
  // Get Status describes every refund so far; the refund answer only this one.
  let status: MidtransTransaction | null = null;
  try {
    status = await ctx.gateway.getStatus(p.environment, midtransOrderIdOf(p));
  } catch (err) {
    ctx.logger.warn({ order_id: p.order_id, err: err instanceof Error ? err.message : String(err) }, "get status after refund failed");
  }
  const toApply = status ?? { ...answer, refund_amount: p.refunded_amount + amount, refunds: undefined };
  const applied = await applyMidtransTransaction(ctx, p.id, toApply, { source: "reconcile" });
  const [after] = await ctx.sql<{ status: string; refunded_amount: number }[]>`select status, refunded_amount from purchases where id = ${p.id}`;
  await writeAudit(ctx.sql, actor, {
    action: "payment.refund",
    targetType: "purchase",
    targetId: p.id,
    details: { outcome: applied.outcome, refund_key: refundKey, amount, reason: i.reason, midtrans_status: answer.transaction_status, status: after.status, refunded_amount: after.refunded_amount },
  });
  return {
    refundKey,
    amount,
    midtrans: { ...answer },
    applied: applied.outcome === "applied" ? { outcome: "applied", from: applied.from, to: applied.to } : applied.outcome === "ignored" ? { outcome: "ignored", reason: applied.reason } : { outcome: applied.outcome },
    status: after.status,
    refundedAmount: after.refunded_amount,
  };
}

export interface ResendResult {
  eventId: string;
  delivered: boolean;
  eventStatus: string;
  attempt: { attempt_number: number; trigger: string; url: string; response_status: number | null; response_body: string | null; error: string | null; duration_ms: number | null; started_at: string };
}

/** "Resend webhook": sends the event now through the webhooks service, and shows the merchant's answer. Audited. */
export async function resendWebhook(ctx: PlatformContext, actor: Actor, ref: { eventId?: string; purchaseId?: string }): Promise<ResendResult> {
  let eventId = ref.eventId;
  if (!eventId && ref.purchaseId) {
    const [ev] = await ctx.sql<{ id: string }[]>`
      select id from webhook_events where purchase_id = ${ref.purchaseId}
      order by (event_type = 'item.purchased') desc, created_at desc limit 1`;
    if (!ev) throw new DomainError("not_found", "This payment has no webhook event (it is not paid, or was paid before webhooks)");
    eventId = ev.id;
  }
  if (!eventId) throw new DomainError("validation_failed", "Give an event id or a purchase id");
  const { attempt, event } = await resendWebhookEvent(ctx, eventId);
  const result: ResendResult = {
    eventId,
    delivered: attempt.response_status !== null && attempt.response_status >= 200 && attempt.response_status < 300,
    eventStatus: event.status,
    attempt: {
      attempt_number: attempt.attempt_number,
      trigger: attempt.trigger,
      url: attempt.url,
      response_status: attempt.response_status,
      response_body: attempt.response_body?.slice(0, 500) ?? null,
      error: attempt.error,
      duration_ms: attempt.duration_ms,
      started_at: new Date(attempt.started_at).toISOString(),
    },
  };
  await writeAudit(ctx.sql, actor, {
    action: "webhook.resend",
    targetType: "purchase",
    targetId: event.purchase_id,
    details: { event_id: eventId, delivered: result.delivered, response_status: attempt.response_status, error: attempt.error },
  });
  return result;
}
