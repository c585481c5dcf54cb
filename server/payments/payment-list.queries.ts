import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import { decodeCursor } from "../lib/cursor";
import type { Environment } from "../midtrans/gateway";
import { openStatuses, STALE_PENDING_AFTER_MS, type MidtransStatus, type PurchaseStatus } from "./lifecycle";
import { jakartaMidnight, SEARCH_MIN_FRAGMENT, type AttentionFilter, type PaymentFilters } from "./payment-list.schema";

const PURCHASE_ID = /^pur_[a-z0-9]{8,40}$/;
// The largest code point: a string starting with `p` sorts (bytewise) before `p` + this.
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/** The dashboard's attention items that are not "now" look this far back (settled after expiry, amount mismatches). */
export const ATTENTION_WINDOW_DAYS = 30;

/**
 * The payments an attention item of the dashboard stands for, as of `now`: the same condition
 * counts them on the dashboard (dashboard.queries.ts) and lists them (`attention=` filter), so the
 * two always agree.
 */
export function attentionCondition(db: Db, kind: AttentionFilter, now: Date) {
  const windowStart = new Date(now.getTime() - ATTENTION_WINDOW_DAYS * 86_400_000);
  switch (kind) {
    case "stale_pending":
      // purchases_status_created_idx, per open status.
      return db`(p.status = any(${db.array([...openStatuses])}) and p.created_at < ${new Date(now.getTime() - STALE_PENDING_AFTER_MS)})`;
    case "settled_after_expiry":
      // purchases_settled_after_expiry_idx (0018).
      return db`p.settled_after_expiry_at >= ${windowStart}`;
    case "amount_mismatch":
      // Recorded by the notification handler (apply-status.ts: outcome 'ignored', detail
      // 'amount_mismatch: …'); midtrans_notifications_amount_mismatch_idx (0018) matches this predicate.
      return db`p.id in (
        select n.purchase_id from midtrans_notifications n
         where n.detail like 'amount_mismatch:%' and n.received_at >= ${windowStart} and n.purchase_id is not null)`;
  }
}

/**
 * The text a partial search reads: order id, buyer e-mail, buyer name and item name, one per
 * line. Byte-for-byte the expression of purchases_search_trgm_idx (db/migrations/0018).
 */
const searchText = (sql: Db) => sql`(p.order_id || E'\\n' || p.buyer_email || E'\\n' || coalesce(p.buyer_name, '') || E'\\n' || coalesce(p.item_name, ''))`;

/** `q` as an ILIKE pattern matching it anywhere (its own `%`, `_` and `\` taken literally). */
const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * SQL conditions for the filters. Each is satisfiable by one of the purchases indexes in
 * (created_at desc, id desc) order, so a page stops after LIMIT rows; a search or an attention
 * item by its own index (fenced: filteredPurchases).
 */
function conditions(sql: Db, f: PaymentFilters, now: Date, fragments = true) {
  const c = [];
  if (f.projectId) c.push(sql`p.project_id = ${f.projectId}`);
  if (f.environment) c.push(sql`p.environment = ${f.environment}`);
  if (f.status) c.push(sql`p.status = ${f.status}`);
  if (f.midtransStatus) c.push(sql`p.midtrans_status = ${f.midtransStatus}`);
  if (f.createdFrom) c.push(sql`p.created_at >= ${jakartaMidnight(f.createdFrom)}`);
  if (f.createdTo) c.push(sql`p.created_at < ${jakartaMidnight(f.createdTo, 1)}`);
  if (f.amountMin !== undefined) c.push(sql`p.amount >= ${f.amountMin}`);
  if (f.amountMax !== undefined) c.push(sql`p.amount <= ${f.amountMax}`);
  if (f.paymentType) c.push(sql`p.payment_type = ${f.paymentType}`);
  if (f.attention) c.push(attentionCondition(sql, f.attention, now));
  if (f.q) c.push(searchCondition(sql, f.q, fragments));
  return c;
}

