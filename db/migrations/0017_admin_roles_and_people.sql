-- Roles and people management for the admin console (docs/decisions/0017-roles.md).
-- Every admin has one role; the permissions each role grants live in code
-- (server/admin/permissions.ts), so a role's meaning changes with a deploy, not a migration.
-- Admins created before roles existed keep full control: they become owners.
alter table admin_users
  add column role text not null default 'owner' check (role in ('owner', 'finance', 'operator', 'viewer'));

-- One-time links an owner hands out: an invitation (a new person sets their password and
-- becomes an admin with the role chosen by the owner) or a password reset for an existing
-- admin. Only the sha256 of the link's random token is stored; a link works once, until
-- expires_at, and not after a newer link of the same kind for the same person replaced it.
create table admin_tokens (
  id            text primary key,                                 -- atk_…
  kind          text not null check (kind in ('invite', 'reset')),
  token_hash    text not null unique,                             -- sha256 hex of the link's token
  email         text not null check (email = lower(email)),       -- the invitee / the admin reset
  role          text check (role in ('owner', 'finance', 'operator', 'viewer')), -- invite only
  admin_id      text references admin_users(id),                  -- reset: whose password; invite: set once accepted
  created_by    text references admin_users(id),
  created_at    timestamptz not null,
  expires_at    timestamptz not null,
  used_at       timestamptz,
  revoked_at    timestamptz
);
create index admin_tokens_email_idx on admin_tokens (email, created_at desc);
