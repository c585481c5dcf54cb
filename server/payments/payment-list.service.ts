import { withCustomPlans, type Sql } from "../db/connect";
import { encodeCursor } from "../lib/cursor";
import type { WithIsoDates } from "../lib/dto";
import { publicStatusOf, type PublicStatus } from "./lifecycle";
import { paymentListQuery, type PaymentListRow } from "./payment-list.queries";
import type { PaymentListInput } from "./payment-list.schema";
import { midtransOrderIdOf } from "./order-id";

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

/** One page of the console's payment list, newest first, with the cursor of the next page. */
export async function listPayments(sql: Sql, input: PaymentListInput): Promise<{ items: PaymentListItem[]; nextCursor: string | null }> {
  const { cursor, limit, ...filters } = input;
  const rows = await withCustomPlans(sql, (db) => paymentListQuery(db, filters, { cursor, limit }));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(toPaymentListItem), nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_ts, last.id) : null };
}
