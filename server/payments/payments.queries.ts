import type { Db } from "../db/connect";
import { initialStatus, localTransitions, type HistorySource, type MidtransStatus, type PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import { isMidtransRetryOrderId } from "./order-id";

/** The purchase row (no lock): the one read of a purchase by id. */
export async function findPurchaseById(db: Db, id: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`select * from purchases where id = ${id}`;
  return row;
}

export async function lockPurchaseByOrderId(db: Db, orderId: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`select * from purchases where order_id = ${orderId} for update`;
  return row;
}

/** The purchase row, locked until the end of the caller's transaction. */
export async function lockPurchaseById(db: Db, id: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`select * from purchases where id = ${id} for update`;
  return row;
}

export async function lockPurchaseByIdempotencyKey(db: Db, projectId: string, key: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`select * from purchases where project_id = ${projectId} and idempotency_key = ${key} for update`;
  return row;
}

export interface NewPurchase {
  id: string;
  idempotency_key?: string | null;
  project_id: string;
  environment: string;
  order_id: string;
  amount: number;
  buyer_email: string;
  buyer_name: string | null;
  item_id: string;
  item_name: string | null;
  metadata: Record<string, unknown>;
}

/**
 * The common first request in one statement (no explicit transaction): inserted, or
 * undefined when the order_id (or idempotency key) already exists.
 */
export async function tryInsertCreatingPurchase(db: Db, p: NewPurchase): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`
    insert into purchases (id, project_id, environment, order_id, amount, buyer_email, buyer_name, item_id, item_name, metadata, status, idempotency_key)
    values (${p.id}, ${p.project_id}, ${p.environment}, ${p.order_id}, ${p.amount}, ${p.buyer_email}, ${p.buyer_name},
            ${p.item_id}, ${p.item_name}, ${db.json(p.metadata as never)}, ${initialStatus}, ${p.idempotency_key ?? null})
    on conflict do nothing
    returning *`;
  return row;
}

/** A failed creation is retried in place: same purchase_id, the new request's details. */
export async function restartFailedPurchase(
  db: Db,
  id: string,
  p: Omit<NewPurchase, "id" | "project_id" | "order_id" | "idempotency_key">,
  nextMidtransOrderId: string | null,
): Promise<PurchaseRow> {
  const [row] = await db<PurchaseRow[]>`
    update purchases set environment = ${p.environment}, amount = ${p.amount}, buyer_email = ${p.buyer_email},
      midtrans_order_id = coalesce(${nextMidtransOrderId}, midtrans_order_id),
      buyer_name = ${p.buyer_name}, item_id = ${p.item_id}, item_name = ${p.item_name}, metadata = ${db.json(p.metadata as never)},
      status = ${localTransitions.createRetried.to}, create_error = null, created_at = now(), updated_at = now()
    where id = ${id}
    returning *`;
  return row;
}

/**
 * Records Snap's answer and its history row in ONE statement (atomic without an explicit
 * transaction). Only a `creating` row turns pending: a notification may have moved it on.
 */
export async function markSnapCreated(
  db: Db,
  id: string,
  snap: { token: string; invoice_url: string; expires_at: Date },
): Promise<PurchaseRow | undefined> {
  const [from] = localTransitions.snapCreated.from;
  const to: PurchaseStatus = localTransitions.snapCreated.to;
  const source: HistorySource = "create";
  const [row] = await db<PurchaseRow[]>`
    with updated as (
      update purchases set snap_token = ${snap.token}, invoice_url = ${snap.invoice_url}, snap_expires_at = ${snap.expires_at},
        status = case when status = ${from} then ${to}::text else status end, updated_at = now()
      where id = ${id}
      returning *
    ), history as (
      insert into purchase_status_history (purchase_id, from_status, to_status, source)
      select id, ${from}::text, status, ${source}::text from updated
    )
    select * from updated`;
  return row;
}

/**
 * A failed Snap call. `nextMidtransOrderId`: when the call may have reached Midtrans (no
 * answer, 5xx), the id it used may be taken there now, so the retry will use this one.
 */
