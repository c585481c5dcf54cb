-- Lifecycle events for merchants (docs/api.md, "Webhooks"): several events per payment, each at
-- most once. `dedupe_key` names the transition an event stands for (`item.purchased`,
-- `payment.expired`, `payment.refunded:<refunded total after it>`, ...); the unique
-- (purchase_id, dedupe_key) replaces (purchase_id, event_type), which allowed one event of a kind.
alter table webhook_events add column dedupe_key text;
update webhook_events set dedupe_key = event_type where dedupe_key is null;
alter table webhook_events alter column dedupe_key set not null;
alter table webhook_events drop constraint if exists webhook_events_purchase_id_event_type_key;
create unique index webhook_events_purchase_dedupe_idx on webhook_events (purchase_id, dedupe_key);

-- Astapa's own expiry (the Snap page lapsed unused) versus Midtrans's: only an expiry Astapa made
-- may still be followed by a settlement (money arrived), which is then flagged for operators.
alter table purchases add column expired_by_astapa boolean not null default false;
alter table purchases add column settled_after_expiry_at timestamptz;
update purchases p set expired_by_astapa = true
 where p.status = 'expire' and p.midtrans_transaction_id is null;
