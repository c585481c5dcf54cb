-- Two-factor sign-in (TOTP, RFC 6238) and one-time recovery codes for the admin console
-- (docs/decisions/0019-two-factor.md).

-- One TOTP secret per admin. The secret is needed to check a code, so it cannot be hashed: it is
-- stored encrypted (AES-256-GCM under ADMIN_TOTP_KEY, never in the database). `enabled_at` null:
-- enrolment started (secret shown to its owner) but not yet confirmed with a code.
create table admin_two_factor (
  admin_id          text primary key references admin_users(id),
  secret_encrypted  text not null,                 -- v1.<iv>.<tag>.<ciphertext>, base64url
  created_at        timestamptz not null,
  enabled_at        timestamptz,
  -- The newest accepted TOTP time step (unix seconds / 30): a code is accepted once, and never an
  -- older one (a replay), raised atomically by the statement that accepts a code.
  last_time_step    bigint
);

-- Ten one-time recovery codes per admin with two-factor sign-in; only their sha256 is stored.
create table admin_recovery_codes (
  id          text primary key,                    -- arc_…
  admin_id    text not null references admin_users(id),
  code_hash   text not null,                       -- sha256 hex of the normalised code
  created_at  timestamptz not null,
  used_at     timestamptz
);
create index admin_recovery_codes_admin_idx on admin_recovery_codes (admin_id, code_hash) where used_at is null;

-- A sign-in whose password was right but whose second factor is still to come: a short-lived
-- session that opens nothing but the second step (server/admin/sessions.service.ts).
alter table admin_sessions add column second_factor_pending boolean not null default false;
