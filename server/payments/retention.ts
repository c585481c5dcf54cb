import type { PlatformContext } from "../platform/context";
import { daysBefore, inBatches } from "../lib/batches";
import { pruneNotificationBodies } from "./retention.queries";

/**
 * Retention of raw Midtrans bodies (run by the workers, server/runtime/workers.ts): empties the
 * raw body of notifications older than `config.rawBodyRetentionDays`; the row (outcome, status,
 * SHA-256 and size of the body) stays in the payment's history. Batches, so that no update
 * holds locks for long. Returns how many were emptied.
 */
export async function pruneRawNotificationBodies(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = daysBefore(ctx.now(), ctx.config.rawBodyRetentionDays);
  return inBatches(opts.batchSize, (limit) => pruneNotificationBodies(ctx.sql, cutoff, limit));
}
