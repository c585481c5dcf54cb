import type { Db } from "../db/connect";
import type { PurchaseRow } from "./payments.schema";

/** What a new refund row holds (written as `processing` before Midtrans is called). */
export interface NewRefund {
  id: string;
  purchase_id: string;
  project_id: string;
  environment: string;
  source: "api" | "console";
  idempotency_key: string | null;
  request_hash: string | null;
  amount: number;
  reason: string | null;
  midtrans_refund_key: string;
}

/** A refund made through Astapa (db/migrations/0011_refunds_and_expiry.sql). */
export interface RefundRow extends NewRefund {
  status: "processing" | "succeeded";
  response: Record<string, unknown> | null;
  created_at: Date;
  completed_at: Date | null;
}

/** The API refund made with this Idempotency-Key in the project's environment (unique there). */
export async function findRefundByIdempotencyKey(db: Db, scope: { projectId: string; environment: string }, key: string): Promise<RefundRow | undefined> {
  const [row] = await db<RefundRow[]>`
    select * from refunds
    where project_id = ${scope.projectId} and environment = ${scope.environment} and idempotency_key = ${key}`;
  return row;
}

/** The purchase with this merchant order_id in the project's environment, locked (the caller's transaction). */
export async function lockPurchaseForRefund(db: Db, scope: { projectId: string; environment: string }, orderId: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`
    select * from purchases
    where order_id = ${orderId} and project_id = ${scope.projectId} and environment = ${scope.environment}
    for update`;
  return row;
}

/** What refunds under way (sent to Midtrans, not yet recorded on the purchase) hold of the payment. */
export async function processingRefundTotal(db: Db, purchaseId: string): Promise<number> {
  const [row] = await db<{ total: string | number }[]>`
    select coalesce(sum(amount), 0) as total from refunds where purchase_id = ${purchaseId} and status = 'processing'`;
  return Number(row.total);
}

/** Reserves a refund before Midtrans is called; undefined when the Idempotency-Key was taken meanwhile. */
export async function insertProcessingRefund(db: Db, r: NewRefund): Promise<RefundRow | undefined> {
  const [row] = await db<RefundRow[]>`
    insert into refunds (id, purchase_id, project_id, environment, source, idempotency_key, request_hash, amount, reason, midtrans_refund_key, status)
    values (${r.id}, ${r.purchase_id}, ${r.project_id}, ${r.environment}, ${r.source}, ${r.idempotency_key}, ${r.request_hash},
            ${r.amount}, ${r.reason}, ${r.midtrans_refund_key}, 'processing')
    on conflict do nothing
    returning *`;
  return row;
}

/** Records the answer of a refund Midtrans accepted (an Idempotency-Key replay returns it as is). */
export async function completeRefund(db: Db, id: string, response: Record<string, unknown>): Promise<void> {
  await db`update refunds set status = 'succeeded', response = ${JSON.stringify(response)}::text::jsonb, completed_at = now() where id = ${id}`;
}

/** A refund Midtrans refused or that could not be sent: its reservation goes, the key may be retried. */
export async function deleteProcessingRefund(db: Db, id: string): Promise<void> {
  await db`delete from refunds where id = ${id} and status = 'processing'`;
}
