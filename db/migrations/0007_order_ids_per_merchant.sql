-- Order ids are the merchant's, per project and environment
-- (docs/decisions/0004-midtrans-order-ids.md): two merchants may both use `1001`, and a
-- project's sandbox `1001` and production `1001` are different payments. Midtrans, which wants
-- an order id unique within its account, is given an id Astapa derives and stores in
-- midtrans_order_id (migration 0006; unique when set).

-- Was unique platform-wide, sandbox included: one merchant's id blocked every other's.
alter table purchases drop constraint purchases_order_id_key;
-- Unique per (project, environment). order_id first: it also serves the lookups by order_id
-- alone (verify without client_id, the callback page, the console's search).
create unique index purchases_order_scope_idx on purchases (order_id, project_id, environment);

-- Rows created before this migration may have no midtrans_order_id: Midtrans knows them by
-- order_id, which was unique platform-wide. Every purchase created from now on gets a derived
-- midtrans_order_id, so the rows still without one keep that uniqueness (a notification for
-- such an id finds exactly one purchase).
create unique index purchases_legacy_order_id_idx on purchases (order_id) where midtrans_order_id is null;

-- Idempotency keys of item purchases: per (project, environment) too, so a key used in sandbox
-- can never block the same key in production.
drop index purchases_project_idempotency_idx;
create unique index purchases_project_idempotency_idx on purchases (project_id, environment, idempotency_key)
  where idempotency_key is not null;
