/**
 * Retention work in batches, so that no single statement holds its locks for long: `step(limit)`
 * deletes or clears at most `limit` rows and says how many; it runs again until a batch comes
 * back short. Returns the total.
 */
export async function inBatches(batchSize: number | undefined, step: (limit: number) => Promise<number>): Promise<number> {
  const limit = Math.max(1, batchSize ?? 5000);
  let total = 0;
  for (;;) {
    const n = await step(limit);
    total += n;
    if (n < limit) return total;
  }
}

/** The instant `days` days before `now`: a retention cutoff. */
export const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * 86_400_000);
