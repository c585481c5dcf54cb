/**
 * The payment page's timeline: what happened to one payment, in order, worded for the
 * console. A pure function of the payment detail the server returns (facts only), so the
 * words live here, next to the page, and are unit-tested without a database.
 */
import { formatRupiah, formatWIB } from "./format";

export type TimelineKind = "created" | "snap" | "notification" | "status" | "webhook_event" | "webhook_attempt" | "admin";

export interface TimelineEntry {
  /** Unique within one timeline (a React key). */
  key: string;
  at: string;
  kind: TimelineKind;
  title: string;
  detail: string | null;
  /** true: went well; false: went wrong; null: neutral. */
  ok: boolean | null;
}

/** The label of each kind of entry. */
export const timelineKindLabels: Record<TimelineKind, string> = {
  created: "Created",
  snap: "Snap",
  notification: "Notification",
  status: "Status",
  webhook_event: "Webhook",
  webhook_attempt: "Webhook attempt",
  admin: "Admin",
};

/** What the timeline reads of a payment detail (the tRPC `payments.detail` answer, as JSON or not). */
export interface TimelineInput {
  payment: {
    created_at: string;
    updated_at: string;
    amount: number;
    currency: string;
    environment: string;
    order_id: string;
    buyer_email: string;
    invoice_url: string | null;
    snap_token: string | null;
    snap_expires_at: string | null;
    create_error: string | null;
  };
  history: {
    id: number;
    created_at: string;
    source: string;
    from_status: string | null;
    to_status: string;
    midtrans_status: string | null;
    fraud_status: string | null;
    notification_id: number | null;
  }[];
  notifications: { id: number; received_at: string; transaction_status: string | null; outcome: string; signature_valid: boolean | null; detail: string | null }[];
  webhookEvents: {
    id: string;
    created_at: string;
    event_type: string;
    status: string;
    last_error: string | null;
    attempts: { id: number; started_at: string; attempt_number: number; trigger: string; response_status: number | null; error: string | null; duration_ms: number | null; response_body: string | null }[];
  }[];
  audit: { id: number; created_at: string; action: string; admin_email: string | null; details: { [key: string]: unknown } }[];
}

const amountText = (amount: number, currency: string) => (currency === "IDR" ? formatRupiah(amount) : `${amount} ${currency}`);
const joined = (parts: (string | number | false | null | undefined)[]) => parts.filter(Boolean).join(" · ") || null;

/** Every event of the payment (creation, Snap, notifications, status moves, webhooks, admin actions), oldest first. */
export function buildTimeline(d: TimelineInput): TimelineEntry[] {
  const t: TimelineEntry[] = [];
  const p = d.payment;
  t.push({
    key: "created",
    at: p.created_at,
    kind: "created",
    title: `Payment created: ${amountText(p.amount, p.currency)}, ${p.environment}`,
    detail: `order_id ${p.order_id} · buyer ${p.buyer_email}`,
    ok: null,
  });
  for (const h of d.history) {
    if (h.source === "create") {
      t.push({
        key: `history-${h.id}`,
        at: h.created_at,
        kind: "snap",
        title: h.to_status === "pending" ? "Snap transaction created" : `Snap call: ${h.to_status}`,
        detail: joined([p.invoice_url && `invoice_url ${p.invoice_url}`, p.snap_token && `token ${p.snap_token}`, p.snap_expires_at && `expires ${formatWIB(p.snap_expires_at)}`]),
        ok: true,
      });
    } else {
      t.push({
        key: `history-${h.id}`,
        at: h.created_at,
        kind: "status",
        title: `Status ${h.from_status ?? "—"} → ${h.to_status} (${h.source})`,
        detail: joined([h.midtrans_status && `Midtrans ${h.midtrans_status}`, h.fraud_status && `fraud ${h.fraud_status}`, h.notification_id && `notification #${h.notification_id}`]),
        ok: null,
      });
    }
  }
  if (p.create_error) t.push({ key: "create-error", at: p.updated_at, kind: "snap", title: "Snap call failed", detail: p.create_error, ok: false });
  for (const n of d.notifications) {
    t.push({
      key: `notification-${n.id}`,
      at: n.received_at,
      kind: "notification",
      title: `Midtrans notification: ${n.transaction_status ?? "?"} — ${n.outcome}`,
      detail: `signature ${n.signature_valid === null ? "not checked" : n.signature_valid ? "valid" : "INVALID"}${n.detail ? ` · ${n.detail}` : ""}`,
      ok: n.outcome === "applied" || n.outcome === "duplicate" ? true : n.outcome === "rejected" || n.outcome === "error" ? false : null,
    });
  }
  for (const e of d.webhookEvents) {
    t.push({ key: `event-${e.id}`, at: e.created_at, kind: "webhook_event", title: `Webhook ${e.event_type} queued (now ${e.status})`, detail: e.last_error, ok: e.status === "delivered" ? true : e.status === "failed" ? false : null });
    for (const a of e.attempts) {
      t.push({
        key: `attempt-${a.id}`,
        at: a.started_at,
        kind: "webhook_attempt",
        title: `Webhook attempt ${a.attempt_number} (${a.trigger}): ${a.response_status ?? "no answer"}`,
        detail: joined([a.error, a.duration_ms !== null && `${a.duration_ms} ms`, a.response_body && `body: ${a.response_body.slice(0, 200)}`]),
        ok: a.response_status !== null && a.response_status >= 200 && a.response_status < 300,
      });
    }
  }
  for (const a of d.audit) {
    t.push({ key: `audit-${a.id}`, at: a.created_at, kind: "admin", title: `${a.action} by ${a.admin_email ?? "system"}`, detail: summarize(a.details), ok: null });
  }
  return t.sort((a, b) => a.at.localeCompare(b.at));
}

/** The simple (non-object) details of an admin action, as "key: value · …". */
function summarize(details: { [key: string]: unknown }): string | null {
  const entries = Object.entries(details).filter(([, v]) => v !== null && v !== undefined && typeof v !== "object");
  return entries.length ? entries.map(([k, v]) => `${k}: ${String(v)}`).join(" · ").slice(0, 300) : null;
}
