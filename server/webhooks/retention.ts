import type { PlatformContext } from "../platform/context";
import { daysBefore, inBatches } from "../lib/batches";
import { pruneAttemptBodies, pruneTestSendBodies } from "./retention.queries";

/**
 * Retention of merchants' response bodies (run by the workers, server/runtime/workers.ts): clears
 * the response body of webhook attempts (and of test webhooks' sends) older than
 * `config.rawBodyRetentionDays`; the attempt (status, error, duration) stays. Batches. Returns how
 * many were cleared.
 */
export async function pruneAttemptResponseBodies(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = daysBefore(ctx.now(), ctx.config.rawBodyRetentionDays);
  const attempts = await inBatches(opts.batchSize, (limit) => pruneAttemptBodies(ctx.sql, cutoff, limit));
  return attempts + (await inBatches(opts.batchSize, (limit) => pruneTestSendBodies(ctx.sql, cutoff, limit)));
}
