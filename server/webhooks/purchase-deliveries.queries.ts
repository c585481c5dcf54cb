import type { Db } from "../db/connect";
import type { WebhookAttemptRow, WebhookEventRow } from "./webhooks.queries";

// Reads of the merchant webhooks of purchases, for the console (a payment's detail, the
// dashboard's delivery counts, "resend webhook").

/** A purchase's webhook events, oldest first. */
export async function listPurchaseWebhookEvents(db: Db, purchaseId: string): Promise<WebhookEventRow[]> {
  return db<WebhookEventRow[]>`select * from webhook_events where purchase_id = ${purchaseId} order by created_at, id`;
}

/** The delivery attempts of these events, in order (at most `limit`). */
export async function listWebhookAttempts(db: Db, eventIds: readonly string[], limit = 1000): Promise<WebhookAttemptRow[]> {
  if (eventIds.length === 0) return [];
  return db<WebhookAttemptRow[]>`select * from webhook_attempts where event_id in ${db([...eventIds])} order by id limit ${limit}`;
}

export interface DeliveryCounts {
  delivered: number;
  failed: number;
  /** Still pending after at least one attempt. */
  retrying: number;
}

/**
 * Delivery outcomes of the events created since each of `since` (one count per instant, same
 * order), in one scan of the events created since the oldest.
 */
export async function countDeliveriesSince(
  db: Db,
  since: readonly Date[],
  scope: { environment: string | null; projectId: string | null } = { environment: null, projectId: null },
): Promise<DeliveryCounts[]> {
  if (since.length === 0) return [];
  const oldest = new Date(Math.min(...since.map((d) => d.getTime())));
  const columns = since.map(
    (from, i) => db`
      count(*) filter (where status = 'delivered' and created_at >= ${from})::int as ${db(`d${i}`)},
      count(*) filter (where status = 'failed' and created_at >= ${from})::int as ${db(`f${i}`)},
      count(*) filter (where status = 'pending' and attempt_count > 0 and created_at >= ${from})::int as ${db(`r${i}`)}`,
  );
  const list = columns.reduce((acc, c) => db`${acc}, ${c}`);
  const [row] = await db<Record<string, number>[]>`
    select ${list} from webhook_events where created_at >= ${oldest}
      ${scope.environment ? db`and environment = ${scope.environment}` : db``} ${scope.projectId ? db`and project_id = ${scope.projectId}` : db``}`;
  return since.map((_, i) => ({ delivered: row[`d${i}`], failed: row[`f${i}`], retrying: row[`r${i}`] }));
}
