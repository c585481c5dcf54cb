-- Fair, bounded webhook delivery (docs/decisions/0008-fair-delivery.md).
--
-- * failing_since: when the endpoint's current run of failed scheduled attempts began (null after
--   a delivered attempt). disabled_at: set when an attempt fails and that run is 5 days old; the
--   worker then claims none of the endpoint's events (they stay `pending`, recorded, and are made
--   due again when an operator re-enables the endpoint).
-- * event_types: the event types the endpoint receives; null = all (the default, and every
--   existing endpoint). An event of another type is written as `no_endpoint`.
alter table webhook_endpoints
  add column failing_since timestamptz,
  add column disabled_at   timestamptz,
  add column event_types   text[];

-- Fair claiming reads, per endpoint, its oldest due events and how many it has in flight.
create index webhook_events_endpoint_due_idx on webhook_events (project_id, environment, next_attempt_at) where status = 'pending';
create index webhook_events_endpoint_claimed_idx on webhook_events (project_id, environment) where status = 'pending' and locked_by is not null;
