import { withCustomPlans } from "../db/connect";
import { DomainError } from "../lib/errors";
import { MidtransGatewayError } from "../midtrans/gateway";
import type { MidtransTransaction } from "../midtrans/midtrans.schema";
import { applyMidtransTransaction } from "./apply-status";
import { findPurchaseById, lockPurchaseById } from "./payments.queries";
import type { PlatformContext } from "../platform/context";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { midtransOrderIdOf } from "./order-id";
import { canMove, isOpen, localTransitions, type MidtransStatus, type PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import { applyPurchaseTransitionWithEvents } from "./transition";
import { countOpenCreatedBeforeQuery, markReconcileChecked, openCreatedBeforeQuery } from "./reconcile.queries";

/** What a payment looked like before and after a reconcile: the console shows the difference. */
export interface PaymentSnapshot {
  status: PurchaseStatus;
  midtrans_status: MidtransStatus | null;
  fraud_status: string | null;
  refunded_amount: number;
  paid_at: string | null;
}

export type ReconcileOutcome =
  /** Midtrans's answer moved the payment (through the state machine). */
  | "applied"
  /** Midtrans says what we already have. */
  | "unchanged"
  /** Midtrans's answer was not applied (stale transition, amount mismatch…): see `reason`. */
  | "ignored"
  /** Midtrans does not know the order and its Snap page expired unused: marked `expire`. */
  | "expired"
  /** Midtrans does not know the order (yet): the buyer has not chosen a payment method. */
  | "not_found";

export interface ReconcileResult {
  purchaseId: string;
  orderId: string;
  outcome: ReconcileOutcome;
  changed: boolean;
  reason: string | null;
  before: PaymentSnapshot;
  after: PaymentSnapshot;
  /** Midtrans's Get Status answer (null on 404). */
  midtrans: Record<string, unknown> | null;
  webhookEventWritten: boolean;
}

const snapshot = (p: PurchaseRow): PaymentSnapshot => ({
  status: p.status,
  midtrans_status: p.midtrans_status,
  fraud_status: p.fraud_status,
  refunded_amount: p.refunded_amount,
  paid_at: p.paid_at?.toISOString() ?? null,
});

/** Snap pages live 24 h; a `creating` row without a recorded expiry is given the same from its creation. */
const SNAP_LIFETIME_MS = 24 * 3600_000;
export const snapDeadline = (p: Pick<PurchaseRow, "snap_expires_at" | "created_at">): Date =>
  p.snap_expires_at ?? new Date(p.created_at.getTime() + SNAP_LIFETIME_MS);

/**
 * A payment whose Snap page expired unused (Midtrans answers 404 to Get Status and sends no
 * notification then): status `expire`, raw status `expire`, and its history row, in one
 * transaction (the lifecycle's `expiredUnused` move). Only from an open status without any
 * Midtrans transaction. True when changed.
 */
export async function expireUnusedPayment(ctx: PlatformContext, purchaseId: string, source: "sweep" | "reconcile"): Promise<boolean> {
  const outcome = await ctx.sql.begin(async (tx) => {
    const p = await lockPurchaseById(tx, purchaseId);
    if (!p || !canMove("expiredUnused", p.status) || p.midtrans_status !== null) return { changed: false, eventsWritten: 0 };
    if (snapDeadline(p).getTime() >= ctx.now().getTime()) return { changed: false, eventsWritten: 0 };
    // Midtrans never saw it: its raw status is recorded as Midtrans would report an expired page.
    const { eventsWritten } = await applyPurchaseTransitionWithEvents(
      tx,
      p,
      { status: localTransitions.expiredUnused.to, midtrans_status: "expire" },
      { source, now: ctx.now() },
    );
    return { changed: true, eventsWritten };
  });
  // payment.expired was committed: wake the in-process webhook worker now rather than at its next poll.
  if (outcome.eventsWritten > 0) ctx.onWebhookEventsWritten();
  return outcome.changed;
}

/** Turns a gateway failure into the domain error the console shows. */
export function gatewayDomainError(err: unknown, what: string): DomainError {
  if (err instanceof MidtransGatewayError) {
    return new DomainError("gateway_error", `${what}: ${err.message}`, undefined, {
      midtrans_status: err.httpStatus,
      midtrans_messages: err.midtransMessages,
      retryable: err.retryable,
    });
  }
  return new DomainError("gateway_error", `${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Asks Midtrans for the payment's status (Get Status) and applies the answer through the
 * state machine (`applyMidtransTransaction`, which writes the webhook outbox event on a first
 * settlement). No transaction is open during the HTTP call. A 404 for a payment whose Snap
 * page has expired marks it `expire`. Gateway failures throw a `gateway_error` DomainError.
 */
export async function reconcilePurchase(
  ctx: PlatformContext,
  purchaseId: string,
  source: "reconcile" | "sweep" = "reconcile",
): Promise<ReconcileResult> {
  const before = await findPurchaseById(ctx.sql, purchaseId);
  if (!before) throw new DomainError("not_found", "No such payment");
  let t: MidtransTransaction | null;
  try {
    t = await ctx.gateway.getStatus(before.environment, midtransOrderIdOf(before));
  } catch (err) {
    await markReconcileChecked(ctx.sql, purchaseId, ctx.now());
    throw gatewayDomainError(err, "Midtrans Get Status failed");
  }
  let outcome: ReconcileOutcome;
  let reason: string | null = null;
  let webhookEventWritten = false;
  if (t) {
    const applied = await applyMidtransTransaction(ctx, purchaseId, t, { source });
    if (applied.outcome === "applied") {
      outcome = "applied";
      webhookEventWritten = applied.eventWritten;
    } else if (applied.outcome === "duplicate") {
      outcome = "unchanged";
    } else {
      outcome = "ignored";
      reason = applied.reason;
    }
  } else if (await expireUnusedPayment(ctx, purchaseId, source)) {
    outcome = "expired";
    reason = "Midtrans does not know the order and its Snap page expired unused";
  } else {
    outcome = "not_found";
    reason =
      isOpen(before.status)
        ? `Midtrans does not know the order yet (no payment method chosen); the Snap page expires ${snapDeadline(before).toISOString()}`
        : "Midtrans does not know the order";
  }
  await markReconcileChecked(ctx.sql, purchaseId, ctx.now());
  const after = await findPurchaseById(ctx.sql, purchaseId);
  if (!after) throw new DomainError("not_found", "No such payment");
  const b = snapshot(before);
  const a = snapshot(after);
  return {
    purchaseId,
    orderId: before.order_id,
    outcome,
    changed: JSON.stringify(a) !== JSON.stringify(b),
    reason,
    before: b,
    after: a,
    midtrans: t ? { ...t } : null,
    webhookEventWritten,
  };
}

// ---- bulk: every pending payment older than N minutes, batch by batch -----------------

export interface BulkReconcileItem {
  purchaseId: string;
  orderId: string;
  outcome: ReconcileOutcome | "failed";
  changed: boolean;
  from: PurchaseStatus;
  to: PurchaseStatus;
  error?: string;
}

export interface BulkReconcileBatch {
  checked: number;
  changed: number;
  failed: number;
  items: BulkReconcileItem[];
  /** Pass back to get the next batch; null when done. */
  nextCursor: string | null;
  done: boolean;
}


const stalePendingCutoff = (ctx: PlatformContext, olderThanMinutes: number) => new Date(ctx.now().getTime() - olderThanMinutes * 60_000);

/** How many payments a bulk reconcile would check (for its progress bar). */
export async function countStalePending(ctx: PlatformContext, olderThanMinutes: number): Promise<number> {
  const [row] = await withCustomPlans(ctx.sql, (db) => countOpenCreatedBeforeQuery(db, stalePendingCutoff(ctx, olderThanMinutes)));
  return row.n;
}

/**
 * One batch of the bulk reconcile: the next `batchSize` open payments created more than
 * `olderThanMinutes` ago, oldest first (keyset on (created_at, id)), each reconciled on its
 * own. The caller (the console) calls again with `nextCursor` until `done`, showing progress.
 */
export async function reconcilePendingBatch(
  ctx: PlatformContext,
  opts: { olderThanMinutes: number; cursor?: string | null; batchSize?: number; source?: "reconcile" | "sweep" },
): Promise<BulkReconcileBatch> {
  const batchSize = Math.min(Math.max(opts.batchSize ?? 10, 1), 100);
  const after = opts.cursor ? decodeCursor(opts.cursor) : null;
  const cutoff = stalePendingCutoff(ctx, opts.olderThanMinutes);
  const rows = await withCustomPlans(ctx.sql, (db) => openCreatedBeforeQuery(db, { cutoff, after, limit: batchSize }));
  const items: BulkReconcileItem[] = [];
  for (const r of rows) {
    try {
      const res = await reconcilePurchase(ctx, r.id, opts.source ?? "reconcile");
      items.push({ purchaseId: r.id, orderId: r.order_id, outcome: res.outcome, changed: res.changed, from: res.before.status, to: res.after.status });
    } catch (err) {
      items.push({ purchaseId: r.id, orderId: r.order_id, outcome: "failed", changed: false, from: r.status, to: r.status, error: err instanceof Error ? err.message : String(err) });
    }
  }
  const last = rows[rows.length - 1];
  const done = rows.length < batchSize;
  return {
    checked: items.length,
    changed: items.filter((i) => i.changed).length,
    failed: items.filter((i) => i.outcome === "failed").length,
    items,
    nextCursor: done || !last ? null : encodeCursor(last.ts, last.id),
    done,
  };
}
