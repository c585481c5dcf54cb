import type { Db } from "../db/connect";
import { initialStatus, localTransitions, publicStatusOf, purchaseStatuses, type HistorySource, type MidtransStatus, type PurchaseStatus } from "./lifecycle";
import type { PurchaseRow } from "./payments.schema";
import type { Environment } from "../midtrans/gateway";

/** The purchase row (no lock): the one read of a purchase by id. */
export async function findPurchaseById(db: Db, id: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`select * from purchases where id = ${id}`;
  return row;
}

/** The purchase with this merchant order_id in the project's environment (unique there), locked. */
export async function lockPurchaseByOrderId(db: Db, scope: { projectId: string; environment: string }, orderId: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`
    select * from purchases
    where order_id = ${orderId} and project_id = ${scope.projectId} and environment = ${scope.environment}
    for update`;
  return row;
}

/** The purchase row (with its expiry flag, db/migrations/0010), locked until the end of the caller's transaction. */
export async function lockPurchaseById(db: Db, id: string): Promise<(PurchaseRow & { expired_by_astapa: boolean }) | undefined> {
  const [row] = await db<(PurchaseRow & { expired_by_astapa: boolean })[]>`select * from purchases where id = ${id} for update`;
  return row;
}

/** The item purchase made with this Idempotency-Key in the project's environment (unique there), locked. */
export async function lockPurchaseByIdempotencyKey(db: Db, scope: { projectId: string; environment: string }, key: string): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`
    select * from purchases
    where project_id = ${scope.projectId} and environment = ${scope.environment} and idempotency_key = ${key}
    for update`;
  return row;
}

export interface NewPurchase {
  id: string;
  idempotency_key?: string | null;
  project_id: string;
  environment: string;
  order_id: string;
  /** Derived by the service (order-id.ts `newMidtransOrderId`): every new purchase has one. */
  midtrans_order_id: string;
  amount: number;
  buyer_email: string;
  buyer_name: string | null;
  item_id: string;
  item_name: string | null;
  metadata: Record<string, unknown>;
}

/**
 * The common first request in one statement (no explicit transaction): inserted, or
 * undefined when the order_id (or idempotency key) already exists in the project's environment
 * (or, practically never, the random Midtrans order id is taken). Metadata, a JSON object
 * (payments.schema.ts), goes as its JSON text and PostgreSQL parses it (`::text::jsonb`).
 */
export async function tryInsertCreatingPurchase(db: Db, p: NewPurchase): Promise<PurchaseRow | undefined> {
  const [row] = await db<PurchaseRow[]>`
    insert into purchases (id, project_id, environment, order_id, midtrans_order_id, amount, buyer_email, buyer_name, item_id, item_name, metadata, status, idempotency_key)
    values (${p.id}, ${p.project_id}, ${p.environment}, ${p.order_id}, ${p.midtrans_order_id}, ${p.amount}, ${p.buyer_email}, ${p.buyer_name},
            ${p.item_id}, ${p.item_name}, ${JSON.stringify(p.metadata)}::text::jsonb, ${initialStatus}, ${p.idempotency_key ?? null})
    on conflict do nothing
    returning *`;
  return row;
}

