import type { Db } from "../db/connect";
import { utcIsoText } from "../db/sql-fragments.queries";
import type { Environment } from "../midtrans/gateway";
import type { WebhookAttemptRow, WebhookEventRow } from "./webhooks.queries";

// The console's Webhooks page (docs/api.md#console-webhooks): every outbox event with its deliveries,
// and every test webhook sent (db/migrations/0021_webhook_events_list.sql), newest first.

/**
 * Where a webhook stands, as the page names it: an outbox event is `pending` (not attempted yet),
 * `failing` (pending after at least one failed scheduled attempt), `delivered`, `exhausted`
 * (failed: no more retries) or `no_endpoint` (its environment had no URL when it was written);
 * a test webhook is `test`, whatever the answer.
 */
export const webhookRowStates = ["delivered", "pending", "failing", "exhausted", "no_endpoint", "test"] as const;
export type WebhookRowState = (typeof webhookRowStates)[number];

export interface WebhookListFilters {
  /** null: every state. */
  state: WebhookRowState | null;
  eventType?: string;
  projectId?: string;
  environment?: Environment;
  /** An event id (msg_… or msg_test_…), or a payment's order id, order id at Midtrans or purchase id: exact. */
  q?: string;
}

export interface WebhookListRow {
  id: string;
  /** An outbox event, or a test webhook (sent once, never stored in the outbox). */
  kind: "event" | "test";
  event_type: string;
  project_id: string;
  project_name: string;
  environment: Environment;
  /** The payment the event is about (null for a test webhook). */
  purchase_id: string | null;
  order_id: string | null;
  state: WebhookRowState;
  /** Attempts made, scheduled and by hand (a test webhook: 1). */
  attempt_count: number;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  /** created_at as the database's full-precision text: the keyset cursor's timestamp. */
  ts: string;
}

const eventState = (db: Db) => db`
  case when e.status = 'pending' and e.attempt_count > 0 then 'failing'
       when e.status = 'failed' then 'exhausted'
       else e.status end`;

function eventStateCondition(db: Db, state: Exclude<WebhookRowState, "test">) {
  switch (state) {
    case "delivered":
      return db`e.status = 'delivered'`;
    case "pending":
      return db`e.status = 'pending' and e.attempt_count = 0`;
    case "failing":
      return db`e.status = 'pending' and e.attempt_count > 0`;
    case "exhausted":
      return db`e.status = 'failed'`;
    case "no_endpoint":
      return db`e.status = 'no_endpoint'`;
  }
}

/** The filters other than state, on webhook_events `e`. */
function eventFilters(db: Db, f: WebhookListFilters) {
  return db`
    ${f.projectId ? db`and e.project_id = ${f.projectId}` : db``}
    ${f.environment ? db`and e.environment = ${f.environment}` : db``}
    ${f.eventType ? db`and e.event_type = ${f.eventType}` : db``}
    ${
      f.q
        ? // The payments first (an array), so the events are found by id or purchase through their indexes.
          db`and (e.id = ${f.q} or e.purchase_id = any(array(
               select id from purchases where order_id = ${f.q} or midtrans_order_id = ${f.q} or id = ${f.q})))`
        : db``
    }`;
}

/** The filters other than state, on webhook_test_sends `t` (a test webhook has no payment: an order id finds none). */
function testFilters(db: Db, f: WebhookListFilters) {
  return db`
    ${f.projectId ? db`and t.project_id = ${f.projectId}` : db``}
    ${f.environment ? db`and t.environment = ${f.environment}` : db``}
    ${f.eventType ? db`and t.event_type = ${f.eventType}` : db``}
    ${f.q ? db`and t.id = ${f.q}` : db``}`;
}

const includesEvents = (f: WebhookListFilters) => f.state !== "test";
const includesTests = (f: WebhookListFilters) => f.state === null || f.state === "test";

/**
 * One page, newest first, keyset on (created_at, id): `before` is the last row of the previous
 * page. Each source is read in list order through its own index (webhook_events_list_idx,
 * webhook_events_status_list_idx, webhook_test_sends_list_idx: db/migrations/0021_webhook_events_list.sql) and limited before they are merged;
 * the last attempt and the attempt count are then read for the page's events only
 * (webhook_attempts_event_idx).
 */
