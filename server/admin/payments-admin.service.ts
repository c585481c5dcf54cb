import { z } from "zod";
import { reserveWithCustomPlans, withCustomPlans, type Db, type Sql } from "../db/connect";
import { DomainError } from "../lib/errors";
import { midtransStatuses, publicStatusOf, type PurchaseStatus } from "../payments/status";
import { isMidtransRetryOrderId, midtransOrderIdOf } from "../payments/order-id";
import type { PlatformContext } from "../platform/context";
import { listAudit, type AuditEntry } from "./audit.service";
import { decodeCursor, encodeCursor } from "../lib/cursor";

export const purchaseStatuses = ["creating", "create_failed", "pending", "settlement", "cancel", "expire", "refund"] as const;

const optionalText = (max: number) => z.string().trim().max(max).optional().transform((v) => (v ? v : undefined));
const jakartaDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");

/** The payment list's filters (also the CSV export's, from the query string). */
export const paymentFiltersSchema = z.object({
  projectId: optionalText(100),
  environment: z.enum(["sandbox", "production"]).optional(),
  status: z.enum(purchaseStatuses).optional(),
  midtransStatus: z.enum(midtransStatuses).optional(),
  /** Jakarta calendar days, inclusive. */
  createdFrom: jakartaDate.optional(),
  createdTo: jakartaDate.optional(),
  amountMin: z.number().int().min(0).max(1e12).optional(),
  amountMax: z.number().int().min(0).max(1e12).optional(),
  /** An order_id or purchase_id (exact), or a buyer e-mail (case-insensitive prefix). */
  q: optionalText(320),
});
export type PaymentFilters = z.infer<typeof paymentFiltersSchema>;

export const paymentListInput = paymentFiltersSchema.extend({
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type PaymentListInput = z.input<typeof paymentListInput>;

/** Filters from a URL's query string (the pages' forms and the CSV link); empty values are unset. */
export function filtersFromSearchParams(sp: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(paymentFiltersSchema.shape)) {
    const v = sp.get(key)?.trim();
    if (!v) continue;
    out[key] = key === "amountMin" || key === "amountMax" ? (/^\d+$/.test(v) ? Number(v) : v) : v;
  }
  return out;
}

export function parseFilters(input: unknown): PaymentFilters {
  const parsed = paymentFiltersSchema.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [i.path.join(".") || "filters", i.message]));
    throw new DomainError("validation_failed", `Invalid filter: ${Object.keys(fields).join(", ")}`, fields);
  }
  return parsed.data;
}

/** Midnight in Jakarta (UTC+7, no DST) of a YYYY-MM-DD day, as an instant. */
export function jakartaMidnight(day: string, plusDays = 0): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + plusDays, -7, 0, 0));
}

const PURCHASE_ID = /^pur_[a-z0-9]{8,40}$/;
// The largest code point: a string starting with `p` sorts (bytewise) before `p` + this.
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/**
 * SQL conditions for the filters. Each is satisfiable by one of the purchases indexes in
 * (created_at desc, id desc) order, so a page stops after LIMIT rows.
 */
function conditions(sql: Db, f: PaymentFilters) {
  const c = [];
  if (f.projectId) c.push(sql`p.project_id = ${f.projectId}`);
  if (f.environment) c.push(sql`p.environment = ${f.environment}`);
  if (f.status) c.push(sql`p.status = ${f.status}`);
  if (f.midtransStatus) c.push(sql`p.midtrans_status = ${f.midtransStatus}`);
  if (f.createdFrom) c.push(sql`p.created_at >= ${jakartaMidnight(f.createdFrom)}`);
  if (f.createdTo) c.push(sql`p.created_at < ${jakartaMidnight(f.createdTo, 1)}`);
  if (f.amountMin !== undefined) c.push(sql`p.amount >= ${f.amountMin}`);
  if (f.amountMax !== undefined) c.push(sql`p.amount <= ${f.amountMax}`);
  if (f.q) {
    const q = f.q;
    const email = q.toLowerCase();
    // Bytewise range = prefix match, usable by the text_pattern_ops index with bound parameters.
    const emailPrefix = sql`(lower(p.buyer_email) ~>=~ ${email} and lower(p.buyer_email) ~<~ ${email + MAX_CHAR})`;
    if (PURCHASE_ID.test(q)) c.push(sql`p.id = ${q}`);
    else if (q.includes("@")) c.push(emailPrefix);
    else if (isMidtransRetryOrderId(q)) c.push(sql`(p.order_id = ${q} or p.midtrans_order_id = ${q})`);
    else c.push(sql`(p.order_id = ${q} or ${emailPrefix})`);
  }
  return c;
}

