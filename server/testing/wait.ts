type Falsy = false | 0 | "" | null | undefined;

export interface WaitOptions {
  /** Give up after this long (default 10 s); the error says what was awaited. */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Polls until `check` returns a truthy value and returns it: tests wait for a condition,
 * never for a fixed time (docs/testing.md). A check that throws counts as "not yet";
 * the last error is reported on timeout. A number as second argument is the timeout.
 */
export async function waitFor<T>(check: () => T | Falsy | Promise<T | Falsy>, opts: WaitOptions | number = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, what = "condition" } = typeof opts === "number" ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
