import type { Db } from "../db/types";

/**
 * One batch of the raw-body retention: empties the raw body of notifications received before
 * `cutoff` (their SHA-256 and size are kept, computed now for rows older than migration 0009).
 * Index: midtrans_notifications_body_retention_idx (0014). Returns how many were emptied.
 */
export async function pruneNotificationBodies(db: Db, cutoff: Date, limit: number): Promise<number> {
  const result = await db`
    update midtrans_notifications set
      body_sha256 = coalesce(body_sha256, encode(sha256(convert_to(raw_body, 'UTF8')), 'hex')),
      body_bytes = coalesce(body_bytes, octet_length(raw_body)),
      raw_body = '',
      raw_body_pruned_at = now()
    where id in (
      select id from midtrans_notifications
      where received_at < ${cutoff} and raw_body_pruned_at is null
      order by received_at
      limit ${limit})`;
  return result.count;
}
