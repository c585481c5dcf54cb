import type { Db } from "../db/connect";
import type { HistorySource, MidtransStatus, PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";

/** A purchase with what the console's detail page shows of its project (its webhook endpoints: server/webhooks). */
export interface PurchaseDetailRow extends PurchaseRow {
  reconcile_checked_at: Date | null;
  project_name: string;
}

/**
 * The purchase by purchase_id, or by an order id: the payment whose Midtrans order id it is,
 * else THE purchase using it as its merchant order_id. Several merchants or environments may use
 * one order_id: then none (the console's list search shows them all).
 */
export async function findPurchaseDetail(db: Db, ref: { id: string } | { orderId: string }): Promise<PurchaseDetailRow | undefined> {
  if ("id" in ref) {
    const [row] = await db<PurchaseDetailRow[]>`
      select p.*, pr.name as project_name from purchases p join projects pr on pr.id = p.project_id where p.id = ${ref.id}`;
    return row;
  }
  const [first, second] = await db<(PurchaseDetailRow & { by_midtrans_id: boolean })[]>`
    select p.*, pr.name as project_name, coalesce(p.midtrans_order_id = ${ref.orderId}, false) as by_midtrans_id
    from purchases p join projects pr on pr.id = p.project_id
    where p.midtrans_order_id = ${ref.orderId} or p.order_id = ${ref.orderId}
    order by by_midtrans_id desc
    limit 2`;
  if (!first || (!first.by_midtrans_id && second)) return undefined;
  const { by_midtrans_id: _, ...row } = first;
  return row;
}

export interface StatusHistoryRow {
  id: number;
  purchase_id: string;
  from_status: PurchaseStatus | null;
  to_status: PurchaseStatus;
  midtrans_status: MidtransStatus | null;
  fraud_status: string | null;
  source: HistorySource;
  notification_id: number | null;
  created_at: Date;
}

/** The purchase's status history, oldest first. */
export async function listStatusHistory(db: Db, purchaseId: string, limit = 500): Promise<StatusHistoryRow[]> {
  return db<StatusHistoryRow[]>`select * from purchase_status_history where purchase_id = ${purchaseId} order by id limit ${limit}`;
}

export interface NotificationRow {
  id: number;
  received_at: Date;
  order_id: string | null;
  purchase_id: string | null;
  environment: string | null;
  transaction_status: string | null;
  status_code: string | null;
  raw_body: string;
  headers: Record<string, string>;
  remote_addr: string | null;
  signature_valid: boolean | null;
  outcome: string;
  detail: string | null;
}

/** The Midtrans notifications recorded for the purchase, oldest first. */
export async function listPurchaseNotifications(db: Db, purchaseId: string, limit = 500): Promise<NotificationRow[]> {
  return db<NotificationRow[]>`select * from midtrans_notifications where purchase_id = ${purchaseId} order by id limit ${limit}`;
}
