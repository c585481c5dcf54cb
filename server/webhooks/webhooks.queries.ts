import type { Db } from "../db/connect";
import type { Environment } from "../midtrans/gateway";
import type { SigningSecrets } from "./signing";

export type WebhookEventStatus = "pending" | "delivered" | "failed" | "no_endpoint";

export interface WebhookEventRow {
  id: string;
  project_id: string;
  purchase_id: string;
  /** The purchase's: it decides the endpoint (URL and secret) and the destination rule. */
  environment: Environment;
  event_type: string;
  /** The transition the event stands for (unique per purchase). */
  dedupe_key: string;
  payload: Record<string, unknown>;
  status: WebhookEventStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/**
 * An event with what is needed to send it: the URL and keys of its project's endpoint for the
 * event's environment, as they are at send time (null when the endpoint has no URL).
 */
export interface DeliverableEvent extends WebhookEventRow, SigningSecrets {
  webhook_url: string | null;
}

export interface WebhookAttemptRow {
  id: number;
  event_id: string;
  attempt_number: number;
  trigger: "scheduled" | "manual";
  url: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number | null;
  started_at: Date;
}

export interface AttemptRecord {
  trigger: "scheduled" | "manual";
  url: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number;
  started_at: Date;
}

/**
 * Writes one outbox event (inside the caller's transaction); none when the (purchase_id,
 * dedupe_key) pair already exists (db/migrations/0010_lifecycle_events.sql). The event takes its purchase's environment; it is `pending`
 * (due at `due`, null = the database's now()) when the project's endpoint for that environment
 * has a URL and takes this event type, else `no_endpoint`. A pending event also NOTIFYs `notifyChannel` in the same
 * statement (PostgreSQL sends it at commit; harmless on embedded PGlite, where nobody can
 * LISTEN). The payload travels as JSON text cast in SQL: a jsonb-typed parameter would make
 * postgres.js stringify it again. Answers the new row's status, or null when none was written.
 */
export async function insertWebhookEvent(
  db: Db,
  e: {
    id: string;
    project_id: string;
    purchase_id: string;
    event_type: string;
    /** The transition the event stands for: at most one event per (purchase_id, dedupe_key). */
    dedupe_key: string;
    payload: object;
    due: Date | null;
    notifyChannel: string;
  },
): Promise<WebhookEventStatus | null> {
  const [row] = await db<{ status: WebhookEventStatus }[]>`
    with ins as (
      insert into webhook_events (id, project_id, purchase_id, environment, event_type, dedupe_key, payload, status, next_attempt_at)
      select ${e.id}, ${e.project_id}, pu.id, pu.environment, ${e.event_type}, ${e.dedupe_key}, ${JSON.stringify(e.payload)}::text::jsonb,
             case when we.url is not null then 'pending' else 'no_endpoint' end,
             case when we.url is not null then coalesce(${e.due}::timestamptz, now()) end
        from purchases pu
        -- An endpoint limited to some event types takes only those (docs/decisions/0008-fair-delivery.md).
        left join webhook_endpoints we on we.project_id = ${e.project_id} and we.environment = pu.environment
              and (we.event_types is null or ${e.event_type} = any(we.event_types))
       where pu.id = ${e.purchase_id}
      on conflict (purchase_id, dedupe_key) do nothing
      returning status)
    select status, case when status = 'pending' then pg_notify(${e.notifyChannel}, '')::text end as notified from ins`;
  return row?.status ?? null;
}

/**
 * Claims due events for one worker, fairly: a single statement, hence its own short transaction.
 * Per endpoint (project and environment) it takes at most `perEndpoint` minus the claims that
 * endpoint already has in flight (by any worker), oldest first, and across endpoints it deals
 * them round-robin (every endpoint's oldest first, then every endpoint's second...), so one slow
 * or failing endpoint's backlog never takes the slots of another endpoint's events. A disabled
 * endpoint's events are not claimed (they stay pending until it is re-enabled).
 * SKIP LOCKED lets workers claim side by side without waiting for each other; rows another worker
 * claimed meanwhile fail the re-checked lease condition, so the cap holds across workers. The
 * lease (locked_until) makes a crashed worker's claims due again once it passes. `now` comes
 * from the injectable clock, never SQL now(), so tests can move time.
 * docs/decisions/0008-fair-delivery.md.
 */
export async function claimDueEvents(
  db: Db,
  c: { workerId: string; now: Date; leaseUntil: Date; limit: number; perEndpoint: number },
): Promise<DeliverableEvent[]> {
  return db<DeliverableEvent[]>`
    with busy as (
      select project_id, environment, count(*)::int as n
        from webhook_events
       where status = 'pending' and locked_by is not null and locked_until > ${c.now}
       group by project_id, environment
    ), candidates as (
      select d.id,
             row_number() over (partition by we.project_id, we.environment order by d.next_attempt_at, d.id) as rn,
             d.next_attempt_at
        from webhook_endpoints we
        left join busy b on b.project_id = we.project_id and b.environment = we.environment
        cross join lateral (
          select e.id, e.next_attempt_at
            from webhook_events e
           where e.project_id = we.project_id and e.environment = we.environment
             and e.status = 'pending' and e.next_attempt_at <= ${c.now}
             and (e.locked_until is null or e.locked_until <= ${c.now})
           order by e.next_attempt_at, e.id
           limit greatest(${c.perEndpoint}::int - coalesce(b.n, 0), 0)) d
       where we.disabled_at is null
       order by rn, d.next_attempt_at
       limit ${c.limit}
    )
    update webhook_events e
       set locked_until = ${c.leaseUntil}, locked_by = ${c.workerId}
      from (select d.id, we.url, we.secret, we.secret_previous, we.secret_previous_expires_at
              from (select id, project_id, environment from webhook_events
                     where id in (select id from candidates)
                       and status = 'pending' and next_attempt_at <= ${c.now}
                       and (locked_until is null or locked_until <= ${c.now})
                     for update skip locked) d
              left join webhook_endpoints we on we.project_id = d.project_id and we.environment = d.environment) due
     where e.id = due.id
    returning e.*, due.url as webhook_url, due.secret, due.secret_previous, due.secret_previous_expires_at`;
}

/** One event with its endpoint's current URL and keys (manual resend). */
export async function findDeliverableEvent(db: Db, eventId: string): Promise<DeliverableEvent | undefined> {
  const [row] = await db<DeliverableEvent[]>`
    select e.*, we.url as webhook_url, we.secret, we.secret_previous, we.secret_previous_expires_at
      from webhook_events e
      left join webhook_endpoints we on we.project_id = e.project_id and we.environment = e.environment
     where e.id = ${eventId}`;
  return row;
}

/** The attempt's number is its position in the event's log, whatever triggered it. */
const insertAttempt = (db: Db, eventId: string, a: AttemptRecord) => db`
  insert into webhook_attempts (event_id, attempt_number, trigger, url, response_status, response_body, error, duration_ms, started_at)
  values (${eventId}, (select count(*) + 1 from webhook_attempts where event_id = ${eventId}), ${a.trigger}, ${a.url},
          ${a.response_status}, ${a.response_body}, ${a.error}, ${a.duration_ms}, ${a.started_at})
  returning *`;

export type ScheduledOutcome =
  | { kind: "delivered"; at: Date }
  | { kind: "retry"; nextAttemptAt: Date; error: string }
  | { kind: "failed"; error: string }
  /** Not the merchant's fault (worker shutdown): log it, give the claim back, keep the schedule. */
  | { kind: "released" };

/**
 * Records a scheduled attempt and moves the event on, in one statement (one transaction).
 * The update is fenced: it applies only while this worker still holds the claim it made for
 * attempt `attemptCount + 1`. A worker whose lease expired (and was taken over) or whose event
 * was meanwhile delivered by hand still logs its attempt but changes nothing else.
 * The same statement keeps the endpoint's failure run: a delivery ends it; a failure starts it
 * (at `now`) or, when it began `disableAfterMs` ago or more, disables the endpoint
 * (docs/decisions/0008-fair-delivery.md).
 * Answers whether the event row was updated, and whether this attempt disabled the endpoint.
 */
export async function recordScheduledAttempt(
  db: Db,
  r: { eventId: string; workerId: string; attemptCount: number; attempt: AttemptRecord; outcome: ScheduledOutcome; now: Date; disableAfterMs: number },
): Promise<{ applied: boolean; disabled: boolean }> {
  const o = r.outcome;
  const fence = db`id = ${r.eventId} and status = 'pending' and locked_by = ${r.workerId} and attempt_count = ${r.attemptCount}`;
  const update =
    o.kind === "released"
      ? db`update webhook_events set locked_until = null, locked_by = null where ${fence} returning id, project_id, environment`
      : db`update webhook_events
              set status = ${o.kind === "delivered" ? "delivered" : o.kind === "failed" ? "failed" : "pending"},
                  attempt_count = ${r.attemptCount + 1},
                  next_attempt_at = ${o.kind === "retry" ? o.nextAttemptAt : null},
                  delivered_at = ${o.kind === "delivered" ? o.at : null},
                  last_error = ${o.kind === "delivered" ? null : o.error},
                  locked_until = null, locked_by = null
            where ${fence} returning id, project_id, environment`;
  const failedBefore = new Date(r.now.getTime() - r.disableAfterMs);
  const endpoint =
    o.kind === "released"
      ? db`select null::timestamptz as disabled_at where false`
      : o.kind === "delivered"
        ? db`update webhook_endpoints we set failing_since = null
               from ev where we.project_id = ev.project_id and we.environment = ev.environment and we.failing_since is not null
             returning null::timestamptz as disabled_at`
        : db`update webhook_endpoints we
                set failing_since = coalesce(we.failing_since, ${r.now}),
                    disabled_at = case when we.disabled_at is null and we.failing_since <= ${failedBefore} then ${r.now}::timestamptz end
               from ev where we.project_id = ev.project_id and we.environment = ev.environment and we.disabled_at is null
             returning we.disabled_at`;
  const [row] = await db<{ updated: number; disabled: boolean }[]>`
    with ev as (${update}), att as (${insertAttempt(db, r.eventId, r.attempt)}), ep as (${endpoint})
    select (select count(*) from ev)::int as updated, exists (select 1 from ep where disabled_at is not null) as disabled`;
  return { applied: row.updated > 0, disabled: row.disabled };
}

/**
 * Records a manual attempt, in one statement. Success delivers a pending/failed/no_endpoint
 * event (and clears any claim, so a concurrent scheduled attempt's fenced update becomes a
 * no-op); failure leaves the event and its schedule exactly as they were.
 */
export async function recordManualAttempt(
  db: Db,
  r: { eventId: string; attempt: AttemptRecord; deliveredAt: Date | null },
): Promise<WebhookAttemptRow> {
  const [row] = await db<WebhookAttemptRow[]>`
    with ev as (
      update webhook_events
         set status = 'delivered', delivered_at = ${r.deliveredAt}, next_attempt_at = null,
             last_error = null, locked_until = null, locked_by = null
       where id = ${r.eventId} and ${r.deliveredAt !== null} and status <> 'delivered'
      returning id)
    ${insertAttempt(db, r.eventId, r.attempt)}`;
  return row;
}

/** Gives back every claim this worker still holds (graceful shutdown): they are due again at once. */
export async function releaseClaims(db: Db, workerId: string): Promise<number> {
  const rows = await db`
    update webhook_events set locked_until = null, locked_by = null
     where locked_by = ${workerId} returning id`;
  return rows.length;
}

export async function findWebhookEvent(db: Db, eventId: string): Promise<WebhookEventRow | undefined> {
  const [row] = await db<WebhookEventRow[]>`select * from webhook_events where id = ${eventId}`;
  return row;
}

export async function listWebhookAttempts(db: Db, eventId: string): Promise<WebhookAttemptRow[]> {
  return db<WebhookAttemptRow[]>`select * from webhook_attempts where event_id = ${eventId} order by id`;
}