function whereClause(sql: Db, parts: ReturnType<typeof conditions>) {
  return parts.reduce((acc, part) => sql`${acc} and ${part}`, sql`true`);
}

/**
 * The purchases matching the filters, as a subquery. A search (q) matches a handful of rows
 * through its own index, so it is fenced (OFFSET 0): found first, then sorted. Unfenced, the
 * planner may walk the created_at index newest-first hoping to meet 50 matches early; when the
 * buyer's few purchases are old that walk reads the whole table (377 ms at 1 M rows, from a
 * row estimate that depends on which rows ANALYZE happened to sample).
 */
function filteredPurchases(sql: Db, f: PaymentFilters, parts: ReturnType<typeof conditions>) {
  return sql`(select * from purchases p where ${whereClause(sql, parts)} ${f.q ? sql`offset 0` : sql``})`;
}

export interface PaymentListItem {
  id: string;
  order_id: string;
  project_id: string;
  project_name: string;
  environment: "sandbox" | "production";
  status: PurchaseStatus;
  public_status: string | null;
  midtrans_status: string | null;
  payment_type: string | null;
  amount: number;
  currency: string;
  refunded_amount: number;
  buyer_email: string;
  buyer_name: string | null;
  item_name: string | null;
  created_at: string;
  paid_at: string | null;
  updated_at: string;
}

interface ListRow extends Omit<PaymentListItem, "created_at" | "paid_at" | "updated_at" | "public_status"> {
  created_at: Date;
  paid_at: Date | null;
  updated_at: Date;
  cursor_ts: string;
}

const toItem = (r: ListRow): PaymentListItem => ({
  id: r.id,
  order_id: r.order_id,
  project_id: r.project_id,
  project_name: r.project_name,
  environment: r.environment,
  status: r.status,
  public_status: publicStatusOf(r.status),
  midtrans_status: r.midtrans_status,
  payment_type: r.payment_type,
  amount: r.amount,
  currency: r.currency,
  refunded_amount: r.refunded_amount,
  buyer_email: r.buyer_email,
  buyer_name: r.buyer_name,
  item_name: r.item_name,
  created_at: r.created_at.toISOString(),
  paid_at: r.paid_at?.toISOString() ?? null,
  updated_at: r.updated_at.toISOString(),
});


const LIST_COLUMNS = (sql: Db) => sql`
  p.id, p.order_id, p.project_id, pr.name as project_name, p.environment, p.status, p.midtrans_status, p.payment_type,
  p.amount, p.currency, p.refunded_amount, p.buyer_email, p.buyer_name, p.item_name, p.created_at, p.paid_at, p.updated_at`;

/**
 * One page of the list, newest first: keyset pagination on (created_at, id), stable across
 * equal timestamps and inserts. Asks for one row more than the page to know if another follows.
 */
export function paymentListQuery(db: Db, filters: PaymentFilters, page: { cursor?: string; limit: number }) {
  const parts = conditions(db, filters);
  if (page.cursor) {
    const [ts, id] = decodeCursor(page.cursor);
    parts.push(db`(p.created_at, p.id) < (${ts}::text::timestamptz, ${id})`);
  }
  return db<ListRow[]>`
    select ${LIST_COLUMNS(db)}, to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_ts
    from ${filteredPurchases(db, filters, parts)} p join projects pr on pr.id = p.project_id
    order by p.created_at desc, p.id desc
    limit ${page.limit + 1}`;
}

export async function listPayments(sql: Sql, input: PaymentListInput): Promise<{ items: PaymentListItem[]; nextCursor: string | null }> {
  const parsed = paymentListInput.safeParse(input);
  if (!parsed.success) throw new DomainError("validation_failed", "Invalid payment list request", Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message])));
  const { cursor, limit, ...filters } = parsed.data;
  const rows = await withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit }));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_ts, last.id) : null };
}

// ---- CSV --------------------------------------------------------------------------------

export const CSV_COLUMNS = [
  "purchase_id",
  "order_id",
  "project_id",
  "project_name",
  "environment",
  "status",
  "midtrans_status",
  "payment_type",
  "amount",
  "currency",
  "refunded_amount",
  "buyer_email",
  "buyer_name",
  "item_name",
  "created_at",
  "paid_at",
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; and a cell
 * that a spreadsheet would read as a formula (= + - @, tab, CR) is prefixed with `'`.
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]) => cells.map(csvCell).join(",") + "\r\n";

