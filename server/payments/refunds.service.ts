import { z } from "zod";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { MidtransTransaction } from "../midtrans/midtrans.schema";
import type { PlatformContext } from "../platform/context";
import { applyMidtransTransaction } from "./apply-status";
import { canRefund, refundableAmount, type PurchaseStatus } from "./lifecycle";
import { midtransOrderIdOf } from "./order-id";
import type { PurchaseRow } from "./payments.schema";
import { findPurchaseById } from "./payments.queries";
import { gatewayDomainError } from "./reconcile.service";

/** A console refund (the transport validates with this schema; services take its output). */
export const refundInput = z.object({
  purchaseId: z.string().min(1).max(100),
  /** Omitted: the whole refundable remainder. */
  amount: z.number().int().positive().max(1e12).optional(),
  reason: z.string().trim().min(1, "a reason is required").max(255),
});
export type RefundInput = z.output<typeof refundInput>;

/** A refund checked against the lifecycle and ready to send: what to refund, under which key. */
export interface RefundPlan {
  purchase: PurchaseRow;
  amount: number;
  reason: string;
  /** Midtrans's refund_key: a new random id, so a repeated call is a new refund, never a replay. */
  refundKey: string;
}

export type RefundApplied =
  | { outcome: "applied"; from: PurchaseStatus; to: PurchaseStatus }
  | { outcome: "duplicate" }
  | { outcome: "ignored"; reason: string };

export interface RefundOutcome {
  /** What Midtrans's refund API answered. */
  answer: MidtransTransaction;
  applied: RefundApplied;
  /** The purchase after the refund went through the state machine. */
  after: PurchaseRow;
}

/**
 * Checks a refund against the purchase's lifecycle (settled, or already partially refunded,
 * with something left: `canRefund`) and the amount against what is left. Throws
 * `not_found`, `invalid_state` or `validation_failed`.
 */
export async function planRefund(ctx: PlatformContext, input: RefundInput): Promise<RefundPlan> {
  const p = await findPurchaseById(ctx.sql, input.purchaseId);
  if (!p) throw new DomainError("not_found", "No such payment");
  if (!canRefund(p)) {
    throw new DomainError("invalid_state", `Only settled payments can be refunded (this one is ${p.status}${p.midtrans_status ? `/${p.midtrans_status}` : ""})`);
  }
  const refundable = refundableAmount(p);
  const amount = input.amount ?? refundable;
  if (amount > refundable) {
    throw new DomainError("validation_failed", `At most ${refundable} can be refunded`, { amount: `at most ${refundable}` });
  }
  return { purchase: p, amount, reason: input.reason, refundKey: newId("rfd") };
}

/**
 * Refunds through Midtrans's refund API (full or partial, with a reason), then moves the
 * status through the state machine with what Midtrans says after the refund (Get Status; the
 * refund call's own answer if Get Status fails), recorded in history with source `refund`.
 * A refused refund throws `gateway_error`.
 */
export async function executeRefund(ctx: PlatformContext, plan: RefundPlan): Promise<RefundOutcome> {
  const p = plan.purchase;
  let answer: MidtransTransaction;
  try {
    answer = await ctx.gateway.refund(p.environment, midtransOrderIdOf(p), { refund_key: plan.refundKey, amount: plan.amount, reason: plan.reason });
  } catch (err) {
    throw gatewayDomainError(err, "Midtrans refused the refund");
  }
  // Get Status describes every refund so far; the refund answer only this one.
  let status: MidtransTransaction | null = null;
  try {
    status = await ctx.gateway.getStatus(p.environment, midtransOrderIdOf(p));
  } catch (err) {
    ctx.logger.warn({ order_id: p.order_id, err: err instanceof Error ? err.message : String(err) }, "get status after refund failed");
  }
  const toApply = status ?? { ...answer, refund_amount: p.refunded_amount + plan.amount, refunds: undefined };
  const applied = await applyMidtransTransaction(ctx, p.id, toApply, { source: "refund" });
  const after = await findPurchaseById(ctx.sql, p.id);
  if (!after) throw new DomainError("not_found", "No such payment");
  return {
    answer,
    applied: applied.outcome === "applied" ? { outcome: "applied", from: applied.from, to: applied.to } : applied,
    after,
  };
}
