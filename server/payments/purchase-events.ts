import { toIsoSeconds } from "../lib/time";
import { isOpen } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";

/** The `item.purchased` payload of docs/api.md; purchase_id and environment are compatible additions. */
export interface ItemPurchasedPayload {
  event: "item.purchased";
  order_id: string;
  item_id: string;
  item_name: string;
  buyer_email: string;
  /** "" when the merchant gave no name: docs/api.md types it as a string. */
  buyer_name: string;
  amount: number;
  currency: string;
  paid_at: string;
  metadata: Record<string, unknown>;
  purchase_id: string;
  environment: string;
}

export function itemPurchasedPayload(p: PurchaseRow, itemName: string, paidAt: Date): ItemPurchasedPayload {
  return {
    event: "item.purchased",
    order_id: p.order_id,
    item_id: p.item_id,
    item_name: itemName,
    buyer_email: p.buyer_email,
    buyer_name: p.buyer_name ?? "",
    amount: p.amount,
    currency: p.currency,
    paid_at: toIsoSeconds(paidAt),
    metadata: p.metadata,
    purchase_id: p.id,
    environment: p.environment,
  };
}

/** Every event a merchant's endpoint can receive (docs/api.md, "Webhooks"). */
export const merchantEventTypes = ["item.purchased", "payment.expired", "payment.failed", "payment.refunded", "payment.reversed"] as const;
export type MerchantEventType = (typeof merchantEventTypes)[number];

export const isMerchantEventType = (s: unknown): s is MerchantEventType =>
  typeof s === "string" && (merchantEventTypes as readonly string[]).includes(s);

/** The fields every lifecycle event (all but `item.purchased`, which keeps the seed's payload) carries. */
export interface LifecycleEventBase {
  order_id: string;
  purchase_id: string;
  environment: string;
  amount: number;
  currency: string;
  metadata: Record<string, unknown>;
  /** When the transition happened (UTC ISO 8601, seconds). */
  occurred_at: string;
}

export interface PaymentExpiredPayload extends LifecycleEventBase {
  event: "payment.expired";
  expired_at: string;
}

export type PaymentFailedReason = "denied" | "cancelled" | "failed";
export interface PaymentFailedPayload extends LifecycleEventBase {
  event: "payment.failed";
  reason: PaymentFailedReason;
  /** Midtrans's raw transaction_status (`deny`, `cancel`, `failure`, or `capture` with fraud_status deny). */
  midtrans_status: string;
}

export interface PaymentRefundedPayload extends LifecycleEventBase {
  event: "payment.refunded";
  refund_id: string;
  refund_amount: number;
  /** All refunds so far, this one included. */
  refunded_total: number;
  remaining_amount: number;
  full: boolean;
  reason: string | null;
}

/** `bank_reversal`: settlement turned into deny; `cancelled`: a captured card payment voided; `chargeback`: the buyer's bank took money back. */
export type PaymentReversedReason = "bank_reversal" | "cancelled" | "chargeback";
export interface PaymentReversedPayload extends LifecycleEventBase {
  event: "payment.reversed";
  reason: PaymentReversedReason;
  midtrans_status: string;
  /** What Midtrans counts as returned so far (refunds and chargebacks). */
  refunded_total: number;
}

export type LifecyclePayload = PaymentExpiredPayload | PaymentFailedPayload | PaymentRefundedPayload | PaymentReversedPayload;

/** The common fields, from the purchase row. */
export function lifecycleBase(p: PurchaseRow, occurredAt: Date): LifecycleEventBase {
  return {
    order_id: p.order_id,
    purchase_id: p.id,
    environment: p.environment,
    amount: p.amount,
    currency: p.currency,
    metadata: p.metadata,
    occurred_at: toIsoSeconds(occurredAt),
  };
}

/** A realistic example payload of each type (test events, docs). */
export function sampleEventPayload(type: MerchantEventType, environment: "sandbox" | "production"): Record<string, unknown> {
  const base = {
    order_id: "ORDER-1001",
    purchase_id: "pur_sample0000000000000000",
    environment,
    amount: 88000,
    currency: "IDR",
    metadata: { cart_id: "c_123" },
    occurred_at: "2026-01-15T03:04:05Z",
  };
  switch (type) {
    case "item.purchased":
      return {
        event: "item.purchased",
        order_id: base.order_id,
        item_id: "itm_sample",
        item_name: "Kopi Gayo 250 g",
        buyer_email: "budi@example.com",
        buyer_name: "Budi",
        amount: base.amount,
        currency: base.currency,
        paid_at: base.occurred_at,
        metadata: base.metadata,
        purchase_id: base.purchase_id,
        environment,
      };
    case "payment.expired":
      return { event: type, ...base, expired_at: base.occurred_at };
    case "payment.failed":
      return { event: type, ...base, reason: "denied", midtrans_status: "deny" };
    case "payment.refunded":
      return {
        event: type,
        ...base,
        refund_id: "rfnd_sample_1",
        refund_amount: 30000,
        refunded_total: 30000,
        remaining_amount: 58000,
        full: false,
        reason: "Barang rusak",
      };
    case "payment.reversed":
      return { event: type, ...base, reason: "chargeback", midtrans_status: "chargeback", refunded_total: 88000 };
  }
}

