import type { PlatformContext } from "../platform/context";
import { pruneAttemptBodies } from "./retention.queries";

/**
 * Retention of merchants' response bodies (run by the workers, server/runtime/workers.ts): clears
 * the response body of webhook attempts older than `config.rawBodyRetentionDays`; the attempt
 * (status, error, duration) stays. Batches. Returns how many were cleared.
 */
export async function pruneAttemptResponseBodies(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - ctx.config.rawBodyRetentionDays * 86_400_000);
  const batchSize = Math.max(1, opts.batchSize ?? 5000);
  let total = 0;
  for (;;) {
    const n = await pruneAttemptBodies(ctx.sql, cutoff, batchSize);
    total += n;
    if (n < batchSize) return total;
  }
}
