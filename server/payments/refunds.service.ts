import { createHash } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { MAX_AMOUNT_IDR } from "../lib/money";
import { MidtransGatewayError } from "../midtrans/gateway";
import type { MidtransTransaction } from "../midtrans/midtrans.schema";
import type { PlatformContext } from "../platform/context";
import type { CredentialRow } from "../projects/projects.schema";
import { applyMidtransTransaction } from "./apply-status";
import { canRefund, publicStatuses, publicStatusOf, refundableAmount, type PurchaseStatus } from "./lifecycle";
import { midtransOrderIdOf } from "./order-id";
import { idempotencyKeySchema, orderIdSchema, type PurchaseRow } from "./payments.schema";
import { findPurchaseById } from "./payments.queries";
import { gatewayDomainError } from "./reconcile.service";
import * as rq from "./refunds.queries";

/** A console refund (the transport validates with this schema; services take its output). */
export const refundInput = z.object({
  purchaseId: z.string().min(1).max(100),
  /** Omitted: the whole refundable remainder. */
  amount: z.number().int().positive().max(1e12).optional(),
  reason: z.string().trim().min(1, "a reason is required").max(255),
  /**
   * One per submission of the console's refund form (docs/api.md#console-refunds): a repeat with the same
   * key answers the first refund instead of making a second one.
   */
  idempotencyKey: idempotencyKeySchema.optional(),
});
export type RefundInput = z.output<typeof refundInput>;

/** A refund checked against the lifecycle and ready to send: what to refund, under which key. */
export interface RefundPlan {
  purchase: PurchaseRow;
  amount: number;
  reason: string;
  /**
   * Midtrans's refund_key: a new random id, so a repeated call is a new refund, never a replay;
   * derived from the console's idempotency key when it sent one (a retried call is Midtrans's replay).
   */
  refundKey: string;
  /** The console form submission's key (`refundInput.idempotencyKey`), stored on the refund row. */
  idempotencyKey?: string;
  /** The `refunds` row reserving this refund (an API refund's); a console refund gets one in `executeRefund`. */
  refundRowId?: string;
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
  // What API refunds under way hold is not refundable from the console meanwhile.
  const refundable = Math.max(refundableAmount(p) - (await rq.processingRefundTotal(ctx.sql, p.id)), 0);
  const amount = input.amount ?? refundable;
  if (refundable <= 0 || amount > refundable) {
    throw new DomainError("validation_failed", `At most ${refundable} can be refunded`, { amount: `at most ${refundable}` });
  }
  const refundKey = input.idempotencyKey ? midtransRefundKeyOf(p.id, consoleIdempotencyKey(input.idempotencyKey)) : newId("rfd");
  return { purchase: p, amount, reason: input.reason, refundKey, idempotencyKey: input.idempotencyKey };
}

/**
 * A console refund key is stored in its own namespace, so it never answers for a merchant's
 * Idempotency-Key (a merchant request under such a key finds no `request_hash` and is refused as
 * `idempotency_key_reused`).
 */
const consoleIdempotencyKey = (key: string) => `console:${key}`;

/** The console refund made under this form-submission key, with the payment as it is now. */
export async function findConsoleRefund(ctx: PlatformContext, purchaseId: string, idempotencyKey: string): Promise<{ refund: rq.RefundRow; purchase: PurchaseRow } | undefined> {
  const p = await findPurchaseById(ctx.sql, purchaseId);
  if (!p) return undefined;
  const refund = await rq.findRefundByIdempotencyKey(ctx.sql, { projectId: p.project_id, environment: p.environment }, consoleIdempotencyKey(idempotencyKey));
  return refund && refund.purchase_id === p.id ? { refund, purchase: p } : undefined;
}

/**
 * Refunds through Midtrans's refund API (full or partial, with a reason), then moves the
 * status through the state machine with what Midtrans says after the refund (Get Status; the
 * refund call's own answer if Get Status fails), recorded in history with source `refund`.
 * A refused refund throws `gateway_error`.
 */
