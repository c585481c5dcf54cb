-- The console's Webhooks page lists every event with its deliveries (docs/api.md#console-webhooks).
--
-- Test webhooks (the console's "Send test webhook" and POST /api/platform/webhooks/test) never
-- enter the outbox: they are sent once, now, and never retried. Each send is kept here, one row
-- per send with its one attempt, so the page can list them beside the events, marked as tests.
create table webhook_test_sends (
  id               text primary key,                     -- msg_test_…: the webhook-id sent
  project_id       text not null references projects(id),
  environment      text not null check (environment in ('sandbox', 'production')),
  event_type       text not null,                        -- webhook.test (console) or the sample's type (API)
  source           text not null check (source in ('console', 'api')),
  url              text not null,
  response_status  integer,
  response_body    text,                                 -- the first 500 bytes of the answer
  error            text,
  duration_ms      integer,
  created_at       timestamptz not null default now()    -- when it was sent
);
create index webhook_test_sends_list_idx on webhook_test_sends (created_at desc, id desc);

-- The page's list, newest first (keyset on created_at, id): every event, and each state's
-- events (its tabs and their counts, which stop counting at 10 000: server/webhooks/webhook-events-list.queries.ts).
-- Without them the first page read and sorted every event (about 170 ms at 100 000 events).
create index webhook_events_list_idx on webhook_events (created_at desc, id desc);
create index webhook_events_status_list_idx on webhook_events (status, created_at desc, id desc);
