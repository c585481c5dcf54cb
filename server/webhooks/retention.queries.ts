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
