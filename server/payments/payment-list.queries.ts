import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import { decodeCursor } from "../lib/cursor";
import type { Environment } from "../midtrans/gateway";
import type { MidtransStatus, PurchaseStatus } from "./lifecycle";
import { jakartaMidnight, type PaymentFilters } from "./payment-list.schema";

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
    // The merchant's order id (several merchants and environments may use it: all are listed),
    // or the id Midtrans knows the payment by (its dashboard, the buyer's callback URL).
    else c.push(sql`(p.order_id = ${q} or p.midtrans_order_id = ${q} or ${emailPrefix})`);
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

/** A purchase as the console's list (and the CSV export) shows it, with its project's name. */
export interface PaymentListRow {
  id: string;
  order_id: string;
  /** Null for rows created before migration 0007 (Midtrans knows those by order_id). */
  midtrans_order_id: string | null;
  project_id: string;
  project_name: string;
  environment: Environment;
  status: PurchaseStatus;
  midtrans_status: MidtransStatus | null;
  payment_type: string | null;
  amount: number;
  currency: string;
  refunded_amount: number;
  buyer_email: string;
  buyer_name: string | null;
  item_name: string | null;
  created_at: Date;
  paid_at: Date | null;
  updated_at: Date;
}

const LIST_COLUMNS = (sql: Db) => sql`
  p.id, p.order_id, p.midtrans_order_id, p.project_id, pr.name as project_name, p.environment, p.status, p.midtrans_status, p.payment_type,
  p.amount, p.currency, p.refunded_amount, p.buyer_email, p.buyer_name, p.item_name, p.created_at, p.paid_at, p.updated_at`;

/**
 * One page of the list, newest first: keyset pagination on (created_at, id), stable across
 * equal timestamps and inserts. Asks for one row more than the page to know if another follows.
 * Run it with custom plans (withCustomPlans): the filters' selectivity decides the plan.
 */
export function paymentListQuery(db: Db, filters: PaymentFilters, page: { cursor?: string; limit: number }) {
  const parts = conditions(db, filters);
  if (page.cursor) {
    const [ts, id] = decodeCursor(page.cursor);
    parts.push(db`(p.created_at, p.id) < (${ts}::text::timestamptz, ${id})`);
  }
  return db<(PaymentListRow & { cursor_ts: string })[]>`
    select ${LIST_COLUMNS(db)}, ${utcIsoText(db, "p.created_at")} as cursor_ts
    from ${filteredPurchases(db, filters, parts)} p join projects pr on pr.id = p.project_id
    order by p.created_at desc, p.id desc
    limit ${page.limit + 1}`;
}

/** Every purchase matching the filters, newest first: read it through `.cursor(n)` (the CSV export). */
export function paymentExportQuery(db: Db, filters: PaymentFilters) {
  return db<PaymentListRow[]>`
    select ${LIST_COLUMNS(db)}
    from ${filteredPurchases(db, filters, conditions(db, filters))} p join projects pr on pr.id = p.project_id
    order by p.created_at desc, p.id desc`;
}
