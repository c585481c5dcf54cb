import { DomainError } from "../lib/errors";
import { canRefund, refundableAmount, type HistorySource, type MidtransStatus, type PurchaseStatus } from "../payments/lifecycle";
import { midtransOrderIdOf } from "../payments/order-id";
import { findExpiryFlags } from "../payments/lifecycle-events.queries";
import { findPurchaseDetail, listPurchaseNotifications, listStatusHistory } from "../payments/payment-detail.queries";
import { toPaymentListItem, type PaymentListItem } from "../payments/payment-list.service";
import type { PlatformContext } from "../platform/context";
import { findEndpoint } from "../webhooks/endpoints.queries";
import { listPurchaseWebhookEvents, listWebhookAttempts } from "../webhooks/purchase-deliveries.queries";
import { listAudit, type AuditEntry } from "./audit.service";
import { toWebhookAttemptView, type WebhookAttemptView } from "./webhooks-admin.service";

/**
 * Everything the console shows about one payment. Facts only: the page words them
 * (app/lib/admin/timeline.ts builds the timeline from these).
 */
export interface PaymentDetail {
  payment: PaymentListItem & {
    metadata: Record<string, unknown>;
    item_id: string;
    fraud_status: string | null;
    midtrans_transaction_id: string | null;
    /** The order id Midtrans knows the payment by (differs from order_id after a retried create). */
    midtrans_order_id: string;
    snap_token: string | null;
    invoice_url: string | null;
    snap_expires_at: string | null;
    create_error: string | null;
    reconcile_checked_at: string | null;
    /** The payment's `expire` was Astapa's own (its Snap page lapsed unused), not Midtrans's. */
    expired_by_astapa: boolean;
    /** Midtrans reported the payment paid after Astapa had expired it: money arrived, operators should look (docs/api.md, "Webhooks"). */
    settled_after_expiry_at: string | null;
  };
  /** `webhook_url`: the URL of the project's endpoint for the payment's environment (where its webhooks go). */
  project: { id: string; name: string; webhook_url: string | null };
  history: {
    id: number;
    from_status: PurchaseStatus | null;
    to_status: PurchaseStatus;
    midtrans_status: MidtransStatus | null;
    fraud_status: string | null;
    source: HistorySource;
    notification_id: number | null;
    created_at: string;
  }[];
  notifications: {
    id: number;
    received_at: string;
    transaction_status: string | null;
    status_code: string | null;
    raw_body: string;
    remote_addr: string | null;
    signature_valid: boolean | null;
    outcome: string;
    detail: string | null;
  }[];
  webhookEvents: {
    id: string;
    event_type: string;
    status: string;
    attempt_count: number;
    next_attempt_at: string | null;
    last_error: string | null;
    created_at: string;
    delivered_at: string | null;
    payload: Record<string, unknown>;
    attempts: (WebhookAttemptView & { id: number })[];
  }[];
  audit: AuditEntry[];
  /** What the console may offer (refundability: the purchase lifecycle's rule). */
  actions: {
    canRefund: boolean;
    refundable: number;
    canResendWebhook: boolean;
    /** The event "Resend webhook" sends by default: the payment's most recent one. */
    latestEventType: string | null;
  };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Everything about one payment, by purchase_id or order_id. */
export async function getPaymentDetail(ctx: PlatformContext, ref: { id: string } | { orderId: string }): Promise<PaymentDetail> {
  const sql = ctx.sql;
  const p = await findPurchaseDetail(sql, ref);
  if (!p) throw new DomainError("not_found", "No such payment");

  const history = await listStatusHistory(sql, p.id);
  const notifications = await listPurchaseNotifications(sql, p.id);
  const events = await listPurchaseWebhookEvents(sql, p.id);
  const attempts = await listWebhookAttempts(sql, events.map((e) => e.id));
  const audit = (await listAudit(sql, { targetId: p.id, limit: 100 })).items;
  const webhookUrl = (await findEndpoint(sql, p.project_id, p.environment))?.url ?? null;
  const flags = await findExpiryFlags(sql, p.id);

  return {
    payment: {
      ...toPaymentListItem(p),
      metadata: p.metadata,
      item_id: p.item_id,
      fraud_status: p.fraud_status,
      midtrans_transaction_id: p.midtrans_transaction_id,
      midtrans_order_id: midtransOrderIdOf(p),
      snap_token: p.snap_token,
      invoice_url: p.invoice_url,
      snap_expires_at: iso(p.snap_expires_at),
      create_error: p.create_error,
      reconcile_checked_at: iso(p.reconcile_checked_at),
      expired_by_astapa: flags?.expired_by_astapa ?? false,
      settled_after_expiry_at: iso(flags?.settled_after_expiry_at),
    },
    project: { id: p.project_id, name: p.project_name, webhook_url: webhookUrl },
    history: history.map((h) => ({
      id: Number(h.id),
      from_status: h.from_status,
      to_status: h.to_status,
      midtrans_status: h.midtrans_status,
      fraud_status: h.fraud_status,
      source: h.source,
      notification_id: h.notification_id === null ? null : Number(h.notification_id),
      created_at: h.created_at.toISOString(),
    })),
    notifications: notifications.map((n) => ({
      id: Number(n.id),
      received_at: n.received_at.toISOString(),
      transaction_status: n.transaction_status,
      status_code: n.status_code,
      raw_body: n.raw_body,
      remote_addr: n.remote_addr,
      signature_valid: n.signature_valid,
      outcome: n.outcome,
      detail: n.detail,
    })),
    webhookEvents: events.map((e) => ({
      id: e.id,
      event_type: e.event_type,
      status: e.status,
      attempt_count: e.attempt_count,
      next_attempt_at: iso(e.next_attempt_at),
      last_error: e.last_error,
      created_at: e.created_at.toISOString(),
      delivered_at: iso(e.delivered_at),
      payload: e.payload,
      attempts: attempts.filter((a) => a.event_id === e.id).map((a) => ({ id: Number(a.id), ...toWebhookAttemptView(a) })),
    })),
    audit,
    actions: {
      canRefund: canRefund(p),
      refundable: refundableAmount(p),
      canResendWebhook: events.length > 0 && Boolean(webhookUrl),
      latestEventType: events.at(-1)?.event_type ?? null,
    },
  };
}
