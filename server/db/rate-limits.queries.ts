import type { Db } from "./types";

// The shared rate-limit counters (migration 0014; the algorithm: server/db/rate-limits.ts).

export interface CounterClaim {
  key: string;
  /** Points asked for. */
  want: number;
  /** The limit of a window. */
  cap: number;
  /** A window's length, for a key whose window has ended (or that has none yet). */
  durationMs: number;
}

export interface CounterGrant {
  key: string;
  /** Points granted: min(want, what is left of cap). */
  grant: number;
  /** Points granted in the window so far, by every process. */
  used: number;
  /** Until the window ends, by the database's clock (immune to the processes' clock skew). */
  msLeft: number;
}

/**
 * Grants each claim what is left of its window's cap, at most what it asks for, in one statement;
 * a key whose window has ended starts a new one. Keys must be unique within a call; they are
 * locked in sorted order, so two processes claiming overlapping keys never deadlock. In ON
 * CONFLICT's SET every column reads the row as it was.
 */
export async function claimCounters(db: Db, claims: CounterClaim[]): Promise<CounterGrant[]> {
  if (claims.length === 0) return [];
  const sorted = [...claims].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = await db<{ key: string; last_grant: number; used: number; ms_left: number }[]>`
    insert into rate_limit_counters as c (key, cap, used, last_grant, window_ends_at)
    select k, cap, least(want, cap), least(want, cap), now() + make_interval(secs => ms / 1000.0)
    from unnest(${sorted.map((c) => c.key)}::text[], ${sorted.map((c) => c.want)}::int[],
                ${sorted.map((c) => c.cap)}::int[], ${sorted.map((c) => c.durationMs)}::int[]) as t(k, want, cap, ms)
    order by k
    on conflict (key) do update set
      last_grant = least(excluded.last_grant, greatest(0, excluded.cap - case when c.window_ends_at <= now() then 0 else c.used end)),
      used = case when c.window_ends_at <= now() then 0 else c.used end
        + least(excluded.last_grant, greatest(0, excluded.cap - case when c.window_ends_at <= now() then 0 else c.used end)),
      window_ends_at = case when c.window_ends_at <= now() then excluded.window_ends_at else c.window_ends_at end,
      cap = excluded.cap
    returning key, last_grant, used, greatest(0, ceil(extract(epoch from window_ends_at - now()) * 1000))::int as ms_left`;
  return rows.map((r) => ({ key: r.key, grant: r.last_grant, used: r.used, msLeft: r.ms_left }));
}

/** Gives back `points` of the key's current window (never below zero): a sign-in that succeeded. */
export async function releaseCounter(db: Db, key: string, points: number): Promise<void> {
  await db`update rate_limit_counters set used = greatest(0, used - ${points}) where key = ${key} and window_ends_at > now()`;
}

/** Deletes the rows of windows that have ended (a bounded batch). */
export async function deleteExpiredCounters(db: Db, limit = 10_000): Promise<number> {
  const result = await db`
    delete from rate_limit_counters
    where key in (select key from rate_limit_counters where window_ends_at < now() limit ${limit})`;
  return result.count;
}
