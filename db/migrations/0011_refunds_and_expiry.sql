-- Refunds made through Astapa (the merchant refund API and the console), one row per refund
-- request (docs/api.md#post-apiplatformshop-paymentrefund). A row is written BEFORE Midtrans is
-- called (status 'processing'), which reserves its amount against concurrent refunds of the same
-- payment, and completed with the stored answer ('succeeded'), which an Idempotency-Key replay
-- returns as is. A refused or failed call deletes its row: the same key may be tried again.
create table refunds (
  id                  text primary key,
  purchase_id         text not null references purchases(id),
  project_id          text not null references projects(id),
  environment         text not null,
  source              text not null check (source in ('api', 'console')),
  -- API refunds only: the merchant's Idempotency-Key and a hash of the request it came with.
  idempotency_key     text,
  request_hash        text,
  amount              bigint not null check (amount > 0),
  reason              text,
  -- Midtrans's refund_key (derived from the Idempotency-Key: a retried call is Midtrans's replay).
  midtrans_refund_key text not null,
  status              text not null check (status in ('processing', 'succeeded')),
  response            jsonb,
  created_at          timestamptz not null default now(),
  completed_at        timestamptz
);
create unique index refunds_idempotency_idx on refunds (project_id, environment, idempotency_key)
  where idempotency_key is not null;
create index refunds_purchase_idx on refunds (purchase_id);

-- The sweep also looks at open payments whose Snap page has expired and that were not checked
-- since (server/payments/reconcile.queries.ts sweepCandidatesQuery).
create index purchases_expiry_idx on purchases (snap_expires_at)
  where status in ('creating', 'pending');
