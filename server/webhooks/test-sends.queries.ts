import type { Db } from "../db/connect";
import type { Environment } from "../midtrans/gateway";

/**
 * One test webhook sent (db/migrations/0021_webhook_events_list.sql): never in the outbox, sent
 * once, kept so the console's Webhooks page lists it beside the events, marked as a test.
 */
export interface WebhookTestSendRow {
  /** The webhook-id sent: msg_test_… */
  id: string;
  project_id: string;
  environment: Environment;
  /** webhook.test (the console's button) or the sample's type (POST /api/platform/webhooks/test). */
  event_type: string;
  source: "console" | "api";
  url: string;
  response_status: number | null;
  /** The first 500 bytes of the answer. */
  response_body: string | null;
  error: string | null;
  duration_ms: number | null;
  /** When it was sent. */
  created_at: Date;
}

export async function insertWebhookTestSend(db: Db, s: WebhookTestSendRow): Promise<void> {
  await db`
    insert into webhook_test_sends (id, project_id, environment, event_type, source, url, response_status, response_body, error, duration_ms, created_at)
    values (${s.id}, ${s.project_id}, ${s.environment}, ${s.event_type}, ${s.source}, ${s.url}, ${s.response_status}, ${s.response_body},
            ${s.error}, ${s.duration_ms}, ${s.created_at})`;
}

export async function findWebhookTestSend(db: Db, id: string): Promise<(WebhookTestSendRow & { project_name: string }) | undefined> {
  const [row] = await db<(WebhookTestSendRow & { project_name: string })[]>`
    select t.*, pr.name as project_name from webhook_test_sends t join projects pr on pr.id = t.project_id where t.id = ${id}`;
  return row;
}
