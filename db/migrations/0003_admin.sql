-- Admin console: staff accounts, their sessions, the audit log, and the indexes the
-- console's payment list, dashboard, webhook page and reconcile sweep read through.

create table admin_users (
  id              text primary key,                      -- adm_…
  email           text not null check (email = lower(email) and length(email) between 3 and 320),
  -- scrypt$N$r$p$salt_b64$hash_b64: the parameters are stored with the hash, per user.
  password_hash   text not null,
  created_at      timestamptz not null default now(),
  last_login_at   timestamptz,
  disabled_at     timestamptz
);
create unique index admin_users_email_idx on admin_users (email);

create table admin_sessions (
  id              text primary key,                      -- ses_…
  admin_id        text not null references admin_users(id),
  token_hash      text not null unique,                  -- sha256 hex of the cookie's random token
  created_at      timestamptz not null,
  last_seen_at    timestamptz not null,                  -- idle expiry is measured from here
  expires_at      timestamptz not null,                  -- absolute expiry
  revoked_at      timestamptz,
  ip              text,
  user_agent      text
);
create index admin_sessions_admin_idx on admin_sessions (admin_id);

create table admin_audit_log (
  id              bigserial primary key,
  admin_id        text references admin_users(id),       -- null: the system (first-admin bootstrap, CLI)
  admin_email     text,                                  -- kept as it was when the action happened
  action          text not null,                         -- e.g. payment.reconcile, credential.rotate
  target_type     text,                                  -- purchase | project | credential | webhook_event | admin
  target_id       text,
  details         jsonb not null default '{}'::jsonb,
  ip              text,
  created_at      timestamptz not null default now()
);
create index admin_audit_log_target_idx on admin_audit_log (target_id, id desc);
create index admin_audit_log_action_idx on admin_audit_log (action, id desc);

-- Payment list: every filter has an index that yields rows already in (created_at desc, id desc)
-- order, so a page is an index scan that stops after LIMIT rows.
create index purchases_environment_created_idx on purchases (environment, created_at desc, id desc);
create index purchases_midtrans_status_created_idx on purchases (midtrans_status, created_at desc, id desc);
-- Buyer e-mail search: exact or prefix (LIKE 'abc%' needs pattern ops under a non-C collation).
create index purchases_buyer_email_prefix_idx on purchases (lower(buyer_email) text_pattern_ops, created_at desc);
create index purchases_amount_idx on purchases (amount, created_at desc);
-- Dashboard: settled amounts per day.
create index purchases_paid_at_idx on purchases (paid_at) where paid_at is not null;

-- Reconcile sweep: when Astapa last asked Midtrans about a still-pending payment, so every
-- stale payment gets its turn instead of the oldest ones being asked again and again.
alter table purchases add column reconcile_checked_at timestamptz;
create index purchases_sweep_idx on purchases ((greatest(updated_at, reconcile_checked_at)))
  where status in ('pending', 'creating');

-- Webhook deliveries page: failing (pending, already attempted) and exhausted (failed) events.
create index webhook_events_trouble_idx on webhook_events (created_at desc, id desc)
  where status = 'failed' or (status = 'pending' and attempt_count > 0);
