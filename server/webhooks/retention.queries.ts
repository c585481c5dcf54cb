import type { Db } from "../db/types";

/**
 * One batch of the raw-body retention: clears the response body of webhook attempts started
 * before `cutoff` (status, error and duration stay). Index: webhook_attempts_body_retention_idx (0014).
 */
export async function pruneAttemptBodies(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await db`
    update webhook_attempts set response_body = null
    where id in (
      select id from webhook_attempts
      where started_at < ${cutoff} and response_body is not null
      order by started_at
      limit ${limit})`;
  return result.count;
}

/**
 * The same for test webhooks' answers (db/migrations/0021_webhook_events_list.sql): clears the
 * response body of test sends made before `cutoff`. Index: webhook_test_sends_list_idx.
 */
export async function pruneTestSendBodies(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await db`
    update webhook_test_sends set response_body = null
    where id in (
      select id from webhook_test_sends
      where created_at < ${cutoff} and response_body is not null
      order by created_at
      limit ${limit})`;
  return result.count;
}
