/**
 * Midtrans's raw transaction_status: a closed union with explicit transitions (how Midtrans
 * moves a transaction: docs/midtrans.md). The purchase's own statuses, and how a raw status
 * maps onto them, are in `./lifecycle`.
 */

export const midtransStatuses = [
  "pending",
  "authorize",
  "capture",
  "settlement",
  "deny",
  "cancel",
  "expire",
  "failure",
  "refund",
  "partial_refund",
  "chargeback",
  "partial_chargeback",
] as const;
export type MidtransStatus = (typeof midtransStatuses)[number];

export const isMidtransStatus = (s: unknown): s is MidtransStatus =>
  typeof s === "string" && (midtransStatuses as readonly string[]).includes(s);

/**
 * Allowed moves of the raw Midtrans status. Anything not listed (e.g. a late `pending`
 * after `settlement`, or `capture` after `settlement`) is ignored as stale.
 */
const transitions: Record<MidtransStatus, readonly MidtransStatus[]> = {
  pending: ["authorize", "capture", "settlement", "deny", "cancel", "expire", "failure"],
  authorize: ["capture", "settlement", "deny", "cancel", "expire", "failure"],
  capture: ["settlement", "deny", "cancel", "refund", "partial_refund", "chargeback", "partial_chargeback"],
  // settlement -> deny is a bank reversal shortly after payment.
  settlement: ["refund", "partial_refund", "chargeback", "partial_chargeback", "deny"],
  partial_refund: ["partial_refund", "refund", "chargeback", "partial_chargeback"],
  partial_chargeback: ["partial_chargeback", "chargeback", "refund", "partial_refund"],
  refund: [],
  chargeback: [],
  deny: [],
  cancel: [],
  expire: [],
  failure: [],
};

/** Statuses that can repeat with new content (another partial refund, a fraud review resolved). */
const repeatable: ReadonlySet<MidtransStatus> = new Set(["capture", "partial_refund", "partial_chargeback"]);

/** Midtrans will not move a transaction out of this status (not the callback page's `isFinal`). */
export function isFinalMidtransStatus(status: MidtransStatus): boolean {
  return transitions[status].length === 0;
}

export interface RawState {
  status: MidtransStatus;
  fraudStatus?: string | null;
  refundedAmount?: number;
  /**
   * The stored `expire` is Astapa's own (the Snap page lapsed unused; Midtrans never had a
   * transaction): Midtrans may still report a payment made meanwhile, and money that arrived is
   * recorded (docs/api.md, "Webhooks").
   */
  expiredByAstapa?: boolean;
}

/** What Midtrans may report after an expiry Astapa made: the buyer paid after all (settlement, or an accepted capture). */
const paidAfterAstapaExpiry = (next: RawState): boolean =>
  next.status === "settlement" || (next.status === "capture" && next.fraudStatus === "accept");

export type TransitionDecision =
  | { kind: "apply" }
  | { kind: "duplicate" }
  | { kind: "stale"; reason: string };

/** Decide whether `next` (what Midtrans says now) may replace `current` (what we stored). */
export function decideTransition(current: RawState | null, next: RawState): TransitionDecision {
  if (!current) return { kind: "apply" };
  // Refunds only add up: an older notification with a smaller refunded total is stale, not a change.
  if ((next.refundedAmount ?? 0) < (current.refundedAmount ?? 0) && current.status !== "expire") {
    return { kind: "stale", reason: `refunded total ${next.refundedAmount ?? 0} is below the stored ${current.refundedAmount ?? 0}` };
  }
  if (current.status === "expire" && current.expiredByAstapa && paidAfterAstapaExpiry(next)) {
    return { kind: "apply" };
  }
  if (current.status === next.status) {
    const changed =
      repeatable.has(next.status) &&
      ((next.fraudStatus ?? null) !== (current.fraudStatus ?? null) ||
        (next.refundedAmount ?? 0) !== (current.refundedAmount ?? 0));
    return changed ? { kind: "apply" } : { kind: "duplicate" };
  }
  if (transitions[current.status].includes(next.status)) return { kind: "apply" };
  return { kind: "stale", reason: `${current.status} -> ${next.status} is not an allowed transition` };
}
