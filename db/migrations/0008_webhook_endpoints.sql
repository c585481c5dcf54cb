-- A webhook endpoint per project AND environment, each with its own URL and its own signing
-- secret (docs/decisions/0006-webhook-endpoints-per-environment.md): a sandbox event is never
-- sent to the production endpoint nor signed with the production secret.

create table webhook_endpoints (
  project_id                 text not null references projects(id),
  environment                text not null check (environment in ('sandbox', 'production')),
  url                        text,                     -- null: none yet (events are kept as no_endpoint)
  -- Needed in clear to sign (HMAC), like the project secret it replaces.
  secret                     text not null,
  secret_previous            text,                     -- still signs until secret_previous_expires_at (rotation)
  secret_previous_expires_at timestamptz,
  created_at                 timestamptz not null default now(),
  updated_at                 timestamptz not null default now(),
  primary key (project_id, environment)
);

-- Existing projects had one URL and one secret for both environments. The rule:
-- * an environment the project has used (a credential, even revoked, or a payment) keeps the URL;
--   a project that has used neither counts as sandbox (every project starts there);
-- * the existing secret (and its rotation overlap) stays with production when the project has
--   used production, else with sandbox: the receiver already deployed keeps verifying;
-- * the other endpoint gets a NEW secret (shown in the console). A project that used both
--   environments therefore keeps receiving sandbox events at the same URL, signed with a secret
--   its production receiver does not know, so they can no longer pass as production events.
-- New secrets: `whsec_` + base64 of 32 bytes from two gen_random_uuid() (a strong random source,
-- built into PostgreSQL 13+ and PGlite): 244 random bits.
with used as (
  select p.*,
         exists (select 1 from api_credentials c where c.project_id = p.id and c.environment = 'production')
           or exists (select 1 from purchases pu where pu.project_id = p.id and pu.environment = 'production') as production_used,
         exists (select 1 from api_credentials c where c.project_id = p.id and c.environment = 'sandbox')
           or exists (select 1 from purchases pu where pu.project_id = p.id and pu.environment = 'sandbox') as sandbox_used
    from projects p
), secrets as (
  select used.*,
         'whsec_' || encode(decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64') as new_secret
    from used
)
insert into webhook_endpoints (project_id, environment, url, secret, secret_previous, secret_previous_expires_at, created_at, updated_at)
select id, 'production',
       case when production_used then webhook_url end,
       case when production_used then webhook_secret else new_secret end,
       case when production_used then webhook_secret_previous end,
       case when production_used then webhook_secret_previous_expires_at end,
       created_at, now()
  from secrets
union all
select id, 'sandbox',
       case when sandbox_used or not production_used then webhook_url end,
       case when production_used then new_secret else webhook_secret end,
       case when production_used then null else webhook_secret_previous end,
       case when production_used then null else webhook_secret_previous_expires_at end,
       created_at, now()
  from secrets;

-- Events record their environment (their purchase's): delivery picks the endpoint of that
-- environment at send time.
alter table webhook_events add column environment text;
update webhook_events e set environment = pu.environment from purchases pu where pu.id = e.purchase_id;
alter table webhook_events alter column environment set not null;
alter table webhook_events add constraint webhook_events_environment_check check (environment in ('sandbox', 'production'));

-- The project-wide URL and secret now live in webhook_endpoints only.
alter table projects
  drop column webhook_url,
  drop column webhook_secret,
  drop column webhook_secret_previous,
  drop column webhook_secret_previous_expires_at;
