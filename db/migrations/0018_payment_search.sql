-- Search people actually type (docs/api.md#console-payment-search): a fragment of an order id, a
-- buyer e-mail, a buyer name or an item name, case-insensitive, through one trigram GIN index on
-- the four fields joined by a line break (a fragment typed in one field never spans two). pg_trgm
-- is a trusted extension (PostgreSQL 13+): the database owner may create it; PGlite loads it from
-- @electric-sql/pglite/contrib/pg_trgm (server/db/connect.ts).
--
-- The expression must stay byte-for-byte the one in server/payments/payment-list.queries.ts
-- (searchText), or the planner cannot use the index.
--
-- Building the index reads the whole table once and blocks writes to purchases meanwhile (about
-- 10 s per million rows); on a large production table, create it CONCURRENTLY by hand first (same
-- name: this migration then skips it).
create extension if not exists pg_trgm;

create index if not exists purchases_search_trgm_idx on purchases using gin (
  (order_id || E'\n' || buyer_email || E'\n' || coalesce(buyer_name, '') || E'\n' || coalesce(item_name, '')) gin_trgm_ops
);

-- The payment-method filter in list order (keyset on created_at, id), like the status filter.
create index if not exists purchases_payment_type_created_idx on purchases (payment_type, created_at desc, id desc)
  where payment_type is not null;

-- The dashboard's "needs attention" panel: payments paid after Astapa expired them (rare)…
create index if not exists purchases_settled_after_expiry_idx on purchases (settled_after_expiry_at)
  where settled_after_expiry_at is not null;
-- …and notifications whose amount differed from the payment's (apply-status.ts records them as
-- outcome 'ignored' with a detail starting 'amount_mismatch:').
create index if not exists midtrans_notifications_amount_mismatch_idx on midtrans_notifications (received_at)
  where detail like 'amount_mismatch:%';
