import type { Db } from "../db/connect";
import type { HistorySource, MidtransStatus, PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";

/** A purchase with what the console's detail page shows of its project. */
export interface PurchaseDetailRow extends PurchaseRow {
  reconcile_checked_at: Date | null;
  project_name: string;
  webhook_url: string | null;
}

/** The purchase by purchase_id or by order_id, joined with its project. */
export async function findPurchaseDetail(db: Db, ref: { id: string } | { orderId: string }): Promise<PurchaseDetailRow | undefined> {
  const [row] = await db<PurchaseDetailRow[]>`
    select p.*, pr.name as project_name, pr.webhook_url
    from purchases p join projects pr on pr.id = p.project_id
    where ${"id" in ref ? db`p.id = ${ref.id}` : db`p.order_id = ${ref.orderId}`}`;
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
