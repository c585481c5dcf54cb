/**
 * The purchase lifecycle: the ONE definition of a purchase's statuses, how it moves between
 * them, and the questions everything else asks (is it still open? may it be refunded? what do
 * merchants see?). The notification handler, reconcile, the sweep, refunds, the console and
 * the callback page read these; SQL receives status lists derived from here as parameters.
 *
 * Midtrans's own raw transaction_status and its transition table live in `./status`
 * (docs/midtrans.md); this module maps them onto the purchase.
 */
import type { MidtransStatus } from "./status";

export type { MidtransStatus } from "./status";
export { isMidtransStatus, midtransStatuses } from "./status";

/** Stored status of a purchase: the public five plus the two states around the Snap call. */
export const purchaseStatuses = ["creating", "create_failed", "pending", "settlement", "cancel", "expire", "refund"] as const;
export type PurchaseStatus = (typeof purchaseStatuses)[number];

/** What merchants see (verify endpoint, callback page, webhooks): docs/api.md. */
export const publicStatuses = ["pending", "settlement", "cancel", "expire", "refund"] as const;
export type PublicStatus = (typeof publicStatuses)[number];

export const isPurchaseStatus = (s: unknown): s is PurchaseStatus =>
  typeof s === "string" && (purchaseStatuses as readonly string[]).includes(s);

/** Statuses of a purchase that may still be paid: the Snap call is under way or the buyer has not paid yet. */
export const openStatuses: readonly PurchaseStatus[] = ["creating", "pending"];

/**
 * An open payment created longer ago than this is stale: the reconcile sweep asks Midtrans about
 * it (sweep.ts) and the console's dashboard lists it under "needs attention".
 */
export const STALE_PENDING_AFTER_MS = 10 * 60_000;

/** May this purchase still be paid (reconcile, the sweep and expiry look only at these)? */
export function isOpen(status: PurchaseStatus): boolean {
  return openStatuses.includes(status);
}

/**
 * No further move is possible: the Snap call failed, or Midtrans cancelled/expired the payment.
 * One exception, decided in `./status` (`decideTransition`): an `expire` Astapa made itself (the
 * Snap page lapsed unused) still accepts a payment Midtrans reports afterwards (money arrived;
 * flagged for operators: docs/api.md#lifecycle-events).
 */
export function isTerminal(status: PurchaseStatus): boolean {
  return status === "create_failed" || status === "cancel" || status === "expire";
}

/** The public face of a stored status: the two creation states are not payments yet. */
export function publicStatusOf(status: PurchaseStatus): PublicStatus | null {
  if (status === "create_failed") return null;
  if (status === "creating") return "pending";
  return status;
}

/**
 * The purchase status a raw Midtrans status means. Paid = settlement, or capture with
 * fraud_status accept (docs/midtrans.md).
 */
export function purchaseStatusFromMidtrans(raw: MidtransStatus, fraudStatus?: string | null): PublicStatus {
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

/** Former name of `purchaseStatusFromMidtrans`. */
export const toPublicStatus = purchaseStatusFromMidtrans;

/** The fields the refundability rule reads. */
export interface RefundablePurchase {
  status: PurchaseStatus;
  midtrans_status: string | null;
  amount: number;
  refunded_amount: number;
}

/**
 * May the console refund this purchase? A settled payment, or one already partially refunded,
 * with something left to refund.
 */
export function canRefund(p: RefundablePurchase): boolean {
  const partiallyRefunded = p.status === "refund" && p.midtrans_status === "partial_refund";
  return (p.status === "settlement" || partiallyRefunded) && p.amount - p.refunded_amount > 0;
}

/** What may still be refunded (0 when the purchase is not refundable). */
export function refundableAmount(p: RefundablePurchase): number {
  return canRefund(p) ? p.amount - p.refunded_amount : 0;
}

/**
 * Where a purchase status change comes from (purchase_status_history.source): the Snap call,
 * a Midtrans notification, a console/reconcile Get Status, the automatic sweep, or a console refund.
 */
export type HistorySource = "create" | "notification" | "reconcile" | "sweep" | "refund";

/** A purchase is created in this status, before the Snap call. */
export const initialStatus: PurchaseStatus = "creating";

/**
 * Purchase moves that do not come from a Midtrans status (those are decided by the raw table in
 * `./status` and mapped with `purchaseStatusFromMidtrans`): the Snap call's outcome, a retried
 * creation, and the expiry of an open payment whose Snap page lapsed unused.
 */
export const localTransitions = {
  snapCreated: { from: ["creating"], to: "pending" },
  snapFailed: { from: ["creating"], to: "create_failed" },
  /** A failed (or stuck) creation is retried in place. */
  createRetried: { from: ["create_failed", "creating"], to: "creating" },
  /** Astapa's own expiry (recorded as `purchases.expired_by_astapa`); sends `payment.expired` like Midtrans's. */
  expiredUnused: { from: openStatuses, to: "expire" },
} as const satisfies Record<string, { from: readonly PurchaseStatus[]; to: PurchaseStatus }>;

export type LocalTransition = keyof typeof localTransitions;

/** May `kind` move a purchase that is in `status` now? */
export function canMove(kind: LocalTransition, status: PurchaseStatus): boolean {
  return (localTransitions[kind].from as readonly PurchaseStatus[]).includes(status);
}

/** A payment attempt (counted by the dashboard's settlement rate): anything but a failed creation. */
export const isPaymentAttempt = (status: PurchaseStatus): boolean => publicStatusOf(status) !== null;
