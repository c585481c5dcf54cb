import type { Db } from "../db/connect";

/** The demo store's configuration (one row): the demo project's sandbox credential and webhook secret. */
export interface DemoStoreSettings {
  project_id: string;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
}

export type DemoOrderStatus = "created" | "create_failed" | "paid" | "expired" | "failed" | "refunded" | "reversed";

export interface DemoOrderRow {
  order_id: string;
  store_slug: string;
  product_id: string;
  item_name: string;
  amount: number;
  purchase_id: string | null;
  invoice_url: string | null;
  status: DemoOrderStatus;
  paid_at: Date | null;
  webhook_verified_at: Date | null;
  webhook_id: string | null;
  created_at: Date;
}

export async function findDemoStoreSettings(db: Db): Promise<DemoStoreSettings | undefined> {
  const [row] = await db<DemoStoreSettings[]>`
    select project_id, client_id, client_secret, webhook_secret from demo_store_settings where id`;
  return row;
}

/** Writes the one settings row (a later demo project replaces it). */
export async function saveDemoStoreSettings(db: Db, s: DemoStoreSettings): Promise<void> {
  await db`
    insert into demo_store_settings (id, project_id, client_id, client_secret, webhook_secret)
    values (true, ${s.project_id}, ${s.client_id}, ${s.client_secret}, ${s.webhook_secret})
    on conflict (id) do update set project_id = excluded.project_id, client_id = excluded.client_id,
      client_secret = excluded.client_secret, webhook_secret = excluded.webhook_secret, created_at = now()`;
}

export async function insertDemoOrder(db: Db, o: Pick<DemoOrderRow, "order_id" | "store_slug" | "product_id" | "item_name" | "amount">): Promise<void> {
  await db`
    insert into demo_store_orders (order_id, store_slug, product_id, item_name, amount)
    values (${o.order_id}, ${o.store_slug}, ${o.product_id}, ${o.item_name}, ${o.amount})`;
}

/** What Astapa answered to the create: the payment's ids, or that it failed. */
export async function recordDemoOrderPayment(db: Db, orderId: string, p: { purchase_id: string; invoice_url: string } | null): Promise<void> {
  if (p) await db`update demo_store_orders set purchase_id = ${p.purchase_id}, invoice_url = ${p.invoice_url} where order_id = ${orderId}`;
  else await db`update demo_store_orders set status = 'create_failed' where order_id = ${orderId}`;
}

export async function findDemoOrder(db: Db, orderId: string): Promise<DemoOrderRow | undefined> {
  const [row] = await db<DemoOrderRow[]>`select * from demo_store_orders where order_id = ${orderId}`;
  return row;
}

export async function listRecentDemoOrders(db: Db, storeSlug: string, limit: number): Promise<DemoOrderRow[]> {
  return db<DemoOrderRow[]>`
    select * from demo_store_orders where store_slug = ${storeSlug} order by created_at desc, order_id limit ${limit}`;
}

/**
 * Applies one verified webhook once: records its webhook-id (a repeat changes nothing and answers
 * false) and moves the order to `status` when it is in one of `from` and its amount matches.
 * Answers whether the webhook was new.
 */
export async function applyDemoWebhook(
  db: Db,
  w: { webhook_id: string; event: string; order_id: string; amount: number; status: DemoOrderStatus; from: DemoOrderStatus[]; paid_at: Date | null },
): Promise<boolean> {
  // One statement: the webhook-id is recorded and the order changed together, or neither.
  const [row] = await db<{ fresh: boolean }[]>`
    with fresh as (
      insert into demo_store_webhooks (webhook_id, event, order_id) values (${w.webhook_id}, ${w.event}, ${w.order_id})
      on conflict (webhook_id) do nothing returning webhook_id
    ), changed as (
      update demo_store_orders
         set status = ${w.status}, paid_at = coalesce(${w.paid_at}, paid_at), webhook_verified_at = now(), webhook_id = ${w.webhook_id}
       where order_id = ${w.order_id} and amount = ${w.amount} and status = any(${db.array(w.from)}) and exists (select 1 from fresh)
      returning order_id
    )
    select exists (select 1 from fresh) as fresh, (select count(*) from changed) as changed`;
  return row.fresh;
}
