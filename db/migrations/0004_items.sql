-- Items: a platform-managed catalog. Shop payments use the per-project sentinel item
-- `__direct__`, which exists for every project and can be neither edited nor bought.

create table items (
  project_id          text not null references projects(id),
  id                  text not null,                    -- item_… (or the sentinel __direct__)
  name                text not null check (length(name) between 1 and 200),
  description         text,
  price               bigint not null check (price > 0),
  active              boolean not null default true,
  price_overridable   boolean not null default false,
  min_price           bigint check (min_price > 0),
  max_price           bigint check (max_price > 0),
  is_sentinel         boolean not null default false,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now(),
  primary key (project_id, id),
  check (min_price is null or max_price is null or min_price <= max_price)
);
create index items_project_active_idx on items (project_id, active, created_at desc);

-- The sentinel for every existing project (new projects get theirs at creation).
insert into items (project_id, id, name, price, active, is_sentinel)
select id, '__direct__', 'Shop payment', 1, false, true from projects
on conflict do nothing;

-- Generated order ids make a merchant's retry a new order unless it sends an Idempotency-Key.
alter table purchases add column idempotency_key text;
create unique index purchases_project_idempotency_idx on purchases (project_id, idempotency_key) where idempotency_key is not null;