/** One refund as Midtrans lists it (Get Status `refunds[]`), or as a refund call answered it. */
export interface RefundEntry {
  /** refund_chargeback_id, else refund_key; null when Midtrans gave neither. */
  refund_id: string | null;
  amount: number;
  reason: string | null;
}

/** An event a transition produces, with the key that makes it happen at most once per payment. */
export interface PlannedEvent {
  event_type: Exclude<MerchantEventType, "item.purchased">;
  dedupe_key: string;
  payload: LifecyclePayload;
}

const failedReason = (raw: string | null): PaymentFailedReason =>
  raw === "cancel" ? "cancelled" : raw === "failure" ? "failed" : "denied";

/**
 * The lifecycle events of one move of a purchase from `before` to `after` (docs/api.md,
 * "Webhooks"). Pure: the caller writes them in the transaction of the move. Each refund is its
 * own `payment.refunded`, keyed by the refunded total after it (totals only grow), so a refund
 * reported by a notification, the console and the refund API is still one event.
 */
export function lifecycleEventsOf(
  before: PurchaseRow,
  after: PurchaseRow,
  o: { occurredAt: Date; refunds?: readonly RefundEntry[] | null },
): PlannedEvent[] {
  const base = lifecycleBase(after, o.occurredAt);
  const raw = after.midtrans_status ?? "";
  const out: PlannedEvent[] = [];
  if (after.status === "expire" && before.status !== "expire") {
    out.push({ event_type: "payment.expired", dedupe_key: "payment.expired", payload: { event: "payment.expired", ...base, expired_at: base.occurred_at } });
  }
  if (after.status === "cancel" && before.status !== "cancel") {
    if (isOpen(before.status) || !before.paid_at) {
      const reason = failedReason(raw);
      out.push({ event_type: "payment.failed", dedupe_key: "payment.failed", payload: { event: "payment.failed", ...base, reason, midtrans_status: raw } });
    } else {
      const reason: PaymentReversedReason = raw === "deny" ? "bank_reversal" : "cancelled";
      out.push({
        event_type: "payment.reversed",
        dedupe_key: `payment.reversed:${reason}`,
        payload: { event: "payment.reversed", ...base, reason, midtrans_status: raw, refunded_total: after.refunded_amount },
      });
    }
  }
  if (after.refunded_amount > before.refunded_amount) {
    if (raw === "chargeback" || raw === "partial_chargeback") {
      out.push({
        event_type: "payment.reversed",
        dedupe_key: `payment.reversed:chargeback:${after.refunded_amount}`,
        payload: { event: "payment.reversed", ...base, reason: "chargeback", midtrans_status: raw, refunded_total: after.refunded_amount },
      });
    } else {
      out.push(...refundEvents(before, after, base, o.refunds ?? null));
    }
  }
  return out;
}

/** One `payment.refunded` per refund beyond what `before` had, with running totals. */
function refundEvents(before: PurchaseRow, after: PurchaseRow, base: LifecycleEventBase, refunds: readonly RefundEntry[] | null): PlannedEvent[] {
  const listed = refunds && refunds.length > 0 && refunds.reduce((sum, r) => sum + r.amount, 0) === after.refunded_amount;
  // Without Midtrans's list (a refund call's own answer), the difference is one refund.
  const entries: readonly RefundEntry[] = listed
    ? refunds
    : [{ refund_id: refunds?.at(-1)?.refund_id ?? null, amount: after.refunded_amount - before.refunded_amount, reason: refunds?.at(-1)?.reason ?? null }];
  const out: PlannedEvent[] = [];
  let total = listed ? 0 : before.refunded_amount;
  for (const r of entries) {
    total += r.amount;
    if (total <= before.refunded_amount || r.amount <= 0) continue;
    const remaining = after.amount - total;
    out.push({
      event_type: "payment.refunded",
      dedupe_key: `payment.refunded:${total}`,
      payload: {
        event: "payment.refunded",
        ...base,
        refund_id: r.refund_id ?? `refund-${total}`,
        refund_amount: r.amount,
        refunded_total: total,
        remaining_amount: remaining,
        full: remaining <= 0,
        reason: r.reason,
      },
    });
  }
  return out;
}
