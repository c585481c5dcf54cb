import { withCustomPlans, type Sql } from "../db/connect";
import { encodeCursor } from "../lib/cursor";
import type { WithIsoDates } from "../lib/dto";
import { publicStatusOf, type PublicStatus } from "./lifecycle";
import { isFragmentSearch, orderIdExistsQuery, paymentListQuery, type PaymentListRow } from "./payment-list.queries";
import type { PaymentListInput } from "./payment-list.schema";
import { midtransOrderIdOf } from "./order-id";

/** Payments a fragment search first looks through, newest first (see listPayments). */
const SEARCH_WINDOW = 2000;

export type PaymentListItem = Omit<WithIsoDates<PaymentListRow>, "midtrans_order_id"> & {
  /** The id Midtrans knows the payment by (its dashboard, notifications, the buyer's callback URL). */
  midtrans_order_id: string;
  public_status: PublicStatus | null;
};

/** A purchase row (with its project's name) as the console's list shows it. */
export const toPaymentListItem = (r: PaymentListRow): PaymentListItem => ({
  id: r.id,
  order_id: r.order_id,
  midtrans_order_id: midtransOrderIdOf(r),
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

/**
 * One page of the console's payment list, newest first, with the cursor of the next page. `now`
 * (the platform's clock) places the attention filters' cutoffs, as the dashboard counts them.
 */
export async function listPayments(sql: Sql, input: PaymentListInput, now: Date = new Date()): Promise<{ items: PaymentListItem[]; nextCursor: string | null }> {
  const { cursor, limit, ...filters } = input;
  const rows = isFragmentSearch(filters.q)
    ? await searchRows(sql, input, now)
    : await withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit }, now));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toPaymentListItem), nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_ts, last.id) : null };
}

/**
 * The list for a search that may match fragments. A whole order id is a search for that payment:
 * the unique indexes answer it (a fragment scan of "INV-2026-0481234" reads the trigrams every
 * order id shares: 50 ms at 1 M). A fragment most payments share ("kaos") has its newest matches
 * among the newest payments: a short walk finds them, where the trigram index would fetch and sort
 * every match (about 1 s for 125 000 of 1 M). A rare one does not fill the page there: the index
 * then finds its few.
 */
async function searchRows(sql: Sql, input: PaymentListInput, now: Date) {
  const { cursor, limit, ...filters } = input;
  const q = filters.q ?? "";
  const [{ found }] = await orderIdExistsQuery(sql, q);
  if (found) return withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit, exactOnly: true }, now));
  const recent = await withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit, window: SEARCH_WINDOW }, now));
  if (recent.length > limit) return recent;
  return withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit }, now));
}