export async function executeRefund(ctx: PlatformContext, plan: RefundPlan): Promise<RefundOutcome & { refundId: string }> {
  const p = plan.purchase;
  let refundId = plan.refundRowId;
  if (refundId === undefined) {
    // A console refund: recorded like an API one (the same table gives every refund its id).
    refundId = newId("rfd");
    const reserved = await rq.insertProcessingRefund(ctx.sql, {
      id: refundId,
      purchase_id: p.id,
      project_id: p.project_id,
      environment: p.environment,
      source: "console",
      idempotency_key: plan.idempotencyKey ? consoleIdempotencyKey(plan.idempotencyKey) : null,
      request_hash: null,
      amount: plan.amount,
      reason: plan.reason,
      midtrans_refund_key: plan.refundKey,
    });
    // Only a keyed refund can conflict: the same form submission arrived twice at once.
    if (!reserved) throw new DomainError("request_in_progress", "This refund was already submitted and is being processed; reload the page in a few seconds");
  }
  let answer: MidtransTransaction;
  try {
    answer = await ctx.gateway.refund(p.environment, midtransOrderIdOf(p), { refund_key: plan.refundKey, amount: plan.amount, reason: plan.reason });
  } catch (err) {
    await rq.deleteProcessingRefund(ctx.sql, refundId);
    throw refundGatewayError(err);
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
  if (plan.refundRowId === undefined) {
    await rq.completeRefund(ctx.sql, refundId, { amount: plan.amount, midtrans_status: answer.transaction_status });
  }
  return {
    refundId,
    answer,
    applied: applied.outcome === "applied" ? { outcome: "applied", from: applied.from, to: applied.to } : applied,
    after,
  };
}

/**
 * What a refused refund means. Midtrans answers 412 to a refund it will not do: the payment
 * method cannot be refunded through its API (bank transfers, some e-wallets), or refunds are not
 * activated for the account (docs/midtrans.md#refunds); an amount above what Midtrans still holds
 * is a 412 too, with its own message. No answer at all is a `gateway_error` (retryable).
 */
export function refundGatewayError(err: unknown): DomainError {
  if (err instanceof MidtransGatewayError && err.httpStatus === 412) {
    const details = { midtrans_status: 412, midtrans_messages: err.midtransMessages };
    if (err.midtransMessages.some((m) => /exceed/i.test(m))) {
      return new DomainError("refund_amount_exceeds_remaining", "Midtrans says the amount exceeds what is left to refund", { amount: "exceeds the remaining amount" }, details);
    }
    return new DomainError(
      "refund_not_supported",
      "Midtrans cannot refund this payment through its API (412): the payment method (e.g. bank transfer / virtual account) does not support refunds, or refunds are not activated for the account. Refund the buyer another way.",
      undefined,
      details,
    );
  }
  return gatewayDomainError(err, "Midtrans refused the refund");
}

// ---- the merchant refund API: POST /api/platform/shop-payment/refund (docs/api.md) --------

/** The refund API's JSON body (the Idempotency-Key header is validated by the transport). */
export const merchantRefundInput = z.object({
  client_id: z.string({ error: "client_id is required" }).min(1, "client_id is required").max(200),
  client_secret: z.string({ error: "client_secret is required" }).min(1, "client_secret is required").max(200),
  order_id: orderIdSchema,
  amount: z
    .number({ error: "amount must be an integer number of rupiah" })
    .int("amount must be a whole number of rupiah")
    .positive("amount must be positive")
    .max(MAX_AMOUNT_IDR, `amount must be at most ${MAX_AMOUNT_IDR}`)
    .nullish()
    .transform((v) => v ?? null),
  reason: z
    .string({ error: "reason must be a string" })
    .trim()
    .max(255, "reason must be at most 255 characters")
    .nullish()
    .transform((v) => (v ? v : null)),
});
export type MerchantRefundInput = z.output<typeof merchantRefundInput>;

/** The refund API's answer (also what an Idempotency-Key replay returns, read back from storage). */
export const merchantRefundResult = z.object({
  refund_id: z.string(),
  order_id: z.string(),
  purchase_id: z.string(),
  currency: z.string(),
  /** This refund. */
  refund_amount: z.number(),
  /** Every refund of the payment so far, this one included. */
  refunded_total: z.number(),
  remaining_amount: z.number(),
  /** Nothing is left to refund. */
  full: z.boolean(),
  /** The refund: Midtrans accepted it. */
  status: z.literal("succeeded"),
  /** The payment's public status after it (`refund`, partial or full). */
  payment_status: z.enum(publicStatuses),
  reason: z.string().nullable(),
});
export type MerchantRefundResult = z.output<typeof merchantRefundResult>;

/** What makes two requests with one Idempotency-Key "the same request" (the credential is the scope). */
const requestHashOf = (i: MerchantRefundInput) =>
  createHash("sha256").update(JSON.stringify([i.order_id, i.amount, i.reason])).digest("hex");

/** Midtrans's refund_key for an API refund: derived from the key, so a retried call is Midtrans's replay. */
const midtransRefundKeyOf = (purchaseId: string, idempotencyKey: string) =>
  `rfk-${createHash("sha256").update(`${purchaseId}\n${idempotencyKey}`).digest("hex").slice(0, 32)}`;

/**
 * Refunds a payment of the credential's own project and environment, in full or in part, once
 * per Idempotency-Key: the same key and body answer the stored result; another body under the
 * key is `idempotency_key_reused`. The amount is reserved (a `processing` refunds row, under the
 * purchase's row lock) before Midtrans is called, so concurrent refunds never exceed the payment.
 * The status then moves through the same path as a console refund (`executeRefund`).
 */
export async function refundForMerchant(
  ctx: PlatformContext,
  credential: CredentialRow,
  input: MerchantRefundInput,
  idempotencyKey: string,
): Promise<{ replayed: boolean; result: MerchantRefundResult }> {
  const scope = { projectId: credential.project_id, environment: credential.environment };
  const requestHash = requestHashOf(input);
  const replay = (row: rq.RefundRow) => {
    if (row.request_hash !== requestHash) {
      throw new DomainError("idempotency_key_reused", "This Idempotency-Key was used for a different refund request");
    }
    if (row.status !== "succeeded" || !row.response) {
      throw new DomainError("request_in_progress", "A refund with this Idempotency-Key is still being processed; retry in a few seconds");
    }
    return { replayed: true, result: merchantRefundResult.parse(row.response) };
  };
  const previous = await rq.findRefundByIdempotencyKey(ctx.sql, scope, idempotencyKey);
  if (previous) return replay(previous);

  const reserved = await ctx.sql.begin(async (tx) => {
    const p = await rq.lockPurchaseForRefund(tx, scope, input.order_id);
    if (!p || publicStatusOf(p.status) === null) throw new DomainError("not_found", "No payment with this order_id");
    if (!canRefund(p)) {
      if (p.status === "refund" && p.refunded_amount >= p.amount) {
        throw new DomainError("already_fully_refunded", "This payment has already been refunded in full");
      }
      if (p.status === "refund") throw new DomainError("invalid_state", `This payment cannot be refunded (Midtrans status ${p.midtrans_status ?? "unknown"})`);
      throw new DomainError("payment_not_paid", `Only paid payments can be refunded (this one is ${publicStatusOf(p.status)})`);
    }
    const remaining = refundableAmount(p) - (await rq.processingRefundTotal(tx, p.id));
    const amount = input.amount ?? remaining;
    if (remaining <= 0 || amount > remaining) {
      throw new DomainError(
        "refund_amount_exceeds_remaining",
        `At most ${Math.max(remaining, 0)} can be refunded${remaining < refundableAmount(p) ? " (another refund is under way)" : ""}`,
        { amount: `at most ${Math.max(remaining, 0)}` },
        { remaining_amount: Math.max(remaining, 0) },
      );
    }
    const row = await rq.insertProcessingRefund(tx, {
      id: newId("rfd"),
      purchase_id: p.id,
      project_id: p.project_id,
      environment: p.environment,
      source: "api",
      idempotency_key: idempotencyKey,
      request_hash: requestHash,
      amount,
      reason: input.reason,
      midtrans_refund_key: midtransRefundKeyOf(p.id, idempotencyKey),
    });
    return row ? { purchase: p, row } : null;
  });
  if (!reserved) {
    // Another request with this key got there first (between the lookup and the insert).
    const winner = await rq.findRefundByIdempotencyKey(ctx.sql, scope, idempotencyKey);
    if (winner) return replay(winner);
    throw new DomainError("request_in_progress", "Please retry");
  }

  const { purchase, row } = reserved;
  const out = await executeRefund(ctx, {
    purchase,
    amount: row.amount,
    reason: input.reason ?? "",
    refundKey: row.midtrans_refund_key,
    refundRowId: row.id,
  });
  // Get Status's total when it answered (every refund so far), else ours.
  const refundedTotal = Math.max(out.after.refunded_amount, purchase.refunded_amount + row.amount);
  const remaining = Math.max(purchase.amount - refundedTotal, 0);
  const result: MerchantRefundResult = {
    refund_id: row.id,
    order_id: purchase.order_id,
    purchase_id: purchase.id,
    currency: purchase.currency,
    refund_amount: row.amount,
    refunded_total: refundedTotal,
    remaining_amount: remaining,
    full: remaining === 0,
    status: "succeeded",
    payment_status: publicStatusOf(out.after.status) ?? "refund",
    reason: input.reason,
  };
  await rq.completeRefund(ctx.sql, row.id, { ...result });
  return { replayed: false, result };
}