/** A failed creation is retried in place: same purchase_id, the new request's details. */
export async function restartFailedPurchase(
  db: Db,
  id: string,
  p: Omit<NewPurchase, "id" | "project_id" | "order_id" | "midtrans_order_id" | "idempotency_key">,
  nextMidtransOrderId: string | null,
): Promise<PurchaseRow> {
  const [row] = await db<PurchaseRow[]>`
    update purchases set environment = ${p.environment}, amount = ${p.amount}, buyer_email = ${p.buyer_email},
      midtrans_order_id = coalesce(${nextMidtransOrderId}, midtrans_order_id),
      buyer_name = ${p.buyer_name}, item_id = ${p.item_id}, item_name = ${p.item_name}, metadata = ${JSON.stringify(p.metadata)}::text::jsonb,
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

/** One outbox row of a transition (its id made by the caller). */
export interface TransitionEvent {
  id: string;
  event_type: string;
  dedupe_key: string;
  payload: object;
}

/**
 * A whole lifecycle move in ONE statement, inside the caller's transaction (which holds the
 * row's lock): the purchase row (with the expiry flags), its history row, the move's outbox
 * events and, for a notification, its outcome. Data-modifying CTEs all run, whether or not the
 * final select reads them. The outbox insert follows `insertWebhookEvent`
 * (server/webhooks/webhooks.queries.ts): the endpoint of the purchase's environment that takes
 * the event type decides pending or `no_endpoint`, the unique (purchase_id, dedupe_key) makes a
 * second event for the same transition impossible, and a pending one NOTIFYs `notifyChannel`
 * (sent at commit; PostgreSQL folds repeats). Returns the updated row and the types of the events that were new.
 *
 * With `expected_row_version` (the row's `xmin` as read earlier, outside any transaction) the
 * statement is its own transaction and writes only if the row is still that version: a concurrent
 * writer's update gives the row a new `xmin`, and PostgreSQL re-checks the condition on the newest
 * version after waiting for that writer's lock. Then nothing at all is written (every CTE hangs on
 * `updated`) and the result is undefined. Without it, the caller's transaction holds the lock.
 */
export async function writePurchaseTransition(
  db: Db,
  w: {
    id: string;
    /** The row version (`xmin::text`) the move was decided on; null: the caller holds the row's lock. */
    expected_row_version: string | null;
    from_status: PurchaseStatus;
    status: PurchaseStatus;
    midtrans_status: MidtransStatus;
    fraud_status: string | null;
    payment_type: string | null;
    midtrans_transaction_id: string | null;
    refunded_amount: number;
    paid_at: Date | null;
    /** Astapa's own expiry (docs/api.md, "payment.expired"). */
    expired_by_astapa: boolean;
    /** Money arrived after Astapa expired the payment: set once. */
    settled_after_expiry_at: Date | null;
    source: HistorySource;
    notification_id: number | null;
    /** The notification's outcome, recorded in the same transaction. */
    notification_outcome: { outcome: string; detail: string | null } | null;
    events: readonly TransitionEvent[];
    project_id: string;
    notifyChannel: string;
  },
): Promise<{ updated: PurchaseRow; eventsWritten: number; eventTypesWritten: string[] } | undefined> {
  const outcome = w.notification_outcome;
  const [row] = await db<(PurchaseRow & { event_types_written: string[]; notified: number })[]>`
    with updated as (
      update purchases set status = ${w.status}, midtrans_status = ${w.midtrans_status}, fraud_status = ${w.fraud_status},
        payment_type = coalesce(${w.payment_type}, payment_type),
        midtrans_transaction_id = coalesce(${w.midtrans_transaction_id}, midtrans_transaction_id),
        refunded_amount = ${w.refunded_amount}, paid_at = ${w.paid_at}, updated_at = now(),
        expired_by_astapa = expired_by_astapa or ${w.expired_by_astapa},
        settled_after_expiry_at = coalesce(settled_after_expiry_at, ${w.settled_after_expiry_at}::timestamptz)
      where id = ${w.id} and (${w.expected_row_version}::text is null or xmin::text = ${w.expected_row_version}::text)
      returning *
    ), history as (
      insert into purchase_status_history (purchase_id, from_status, to_status, midtrans_status, fraud_status, source, notification_id)
      select id, ${w.from_status}::text, status, midtrans_status, fraud_status, ${w.source}::text, ${w.notification_id}::bigint from updated
    ), outcome as (
      update midtrans_notifications set outcome = ${outcome?.outcome ?? null}, detail = ${outcome?.detail ?? null}
      where ${outcome !== null} and id = ${w.notification_id}::bigint and exists (select 1 from updated)
    ), ins as (
      insert into webhook_events (id, project_id, purchase_id, environment, event_type, dedupe_key, payload, status, next_attempt_at)
      select e.id, ${w.project_id}, u.id, u.environment, e.event_type, e.dedupe_key, e.payload,
             case when we.url is not null then 'pending' else 'no_endpoint' end,
             case when we.url is not null then now() end
        from jsonb_to_recordset(${JSON.stringify(w.events)}::text::jsonb) as e(id text, event_type text, dedupe_key text, payload jsonb)
        cross join updated u
        -- An endpoint limited to some event types takes only those (docs/decisions/0008-fair-delivery.md).
        left join webhook_endpoints we on we.project_id = ${w.project_id} and we.environment = u.environment
              and (we.event_types is null or e.event_type = any(we.event_types))
      on conflict (purchase_id, dedupe_key) do nothing
      returning status, event_type)
    select updated.*, array(select event_type from ins) as event_types_written,
           (select count(pg_notify(${w.notifyChannel}, '')::text) from ins where status = 'pending')::int as notified
    from updated`;
  if (!row) return undefined;
  const { event_types_written, notified: _notified, ...updated } = row;
  return { updated: updated as PurchaseRow, eventsWritten: event_types_written.length, eventTypesWritten: event_types_written };
}

export interface VerifyRow {
  /** Internal, with the next three: the callback page reads them (server/remix/callback.ts); verify never shows them. */
  id: string;
  environment: Environment;
  payment_type: string | null;
  invoice_url: string | null;
  order_id: string;
  /** Internal (the callback page polls with it); never shown to merchants or buyers. */
  midtrans_order_id: string | null;
  status: PurchaseStatus;
  amount: number;
  currency: string;
  item_name: string | null;
  paid_at: Date | null;
  refunded_amount: number;
  snap_expires_at: Date | null;
  store_name: string | null;
  store_slug: string | null;
  store_url_template: string | null;
}

/** Statuses of a payment (a failed creation is none: verify and the callback page answer 404). */
const paymentStatuses = purchaseStatuses.filter((s) => publicStatusOf(s) !== null);

const verifyColumns = (db: Db) => db`
  p.id, p.environment, p.payment_type, p.invoice_url, p.order_id, p.midtrans_order_id, p.status, p.amount, p.currency, p.item_name, p.paid_at, p.refunded_amount, p.snap_expires_at,
  p.metadata->>'store_name' as store_name, p.metadata->>'store_slug' as store_slug, pr.store_url_template`;

/**
 * What verify (without client_id) and the callback page may show for an order id, through two
 * indexes: the payment whose Midtrans order id it is (`by_midtrans_id`, at most one), and up to
 * two payments using it as their merchant order_id (two mean it is ambiguous). Failed creations
 * are left out.
 */
export async function findPublicPaymentCandidates(db: Db, orderId: string): Promise<(VerifyRow & { by_midtrans_id: boolean })[]> {
  return db<(VerifyRow & { by_midtrans_id: boolean })[]>`
    select ${verifyColumns(db)}, coalesce(p.midtrans_order_id = ${orderId}, false) as by_midtrans_id
    from purchases p join projects pr on pr.id = p.project_id
    where (p.midtrans_order_id = ${orderId} or p.order_id = ${orderId}) and p.status = any(${db.array(paymentStatuses)})
    order by by_midtrans_id desc
    limit 2`;
}

/**
 * The payment with this order id in the project and environment the client_id names (a
 * credential's public id; revoked ones too: their payments still exist). The merchant's
 * order_id first, else the Midtrans order id, both unique there.
 */
export async function findPublicPaymentForClient(db: Db, clientId: string, orderId: string): Promise<VerifyRow | undefined> {
  const [row] = await db<VerifyRow[]>`
    select ${verifyColumns(db)}
    from api_credentials c
    join purchases p on p.project_id = c.project_id and p.environment = c.environment
    join projects pr on pr.id = p.project_id
    where c.client_id = ${clientId} and (p.order_id = ${orderId} or p.midtrans_order_id = ${orderId})
      and p.status = any(${db.array(paymentStatuses)})
    order by p.order_id = ${orderId} desc
    limit 1`;
  return row;
}
