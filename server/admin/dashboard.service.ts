import type { PlatformContext } from "../platform/context";

export type PeriodKey = "today" | "7d" | "30d";

export interface PeriodStats {
  key: PeriodKey;
  label: string;
  from: string;
  /** Per stored status: number of payments created in the period and their IDR sum. */
  byStatus: { status: string; count: number; amount: number }[];
  total: { count: number; amount: number };
  /** Paid (settled at some point, refunded or not) among payments created in the period (creation failures excluded). */
  settled: { count: number; amount: number };
  settlementRate: number | null;
  /** delivered / (delivered + failed + pending with attempts), events created in the period. */
  webhooks: { delivered: number; failed: number; retrying: number; successRate: number | null };
}

export interface DashboardStats {
  generatedAt: string;
  periods: PeriodStats[];
  /** Settled IDR per Jakarta day (by paid_at), last 30 days, oldest first, gaps filled with 0. */
  settledPerDay: { day: string; amount: number; count: number }[];
}

const DAY_MS = 24 * 3600_000;
const JAKARTA_OFFSET_MS = 7 * 3600_000;

/** Start of the Jakarta calendar day containing `d`, as an instant. */
export function jakartaDayStart(d: Date): Date {
  const local = d.getTime() + JAKARTA_OFFSET_MS;
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - JAKARTA_OFFSET_MS);
}

export const jakartaDay = (d: Date) => new Date(d.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);

export async function dashboardStats(ctx: PlatformContext): Promise<DashboardStats> {
  const sql = ctx.sql;
  const now = ctx.now();
  const today = jakartaDayStart(now);
  const periods: { key: PeriodKey; label: string; from: Date }[] = [
    { key: "today", label: "Today", from: today },
    { key: "7d", label: "7 days", from: new Date(now.getTime() - 7 * DAY_MS) },
    { key: "30d", label: "30 days", from: new Date(now.getTime() - 30 * DAY_MS) },
  ];
  const oldest = new Date(Math.min(...periods.map((p) => p.from.getTime())));

  const statusRows = await sql<{ status: string; paid: boolean; n0: number; a0: number; n1: number; a1: number; n2: number; a2: number }[]>`
    select status, paid_at is not null as paid,
      count(*) filter (where created_at >= ${periods[0].from})::int as n0, coalesce(sum(amount) filter (where created_at >= ${periods[0].from}), 0)::bigint as a0,
      count(*) filter (where created_at >= ${periods[1].from})::int as n1, coalesce(sum(amount) filter (where created_at >= ${periods[1].from}), 0)::bigint as a1,
      count(*) filter (where created_at >= ${periods[2].from})::int as n2, coalesce(sum(amount) filter (where created_at >= ${periods[2].from}), 0)::bigint as a2
    from purchases
    where created_at >= ${oldest} and created_at <= ${now}
    group by status, paid_at is not null`;

  const [hooks] = await sql<{ d0: number; f0: number; r0: number; d1: number; f1: number; r1: number; d2: number; f2: number; r2: number }[]>`
    select
      count(*) filter (where status = 'delivered' and created_at >= ${periods[0].from})::int as d0,
      count(*) filter (where status = 'failed' and created_at >= ${periods[0].from})::int as f0,
      count(*) filter (where status = 'pending' and attempt_count > 0 and created_at >= ${periods[0].from})::int as r0,
      count(*) filter (where status = 'delivered' and created_at >= ${periods[1].from})::int as d1,
      count(*) filter (where status = 'failed' and created_at >= ${periods[1].from})::int as f1,
      count(*) filter (where status = 'pending' and attempt_count > 0 and created_at >= ${periods[1].from})::int as r1,
      count(*) filter (where status = 'delivered' and created_at >= ${periods[2].from})::int as d2,
      count(*) filter (where status = 'failed' and created_at >= ${periods[2].from})::int as f2,
      count(*) filter (where status = 'pending' and attempt_count > 0 and created_at >= ${periods[2].from})::int as r2
    from webhook_events where created_at >= ${oldest}`;

  const chartFrom = new Date(today.getTime() - 29 * DAY_MS);
  const dayRows = await sql<{ day: string; amount: number; n: number }[]>`
    select to_char((paid_at at time zone 'UTC') + interval '7 hours', 'YYYY-MM-DD') as day,
           sum(amount)::bigint as amount, count(*)::int as n
    from purchases
    where paid_at is not null and paid_at >= ${chartFrom} and paid_at <= ${now}
    group by 1`;
  const byDay = new Map(dayRows.map((r) => [r.day, r]));
  const settledPerDay = Array.from({ length: 30 }, (_, i) => {
    const day = jakartaDay(new Date(chartFrom.getTime() + i * DAY_MS));
    const r = byDay.get(day);
    return { day, amount: r ? Number(r.amount) : 0, count: r?.n ?? 0 };
  });

  const result: PeriodStats[] = periods.map((p, i) => {
    const n = (r: (typeof statusRows)[number]) => Number(r[`n${i}` as "n0"]);
    const a = (r: (typeof statusRows)[number]) => Number(r[`a${i}` as "a0"]);
    const byStatus = new Map<string, { count: number; amount: number }>();
    let total = { count: 0, amount: 0 };
    let settled = { count: 0, amount: 0 };
    let attempted = 0;
    for (const r of statusRows) {
      const s = byStatus.get(r.status) ?? { count: 0, amount: 0 };
      s.count += n(r);
      s.amount += a(r);
      byStatus.set(r.status, s);
      total = { count: total.count + n(r), amount: total.amount + a(r) };
      if (r.paid) settled = { count: settled.count + n(r), amount: settled.amount + a(r) };
      if (r.status !== "create_failed") attempted += n(r);
    }
    const d = hooks[`d${i}` as "d0"];
    const f = hooks[`f${i}` as "f0"];
    const rt = hooks[`r${i}` as "r0"];
    return {
      key: p.key,
      label: p.label,
      from: p.from.toISOString(),
      byStatus: [...byStatus.entries()].filter(([, v]) => v.count > 0).map(([status, v]) => ({ status, ...v })).sort((x, y) => y.count - x.count),
      total,
      settled,
      settlementRate: attempted > 0 ? settled.count / attempted : null,
      webhooks: { delivered: d, failed: f, retrying: rt, successRate: d + f + rt > 0 ? d / (d + f + rt) : null },
    };
  });
  return { generatedAt: now.toISOString(), periods: result, settledPerDay };
}
