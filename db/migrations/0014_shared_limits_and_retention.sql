-- Rate limits shared by every web process (docs/scaling.md#rate-limits, docs/decisions/0007):
-- one row per limited key. A window starts at the key's first claim and lasts the limit's length
-- (as rate-limiter-flexible's in-memory limits do); a process takes a block of the window's
-- budget at a time (`used` grows by what it was granted, never past `cap`) and spends it in
-- memory, so a request waits for this table only when its process has spent its block.
-- Unlogged: counts for the current window are not worth WAL; after a crash they restart at zero.
create unlogged table rate_limit_counters (
  key             text        not null primary key,  -- "<limit>:<client key>", e.g. "verifyPerIp:198.51.100.7"
  cap             integer     not null,              -- the configured limit when last claimed
  used            integer     not null,              -- granted to processes so far in this window
  last_grant      integer     not null,              -- what the latest claim was granted (read back by RETURNING)
  window_ends_at  timestamptz not null
);
create index rate_limit_counters_window_ends_idx on rate_limit_counters (window_ends_at);

-- Retention of raw bodies (RAW_BODY_RETENTION_DAYS, default 90; server/payments/retention.ts,
-- server/webhooks/retention.ts): after it, an accepted notification's raw body is emptied (its
-- SHA-256 and size stay; rejected ones are deleted after REJECTED_NOTIFICATION_RETENTION_DAYS)
-- and a webhook attempt's response body is cleared. The rows stay: they are the payment's history.
alter table midtrans_notifications add column raw_body_pruned_at timestamptz;
create index midtrans_notifications_body_retention_idx on midtrans_notifications (received_at)
  where raw_body_pruned_at is null;
create index webhook_attempts_body_retention_idx on webhook_attempts (started_at)
  where response_body is not null;
