import { withCustomPlans, type Sql } from "../db/connect";
import { encodeCursor } from "../lib/cursor";
import type { Environment } from "../midtrans/gateway";
import { publicStatusOf, type MidtransStatus, type PublicStatus, type PurchaseStatus } from "./lifecycle";
import { paymentListQuery, type PaymentListRow } from "./payment-list.queries";
import type { PaymentListInput } from "./payment-list.schema";
import { midtransOrderIdOf } from "./order-id";

export interface PaymentListItem {
  id: string;
  /** The merchant's order id: unique per project and environment only. */
  order_id: string;
  /** The id Midtrans knows the payment by (its dashboard, notifications, the buyer's callback URL). */
  midtrans_order_id: string;
  project_id: string;
  project_name: string;
  environment: Environment;
  status: PurchaseStatus;
  public_status: PublicStatus | null;
  midtrans_status: MidtransStatus | null;
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
