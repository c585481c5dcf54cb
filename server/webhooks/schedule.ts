/**
 * The delivery schedule, as data: the delay before each scheduled attempt (attempt 1 is
 * immediate). Ten attempts over about 3 days, so a merchant's outage of a weekend is survived.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  14 * 3600_000,
  20 * 3600_000,
  24 * 3600_000,
];

/**
 * Deliveries in flight at once to one endpoint (project and environment), across every worker
 * (docs/decisions/0008-fair-delivery.md).
 */
export const PER_ENDPOINT_CONCURRENCY = 4;

/** An endpoint whose scheduled attempts have all failed for this long is disabled (docs/api.md, "Disabled endpoints"). */
export const ENDPOINT_DISABLE_AFTER_MS = 5 * 24 * 3600_000;

/** ±10 %: spreads the retries of many events that failed together (a merchant outage). */
export const JITTER_RATIO = 0.1;
/** Retry-After never pushes an attempt further away than this. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export type NextAttempt = { kind: "retry"; delayMs: number } | { kind: "give_up" };

/**
 * What follows a failed scheduled attempt, given how many scheduled attempts have been made
 * (including the one that just failed). Retry-After (already in ms) is honoured within bounds:
 * never sooner than the schedule's own next delay, never later than 24 h.
 */
export function nextAttempt(
  attemptsMade: number,
  opts: { retryAfterMs?: number | null; random?: () => number; schedule?: readonly number[] } = {},
): NextAttempt {
  const schedule = opts.schedule ?? WEBHOOK_RETRY_SCHEDULE_MS;
  const base = schedule[attemptsMade];
  if (base === undefined) return { kind: "give_up" };
  const random = opts.random ?? Math.random;
  const jittered = Math.round(base * (1 + (random() * 2 - 1) * JITTER_RATIO));
  const retryAfter = opts.retryAfterMs;
  const delayMs = retryAfter != null && retryAfter > 0 ? Math.max(jittered, Math.min(retryAfter, MAX_RETRY_AFTER_MS)) : jittered;
  return { kind: "retry", delayMs };
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date (relative to `now`).
 * Returns milliseconds, or null when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // An HTTP date always names its day and month; this keeps Date.parse from reading "-5" as a year.
  const at = /[a-z]{3}/i.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** Only these statuses carry a Retry-After worth honouring. */
export const honoursRetryAfter = (status: number | null) => status === 429 || status === 503;