/** Is `q` exactly an order id or Midtrans order id (the unique indexes)? Then the search is for that payment. */
export function orderIdExistsQuery(db: Db, q: string) {
  return db<{ found: boolean }[]>`
    select exists (select 1 from purchases where order_id = ${q}) or exists (select 1 from purchases where midtrans_order_id = ${q}) as found`;
}

/** Does this search look for fragments (the trigram index), not only exact ids and an e-mail prefix? */
export const isFragmentSearch = (q: string | undefined): boolean =>
  q !== undefined && q.length >= SEARCH_MIN_FRAGMENT && !PURCHASE_ID.test(q) && (!q.includes("@") || q.startsWith("@"));

function searchCondition(sql: Db, q: string, fragments = true) {
  const email = q.toLowerCase();
  // Bytewise range = prefix match, usable by the text_pattern_ops index with bound parameters.
  const emailPrefix = sql`(lower(p.buyer_email) ~>=~ ${email} and lower(p.buyer_email) ~<~ ${email + MAX_CHAR})`;
  // A fragment anywhere in the order id, e-mail, buyer name or item name (trigram index). Not for
  // an e-mail typed from its start: the prefix index alone (a whole address holds trigrams, "exa"
  // "com", that most rows share: the trigram scan would read them all). A domain ("@gmail.com") is one.
  const fragment = fragments && isFragmentSearch(q) ? sql` or ${searchText(sql)} ilike ${containsPattern(q)}` : sql``;
  if (PURCHASE_ID.test(q)) return sql`p.id = ${q}`;
  if (q.includes("@")) return sql`(${emailPrefix}${fragment})`;
  // The merchant's order id (several merchants and environments may use it: all are listed),
  // or the id Midtrans knows the payment by (its dashboard, the buyer's callback URL).
  return sql`(p.order_id = ${q} or p.midtrans_order_id = ${q} or ${emailPrefix}${fragment})`;
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
  const fenced = f.q || f.attention === "amount_mismatch" || f.attention === "settled_after_expiry";
  return sql`(select * from purchases p where ${whereClause(sql, parts)} ${fenced ? sql`offset 0` : sql``})`;
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
export function paymentListQuery(
  db: Db,
  filters: PaymentFilters,
  page: { cursor?: string; limit: number; window?: number; exactOnly?: boolean },
  now: Date = new Date(),
) {
  const parts = conditions(db, filters, now, !page.exactOnly);
  if (page.cursor) {
    const [ts, id] = decodeCursor(page.cursor);
    parts.push(db`(p.created_at, p.id) < (${ts}::text::timestamptz, ${id})`);
  }
  if (page.window && filters.q) {
    // The search among the newest `window` payments matching the other filters, read in list
    // order (an index walk that stops there). If it fills the page, these are the newest matches
    // of all: any other match is older than the whole window (payment-list.service.ts).
    const others = conditions(db, { ...filters, q: undefined }, now);
    if (page.cursor) others.push(parts[parts.length - 1]);
    return db<(PaymentListRow & { cursor_ts: string })[]>`
      select ${LIST_COLUMNS(db)}, ${utcIsoText(db, "p.created_at")} as cursor_ts
      from (select * from purchases p where ${whereClause(db, others)} order by p.created_at desc, p.id desc limit ${page.window}) p
        join projects pr on pr.id = p.project_id
      where ${searchCondition(db, filters.q)}
      order by p.created_at desc, p.id desc
      limit ${page.limit + 1}`;
  }
  return db<(PaymentListRow & { cursor_ts: string })[]>`
    select ${LIST_COLUMNS(db)}, ${utcIsoText(db, "p.created_at")} as cursor_ts
    from ${filteredPurchases(db, filters, parts)} p join projects pr on pr.id = p.project_id
    order by p.created_at desc, p.id desc
    limit ${page.limit + 1}`;
}

/** Every purchase matching the filters, newest first: read it through `.cursor(n)` (the CSV export). */
export function paymentExportQuery(db: Db, filters: PaymentFilters, now: Date = new Date()) {
  return db<PaymentListRow[]>`
    select ${LIST_COLUMNS(db)}
    from ${filteredPurchases(db, filters, conditions(db, filters, now))} p join projects pr on pr.id = p.project_id
    order by p.created_at desc, p.id desc`;
}
