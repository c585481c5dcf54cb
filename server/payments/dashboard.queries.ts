import type { Db } from "../db/connect";
import type { PurchaseStatus } from "./lifecycle";

export interface StatusTotals {
  status: PurchaseStatus;
  /** Settled at some point (paid_at set), refunded or not. */
  paid: boolean;
  /** Per `since` instant (same order): payments created since then, and their IDR sum. */
  periods: { count: number; amount: number }[];
}

/**
 * Payments per stored status (and paid or not) created since each of `since` and up to `until`,
 * in one scan of the payments created since the oldest.
 */
export async function purchaseTotalsSince(db: Db, since: readonly Date[], until: Date): Promise<StatusTotals[]> {
  if (since.length === 0) return [];
  const oldest = new Date(Math.min(...since.map((d) => d.getTime())));
  const columns = since.map(
    (from, i) => db`
      count(*) filter (where created_at >= ${from})::int as ${db(`n${i}`)},
      coalesce(sum(amount) filter (where created_at >= ${from}), 0)::bigint as ${db(`a${i}`)}`,
  );
  const list = columns.reduce((acc, c) => db`${acc}, ${c}`);
  const rows = await db<({ status: PurchaseStatus; paid: boolean } & Record<string, number>)[]>`
    select status, paid_at is not null as paid, ${list}
    from purchases
    where created_at >= ${oldest} and created_at <= ${until}
    group by status, paid_at is not null`;
  return rows.map((r) => ({
    status: r.status,
    paid: r.paid,
    periods: since.map((_, i) => ({ count: Number(r[`n${i}`]), amount: Number(r[`a${i}`]) })),
  }));
}

/** Settled IDR per Jakarta day (by paid_at, UTC+7) from `from` to `until`; days without payments are absent. */
export async function settledPerJakartaDay(db: Db, from: Date, until: Date): Promise<{ day: string; amount: number; count: number }[]> {
  const rows = await db<{ day: string; amount: number; n: number }[]>`
    select to_char((paid_at at time zone 'UTC') + interval '7 hours', 'YYYY-MM-DD') as day,
           sum(amount)::bigint as amount, count(*)::int as n
    from purchases
    where paid_at is not null and paid_at >= ${from} and paid_at <= ${until}
    group by 1`;
  return rows.map((r) => ({ day: r.day, amount: Number(r.amount), count: r.n }));
}
