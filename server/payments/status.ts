/**
 * Payment status: a closed union with explicit transitions, driven by Midtrans's raw
 * transaction_status. The public status (the seed API's five values) is derived.
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

/** What merchants see (verify endpoint, callback page). */
export type PublicStatus = "pending" | "settlement" | "cancel" | "expire" | "refund";

/** Stored status of a purchase: the public five plus the two states around the Snap call. */
export type PurchaseStatus = PublicStatus | "creating" | "create_failed";

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

export function isFinal(status: MidtransStatus): boolean {
  return transitions[status].length === 0;
}

export interface RawState {
  status: MidtransStatus;
  fraudStatus?: string | null;
  refundedAmount?: number;
}

export type TransitionDecision =
  | { kind: "apply" }
  | { kind: "duplicate" }
  | { kind: "stale"; reason: string };

/** Decide whether `next` (what Midtrans says now) may replace `current` (what we stored). */
export function decideTransition(current: RawState | null, next: RawState): TransitionDecision {
  if (!current) return { kind: "apply" };
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

/** Paid = settlement, or capture with fraud_status accept (midtrans-facts). */
export function toPublicStatus(raw: MidtransStatus, fraudStatus?: string | null): PublicStatus {
  switch (raw) {
    case "settlement":
      return "settlement";
    case "capture":
      if (fraudStatus === "accept") return "settlement";
      if (fraudStatus === "deny") return "cancel";
      return "pending"; // challenge: under review
    case "deny":
    case "cancel":
    case "failure":
      return "cancel";
    case "expire":
      return "expire";
    case "refund":
    case "partial_refund":
    case "chargeback":
    case "partial_chargeback":
      return "refund";
    case "pending":
    case "authorize":
      return "pending";
  }
}

/** The public face of a stored status: the two creation states are not payments yet. */
export function publicStatusOf(status: PurchaseStatus): PublicStatus | null {
  if (status === "create_failed") return null;
  if (status === "creating") return "pending";
  return status;
}
