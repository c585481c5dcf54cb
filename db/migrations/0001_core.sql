-- Core schema: projects, API credentials, purchases, Midtrans notifications,
-- status history, and the merchant-webhook outbox.

create table projects (
  id                   text primary key,                 -- prj_…
  name                 text not null check (length(name) between 1 and 200),
  webhook_url          text,
  store_url_template   text,                             -- e.g. https://shop.example.com/{store_slug}
  -- Needed in clear to sign (HMAC), unlike client secrets, which are only checked.
  webhook_secret       text not null,
  webhook_secret_previous            text,
  webhook_secret_previous_expires_at timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);

create table api_credentials (
  id            text primary key,                        -- cred_…
  project_id    text not null references projects(id),
  environment   text not null check (environment in ('sandbox', 'production')),
  client_id     text not null unique,
  secret_hash   text not null,                           -- sha256 hex of the 256-bit random secret
  secret_last4  text not null,
  created_at    timestamptz not null default now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
create index api_credentials_project_idx on api_credentials (project_id);

create table purchases (
  id                       text primary key,             -- purchase_id: pur_…
  project_id               text not null references projects(id),
  environment              text not null check (environment in ('sandbox', 'production')),
  order_id                 text not null unique,         -- the merchant's, unique platform-wide (Midtrans's rule)
  amount                   bigint not null check (amount > 0),
  currency                 text not null default 'IDR',
  buyer_email              text not null,
  buyer_name               text,
  item_id                  text not null default '__direct__',
  item_name                text,
  metadata                 jsonb not null default '{}'::jsonb,
  status                   text not null check (status in
                             ('creating', 'create_failed', 'pending', 'settlement', 'cancel', 'expire', 'refund')),
  midtrans_status          text,
  fraud_status             text,
  payment_type             text,
  midtrans_transaction_id  text,
  refunded_amount          bigint not null default 0,
  snap_token               text,
  invoice_url              text,
  snap_expires_at          timestamptz,
  create_error             text,
  created_at               timestamptz not null default now(),
  paid_at                  timestamptz,
  updated_at               timestamptz not null default now()
);
create index purchases_project_created_idx on purchases (project_id, created_at desc, id desc);
create index purchases_status_created_idx on purchases (status, created_at desc, id desc);
create index purchases_created_idx on purchases (created_at desc, id desc);
create index purchases_buyer_email_idx on purchases (lower(buyer_email));

create table purchase_status_history (
  id               bigserial primary key,
  purchase_id      text not null references purchases(id),
  from_status      text,
  to_status        text not null,
  midtrans_status  text,
  fraud_status     text,
  source           text not null,                        -- create | notification | reconcile | sweep
  notification_id  bigint,
  created_at       timestamptz not null default now()
);
create index purchase_status_history_purchase_idx on purchase_status_history (purchase_id, id);

create table midtrans_notifications (
  id               bigserial primary key,
  received_at      timestamptz not null default now(),
  order_id         text,
  purchase_id      text references purchases(id),
  environment      text,
  transaction_status text,
  status_code      text,
  raw_body         text not null,
  headers          jsonb not null default '{}'::jsonb,
  remote_addr      text,
  signature_valid  boolean,
  outcome          text not null default 'received',     -- received | applied | duplicate | ignored | rejected | error
  detail           text
);
create index midtrans_notifications_purchase_idx on midtrans_notifications (purchase_id, id);
create index midtrans_notifications_order_idx on midtrans_notifications (order_id);

-- Outbox: one row per event, written in the same transaction as the state change.
create table webhook_events (
  id               text primary key,                     -- msg_…: the webhook-id header, stable across retries
  project_id       text not null references projects(id),
  purchase_id      text not null references purchases(id),
  event_type       text not null,
  payload          jsonb not null,
  status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed', 'no_endpoint')),
  attempt_count    integer not null default 0,
  next_attempt_at  timestamptz,
  locked_until     timestamptz,
  locked_by        text,
  last_error       text,
  created_at       timestamptz not null default now(),
  delivered_at     timestamptz,
  unique (purchase_id, event_type)                       -- at most one item.purchased per payment, ever
);
create index webhook_events_due_idx on webhook_events (next_attempt_at) where status = 'pending';
create index webhook_events_project_idx on webhook_events (project_id, created_at desc);

create table webhook_attempts (
  id               bigserial primary key,
  event_id         text not null references webhook_events(id),
  attempt_number   integer not null,
  trigger          text not null check (trigger in ('scheduled', 'manual')),
  url              text not null,
  response_status  integer,
  response_body    text,
  error            text,
  duration_ms      integer,
  started_at       timestamptz not null default now()
);
create index webhook_attempts_event_idx on webhook_attempts (event_id, id);