/**
 * The filtered list as CSV, newest first, streamed: rows come through a server-side cursor
 * 1000 at a time, and each chunk is yielded as one string (never the whole file in memory).
 */
export async function* paymentsCsv(sql: Sql, filters: PaymentFilters): AsyncGenerator<string> {
  yield csvLine([...CSV_COLUMNS]);
  const { db, release } = await reserveWithCustomPlans(sql);
  try {
    const cursor = db<ListRow[]>`
      select ${LIST_COLUMNS(db)}
      from ${filteredPurchases(db, filters, conditions(db, filters))} p join projects pr on pr.id = p.project_id
      order by p.created_at desc, p.id desc`.cursor(1000);
    for await (const rows of cursor) {
      let chunk = "";
      for (const r of rows) {
        chunk += csvLine([
          r.id, r.order_id, r.project_id, r.project_name, r.environment, r.status, r.midtrans_status, r.payment_type,
          r.amount, r.currency, r.refunded_amount, r.buyer_email, r.buyer_name, r.item_name, r.created_at, r.paid_at,
        ]);
      }
      yield chunk;
    }
  } finally {
    await release();
  }
}

// ---- detail -----------------------------------------------------------------------------

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
  };
  project: { id: string; name: string; webhook_url: string | null };
  history: {
    id: number;
    from_status: string | null;
    to_status: string;
    midtrans_status: string | null;
    fraud_status: string | null;
    source: string;
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
    attempts: {
      id: number;
      attempt_number: number;
      trigger: string;
      url: string;
      response_status: number | null;
      response_body: string | null;
      error: string | null;
      duration_ms: number | null;
      started_at: string;
    }[];
  }[];
  audit: AuditEntry[];
  timeline: TimelineEntry[];
  /** What the console may offer. */
  actions: { canRefund: boolean; refundable: number; canResendWebhook: boolean };
}

export interface TimelineEntry {
  at: string;
  kind: "created" | "snap" | "notification" | "status" | "webhook_event" | "webhook_attempt" | "admin";
  title: string;
  detail: string | null;
  /** true: went well; false: went wrong; null: neutral. */
  ok: boolean | null;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const BODY_EXCERPT = 500;

/** Everything about one payment, by purchase_id or order_id, with its timeline. */
export async function getPaymentDetail(ctx: PlatformContext, ref: { id?: string; orderId?: string }): Promise<PaymentDetail> {
  const sql = ctx.sql;
  if (!ref.id && !ref.orderId) throw new DomainError("validation_failed", "Give a purchase id or an order id");
  const [p] = await sql`
    select p.*, pr.name as project_name, pr.webhook_url
    from purchases p join projects pr on pr.id = p.project_id
    where ${ref.id ? sql`p.id = ${ref.id}` : sql`p.order_id = ${ref.orderId!}`}`;
  if (!p) throw new DomainError("not_found", "No such payment");

  const history = await sql`select * from purchase_status_history where purchase_id = ${p.id} order by id limit 500`;
  const notifications = await sql`select * from midtrans_notifications where purchase_id = ${p.id} order by id limit 500`;
  const events = await sql`select * from webhook_events where purchase_id = ${p.id} order by created_at, id`;
  const attempts = events.length
    ? await sql`select * from webhook_attempts where event_id in ${sql(events.map((e) => e.id as string))} order by id limit 1000`
    : [];
  const audit = (await listAudit(sql, { targetId: p.id, limit: 100 })).items;

  const payment = {
    ...toItem(p as unknown as ListRow),
    metadata: p.metadata,
    item_id: p.item_id,
    fraud_status: p.fraud_status,
    midtrans_transaction_id: p.midtrans_transaction_id,
    midtrans_order_id: midtransOrderIdOf(p as unknown as ListRow & { midtrans_order_id: string | null }),
    snap_token: p.snap_token,
    invoice_url: p.invoice_url,
    snap_expires_at: iso(p.snap_expires_at),
    create_error: p.create_error,
    reconcile_checked_at: iso(p.reconcile_checked_at),
  };
  const detail: PaymentDetail = {
    payment,
    project: { id: p.project_id, name: p.project_name, webhook_url: p.webhook_url },
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
      attempts: attempts
        .filter((a) => a.event_id === e.id)
        .map((a) => ({
          id: Number(a.id),
          attempt_number: a.attempt_number,
          trigger: a.trigger,
          url: a.url,
          response_status: a.response_status,
          response_body: a.response_body === null ? null : String(a.response_body).slice(0, BODY_EXCERPT),
          error: a.error,
          duration_ms: a.duration_ms,
          started_at: a.started_at.toISOString(),
        })),
    })),
    audit,
    timeline: [],
    actions: {
      canRefund: p.status === "settlement" || (p.status === "refund" && p.midtrans_status === "partial_refund"),
      refundable: Math.max(0, p.amount - p.refunded_amount),
      canResendWebhook: events.length > 0 && Boolean(p.webhook_url),
    },
  };
  if (!detail.actions.canRefund) detail.actions.refundable = 0;
  detail.timeline = buildTimeline(detail);
  return detail;
}

