-- The demo store (server/demo-store/, docs/architecture.md): the stand-in merchant `npm start`
-- serves next to the demo project, so a newcomer sees create → pay → callback → item.purchased.
-- Its own tables, as a merchant has its own database: nothing of Astapa reads or writes them, and
-- the demo store reaches Astapa over the public HTTP API only.

-- Its configuration, what a merchant keeps in its environment: the demo project's sandbox
-- credential and sandbox webhook signing secret. One row, written when the demo project is
-- created. Sandbox only (the simulator or Midtrans's sandbox): never a live credential.
create table demo_store_settings (
  id             boolean primary key default true check (id),
  project_id     text not null,
  client_id      text not null,
  client_secret  text not null,
  webhook_secret text not null,
  created_at     timestamptz not null default now()
);

-- Its orders: created before it asks Astapa for a payment, changed only by verified webhooks.
create table demo_store_orders (
  order_id            text primary key,
  store_slug          text not null,
  product_id          text not null,
  item_name           text not null,
  amount              bigint not null,
  purchase_id         text,
  invoice_url         text,
  status              text not null default 'created'
                        check (status in ('created', 'create_failed', 'paid', 'expired', 'failed', 'refunded', 'reversed')),
  paid_at             timestamptz,
  -- When the last verified webhook changed the order, and its webhook-id.
  webhook_verified_at timestamptz,
  webhook_id          text,
  created_at          timestamptz not null default now()
);
create index demo_store_orders_recent_idx on demo_store_orders (created_at desc);

-- Every verified webhook-id it has processed: delivery is at least once (docs/api.md).
create table demo_store_webhooks (
  webhook_id  text primary key,
  event       text not null,
  order_id    text,
  received_at timestamptz not null default now()
);
