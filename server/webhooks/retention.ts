import type { PlatformContext } from "../platform/context";
import { daysBefore, inBatches } from "../lib/batches";
import { pruneAttemptBodies } from "./retention.queries";

/**
 * Retention of merchants' response bodies (run by the workers, server/runtime/workers.ts): clears
 * the response body of webhook attempts older than `config.rawBodyRetentionDays`; the attempt
 * (status, error, duration) stays. Batches. Returns how many were cleared.
 */
export async function pruneAttemptResponseBodies(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = daysBefore(ctx.now(), ctx.config.rawBodyRetentionDays);
  return inBatches(opts.batchSize, (limit) => pruneAttemptBodies(ctx.sql, cutoff, limit));
}