export async function listWebhookEvents(db: Db, f: WebhookListFilters & { before: [ts: string, id: string] | null; limit: number }): Promise<WebhookListRow[]> {
  const keysetE = f.before ? db`and (e.created_at, e.id) < (${f.before[0]}::text::timestamptz, ${f.before[1]})` : db``;
  const keysetT = f.before ? db`and (t.created_at, t.id) < (${f.before[0]}::text::timestamptz, ${f.before[1]})` : db``;
  const events = db`
    (select e.id, 'event' as kind, e.event_type, e.project_id, e.environment, e.purchase_id, ${eventState(db)} as state,
            e.next_attempt_at, e.created_at,
            null::timestamptz as sent_at, null::int as sent_status, null::text as sent_error
       from webhook_events e
      where true ${f.state && f.state !== "test" ? db`and ${eventStateCondition(db, f.state)}` : db``} ${eventFilters(db, f)} ${keysetE}
      order by e.created_at desc, e.id desc
      limit ${f.limit})`;
  const tests = db`
    (select t.id, 'test' as kind, t.event_type, t.project_id, t.environment, null::text as purchase_id, 'test' as state,
            null::timestamptz as next_attempt_at, t.created_at,
            t.created_at as sent_at, t.response_status as sent_status, t.error as sent_error
       from webhook_test_sends t
      where true ${testFilters(db, f)} ${keysetT}
      order by t.created_at desc, t.id desc
      limit ${f.limit})`;
  const sources = includesEvents(f) && includesTests(f) ? db`${events} union all ${tests}` : includesEvents(f) ? events : tests;
  return db<WebhookListRow[]>`
    with page as (
      select * from (${sources}) s order by s.created_at desc, s.id desc limit ${f.limit}
    )
    select page.id, page.kind, page.event_type, page.project_id, pr.name as project_name, page.environment, page.purchase_id,
           pu.order_id, page.state,
           case when page.kind = 'test' then 1 else coalesce(ac.n, 0) end as attempt_count,
           coalesce(la.started_at, page.sent_at) as last_attempt_at,
           case when page.kind = 'test' then page.sent_status else la.response_status end as last_status,
           case when page.kind = 'test' then page.sent_error else la.error end as last_error,
           page.next_attempt_at, page.created_at, ${utcIsoText(db, "page.created_at")} as ts
      from page
      join projects pr on pr.id = page.project_id
      left join purchases pu on pu.id = page.purchase_id
      left join lateral (
        select a.started_at, a.response_status, a.error from webhook_attempts a
         where page.kind = 'event' and a.event_id = page.id order by a.id desc limit 1) la on true
      left join lateral (
        select count(*)::int as n from webhook_attempts a where page.kind = 'event' and a.event_id = page.id) ac on true
     order by page.created_at desc, page.id desc`;
}

export type WebhookStateCounts = Record<WebhookRowState, number>;

/**
 * Counting stops here: a state with this many webhooks or more shows as "10 000+". Each count then
 * reads at most this many index entries, whatever the table's size.
 */
export const STATE_COUNT_LIMIT = 10_000;

/** How many webhooks each state holds (up to STATE_COUNT_LIMIT) under the same filters but the state: the page's tabs. */
export async function countWebhookEventStates(db: Db, f: Omit<WebhookListFilters, "state">): Promise<WebhookStateCounts> {
  const all = { ...f, state: null };
  const count = (state: Exclude<WebhookRowState, "test">) => db`
    (select count(*)::int from (
       select 1 from webhook_events e where ${eventStateCondition(db, state)} ${eventFilters(db, all)} limit ${STATE_COUNT_LIMIT}) c)`;
  const [row] = await db<WebhookStateCounts[]>`
    select ${count("delivered")} as delivered, ${count("pending")} as pending, ${count("failing")} as failing,
           ${count("exhausted")} as exhausted, ${count("no_endpoint")} as no_endpoint,
           (select count(*)::int from (select 1 from webhook_test_sends t where true ${testFilters(db, all)} limit ${STATE_COUNT_LIMIT}) c) as test`;
  return row;
}

/** An outbox event as its console page shows it: with its project, payment and endpoint's current URL. */
export interface WebhookEventDetailRow extends WebhookEventRow {
  project_name: string;
  order_id: string;
  state: WebhookRowState;
  /** The URL of the endpoint of the event's environment, now (null: none). */
  webhook_url: string | null;
}

export async function findWebhookEventDetail(db: Db, eventId: string): Promise<WebhookEventDetailRow | undefined> {
  const [row] = await db<WebhookEventDetailRow[]>`
    select e.*, pr.name as project_name, pu.order_id, ${eventState(db)} as state, we.url as webhook_url
      from webhook_events e
      join projects pr on pr.id = e.project_id
      join purchases pu on pu.id = e.purchase_id
      left join webhook_endpoints we on we.project_id = e.project_id and we.environment = e.environment
     where e.id = ${eventId}`;
  return row;
}

export type { WebhookAttemptRow };