export async function markCreateFailed(db: Db, id: string, error: string, nextMidtransOrderId: string | null): Promise<void> {
  const { from, to } = localTransitions.snapFailed;
  await db`update purchases set status = ${to}, create_error = ${error}, updated_at = now(),
             midtrans_order_id = coalesce(${nextMidtransOrderId}, midtrans_order_id)
           where id = ${id} and status = any(${db.array([...from])})`;
}

/**
 * The purchase a Midtrans order id names: the one a retried create used it for, else the
 * purchase with that order_id. A retry id comes first: Midtrans never lets two transactions
 * share an id, so even a merchant order_id that happens to look the same cannot own it.
 */
export async function findPurchaseByMidtransOrderId(db: Db, midtransOrderId: string): Promise<PurchaseRow | undefined> {
  if (isMidtransRetryOrderId(midtransOrderId)) {
    const [retried] = await db<PurchaseRow[]>`select * from purchases where midtrans_order_id = ${midtransOrderId}`;
    if (retried) return retried;
  }
  const [row] = await db<PurchaseRow[]>`select * from purchases where order_id = ${midtransOrderId}`;
  return row;
}

/** Writes a status change of the purchase row (callers: `applyPurchaseTransition`, with its history row). */
export async function updatePurchaseStatus(
  db: Db,
  id: string,
  s: {
    status: PurchaseStatus;
    midtrans_status: MidtransStatus;
    fraud_status: string | null;
    payment_type: string | null;
    midtrans_transaction_id: string | null;
    refunded_amount: number;
    paid_at: Date | null;
  },
): Promise<PurchaseRow> {
  const [row] = await db<PurchaseRow[]>`
    update purchases set status = ${s.status}, midtrans_status = ${s.midtrans_status}, fraud_status = ${s.fraud_status},
      payment_type = coalesce(${s.payment_type}, payment_type),
      midtrans_transaction_id = coalesce(${s.midtrans_transaction_id}, midtrans_transaction_id),
      refunded_amount = ${s.refunded_amount}, paid_at = ${s.paid_at}, updated_at = now()
    where id = ${id}
    returning *`;
  return row;
}

export async function insertStatusHistory(
  db: Db,
  h: {
    purchase_id: string;
    from_status: PurchaseStatus | null;
    to_status: PurchaseStatus;
    midtrans_status?: MidtransStatus | null;
    fraud_status?: string | null;
    source: HistorySource;
    notification_id?: number | null;
  },
): Promise<void> {
  await db`insert into purchase_status_history (purchase_id, from_status, to_status, midtrans_status, fraud_status, source, notification_id)
           values (${h.purchase_id}, ${h.from_status}, ${h.to_status}, ${h.midtrans_status ?? null}, ${h.fraud_status ?? null},
                   ${h.source}, ${h.notification_id ?? null})`;
}

export interface VerifyRow {
  order_id: string;
  status: PurchaseStatus;
  amount: number;
  currency: string;
  item_name: string | null;
  paid_at: Date | null;
  store_name: string | null;
  store_slug: string | null;
  store_url_template: string | null;
}

/** One index lookup: everything the public verify endpoint and the callback page show. */
export async function findVerifyRow(db: Db, orderId: string): Promise<VerifyRow | undefined> {
  // Snap sends the buyer back with the order id it knows, which for a retried create is not the
  // merchant's. Such an id is the retried purchase's, as for notifications (Midtrans ids are unique).
  let merchantOrderId = orderId;
  if (isMidtransRetryOrderId(orderId)) {
    const [retried] = await db<{ order_id: string }[]>`select order_id from purchases where midtrans_order_id = ${orderId}`;
    if (retried) merchantOrderId = retried.order_id;
  }
  const [row] = await db<VerifyRow[]>`
    select p.order_id, p.status, p.amount, p.currency, p.item_name, p.paid_at,
           p.metadata->>'store_name' as store_name, p.metadata->>'store_slug' as store_slug,
           pr.store_url_template
    from purchases p join projects pr on pr.id = p.project_id
    where p.order_id = ${merchantOrderId}`;
  return row;
}

/** Where the project of a purchase sends its webhooks (null: none configured). */
export async function findProjectWebhookUrl(db: Db, projectId: string): Promise<string | null> {
  const [project] = await db<{ webhook_url: string | null }[]>`select webhook_url from projects where id = ${projectId}`;
  return project?.webhook_url ?? null;
}