function buildTimeline(d: PaymentDetail): TimelineEntry[] {
  const t: TimelineEntry[] = [];
  const p = d.payment;
  const amount = p.currency === "IDR" ? `Rp${new Intl.NumberFormat("id-ID").format(p.amount)}` : `${p.amount} ${p.currency}`;
  t.push({ at: p.created_at, kind: "created", title: `Payment created: ${amount}, ${p.environment}`, detail: `order_id ${p.order_id} · buyer ${p.buyer_email}`, ok: null });
  for (const h of d.history) {
    if (h.source === "create") {
      t.push({
        at: h.created_at,
        kind: "snap",
        title: h.to_status === "pending" ? "Snap transaction created" : `Snap call: ${h.to_status}`,
        detail: [p.invoice_url && `invoice_url ${p.invoice_url}`, p.snap_token && `token ${p.snap_token}`, p.snap_expires_at && `expires ${p.snap_expires_at}`]
          .filter(Boolean)
          .join(" · ") || null,
        ok: true,
      });
    } else {
      t.push({
        at: h.created_at,
        kind: "status",
        title: `Status ${h.from_status ?? "—"} → ${h.to_status} (${h.source})`,
        detail: [h.midtrans_status && `Midtrans ${h.midtrans_status}`, h.fraud_status && `fraud ${h.fraud_status}`, h.notification_id && `notification #${h.notification_id}`]
          .filter(Boolean)
          .join(" · ") || null,
        ok: null,
      });
    }
  }
  if (p.create_error) t.push({ at: p.updated_at, kind: "snap", title: "Snap call failed", detail: p.create_error, ok: false });
  for (const n of d.notifications) {
    t.push({
      at: n.received_at,
      kind: "notification",
      title: `Midtrans notification: ${n.transaction_status ?? "?"} — ${n.outcome}`,
      detail: `signature ${n.signature_valid === null ? "not checked" : n.signature_valid ? "valid" : "INVALID"}${n.detail ? ` · ${n.detail}` : ""}`,
      ok: n.outcome === "applied" || n.outcome === "duplicate" ? true : n.outcome === "rejected" || n.outcome === "error" ? false : null,
    });
  }
  for (const e of d.webhookEvents) {
    t.push({ at: e.created_at, kind: "webhook_event", title: `Webhook ${e.event_type} queued (now ${e.status})`, detail: e.last_error, ok: e.status === "delivered" ? true : e.status === "failed" ? false : null });
    for (const a of e.attempts) {
      t.push({
        at: a.started_at,
        kind: "webhook_attempt",
        title: `Webhook attempt ${a.attempt_number} (${a.trigger}): ${a.response_status ?? "no answer"}`,
        detail: [a.error, a.duration_ms !== null && `${a.duration_ms} ms`, a.response_body && `body: ${a.response_body.slice(0, 200)}`].filter(Boolean).join(" · ") || null,
        ok: a.response_status !== null && a.response_status >= 200 && a.response_status < 300,
      });
    }
  }
  for (const a of d.audit) {
    t.push({ at: a.created_at, kind: "admin", title: `${a.action} by ${a.admin_email ?? "system"}`, detail: summarize(a.details), ok: null });
  }
  return t.sort((a, b) => a.at.localeCompare(b.at));
}

function summarize(details: Record<string, unknown>): string | null {
  const entries = Object.entries(details).filter(([, v]) => v !== null && v !== undefined && typeof v !== "object");
  return entries.length ? entries.map(([k, v]) => `${k}: ${String(v)}`).join(" · ").slice(0, 300) : null;
}
