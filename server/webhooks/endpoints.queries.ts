import type { Db } from "../db/connect";
import type { Environment } from "../midtrans/gateway";
import type { SigningSecrets } from "./signing";

/** A project's webhook endpoint for one environment: where its events go and what signs them. */
export interface WebhookEndpointRow extends SigningSecrets {
  project_id: string;
  environment: Environment;
  url: string | null;
  /** When the current run of failed scheduled attempts began (null after a delivery). */
  failing_since: Date | null;
  /** Set when every attempt failed for 5 days: the worker holds the endpoint's events (docs/decisions/0008-fair-delivery.md). */
  disabled_at: Date | null;
  /** The event types it receives; null = all. */
  event_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

/** Both endpoints of a new project (inside the caller's transaction). */
export async function insertEndpoints(
  db: Db,
  projectId: string,
  endpoints: { environment: Environment; url: string | null; secret: string }[],
): Promise<WebhookEndpointRow[]> {
  const rows = endpoints.map((e) => ({ project_id: projectId, environment: e.environment, url: e.url, secret: e.secret }));
  return db<WebhookEndpointRow[]>`insert into webhook_endpoints ${db(rows)} returning *`;
}

export async function findEndpoint(db: Db, projectId: string, environment: Environment): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db<WebhookEndpointRow[]>`select * from webhook_endpoints where project_id = ${projectId} and environment = ${environment}`;
  return row;
}

/** A project's endpoints, sandbox first. */
export async function listEndpoints(db: Db, projectId: string): Promise<WebhookEndpointRow[]> {
  return db<WebhookEndpointRow[]>`select * from webhook_endpoints where project_id = ${projectId} order by environment desc`;
}

/** Sets the URL (null: none) and answers the endpoint before and after, or undefined when there is no such endpoint. One statement. */
export async function updateEndpointUrl(
  db: Db,
  projectId: string,
  environment: Environment,
  url: string | null,
): Promise<{ before: string | null; after: string | null } | undefined> {
  const [row] = await db<{ before: string | null; after: string | null }[]>`
    update webhook_endpoints we set url = ${url}, updated_at = now()
      from (select url from webhook_endpoints where project_id = ${projectId} and environment = ${environment} for update) old
     where we.project_id = ${projectId} and we.environment = ${environment}
    returning old.url as before, we.url as after`;
  return row;
}

/** New current secret; the old one stays valid (signed with too) until `previousExpiresAt`. */
export async function rotateEndpointSecret(db: Db, projectId: string, environment: Environment, secret: string, previousExpiresAt: Date): Promise<boolean> {
  const rows = await db`
    update webhook_endpoints
       set secret_previous = secret,
           secret_previous_expires_at = ${previousExpiresAt},
           secret = ${secret},
           updated_at = now()
     where project_id = ${projectId} and environment = ${environment} returning project_id`;
  return rows.length > 0;
}

/**
 * Re-enables an endpoint and replays what it missed, in one statement: its pending events become
 * due now, and the events that gave up (`failed`) during its failure run get a fresh schedule, due
 * now. Answers undefined when there is no such endpoint; `was_disabled` false when it was not
 * disabled (nothing else changes then).
 */
export async function reenableEndpoint(
  db: Db,
  projectId: string,
  environment: Environment,
  now: Date,
): Promise<{ was_disabled: boolean; failing_since: Date | null; replayed: number } | undefined> {
  const [row] = await db<{ was_disabled: boolean; failing_since: Date | null; replayed: number }[]>`
    with old as (
      select disabled_at, failing_since from webhook_endpoints
       where project_id = ${projectId} and environment = ${environment} for update
    ), ep as (
      update webhook_endpoints we set disabled_at = null, failing_since = null, updated_at = now()
        from old where we.project_id = ${projectId} and we.environment = ${environment} and old.disabled_at is not null
      returning we.project_id
    ), replay as (
      update webhook_events e
         set status = 'pending', next_attempt_at = ${now},
             attempt_count = case when e.status = 'failed' then 0 else e.attempt_count end
        from old, ep
       where e.project_id = ${projectId} and e.environment = ${environment}
         and (e.status = 'pending' or (e.status = 'failed' and e.created_at >= coalesce(old.failing_since, old.disabled_at)))
      returning e.id
    )
    select (old.disabled_at is not null) as was_disabled, old.failing_since, (select count(*) from replay)::int as replayed from old`;
  return row;
}

/** Sets the event types an endpoint receives (null: all). False when there is no such endpoint. */
export async function updateEndpointEventTypes(db: Db, projectId: string, environment: Environment, eventTypes: string[] | null): Promise<boolean> {
  const rows = await db`
    update webhook_endpoints set event_types = ${eventTypes}::text[], updated_at = now()
     where project_id = ${projectId} and environment = ${environment} returning project_id`;
  return rows.length > 0;
}

export interface DisabledEndpointRow {
  project_id: string;
  project_name: string;
  environment: Environment;
  url: string | null;
  failing_since: Date | null;
  disabled_at: Date;
  /** Events recorded and waiting for the endpoint to be re-enabled. */
  held_events: number;
}

/** Every disabled endpoint (the console's alert), most recently disabled first. */
export async function listDisabledEndpoints(db: Db): Promise<DisabledEndpointRow[]> {
  return db<DisabledEndpointRow[]>`
    select we.project_id, p.name as project_name, we.environment, we.url, we.failing_since, we.disabled_at,
           (select count(*) from webhook_events e
             where e.project_id = we.project_id and e.environment = we.environment and e.status = 'pending')::int as held_events
      from webhook_endpoints we join projects p on p.id = we.project_id
     where we.disabled_at is not null
     order by we.disabled_at desc
     limit 200`;
}
