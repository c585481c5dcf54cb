import type { PlatformContext } from "../platform/context";
import { pruneNotificationBodies } from "./retention.queries";

/**
 * Retention of raw Midtrans bodies (run by the workers, server/runtime/workers.ts): empties the
 * raw body of notifications older than `config.rawBodyRetentionDays`; the row (outcome, status,
 * SHA-256 and size of the body) stays in the payment's history. Batches, so that no update
 * holds locks for long. Returns how many were emptied.
 */
export async function pruneRawNotificationBodies(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - ctx.config.rawBodyRetentionDays * 86_400_000);
  const batchSize = Math.max(1, opts.batchSize ?? 5000);
  let total = 0;
  for (;;) {
    const n = await pruneNotificationBodies(ctx.sql, cutoff, batchSize);
    total += n;
    if (n < batchSize) return total;
  }
}
