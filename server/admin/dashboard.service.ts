import type { PlatformContext } from "../platform/context";
import { purchaseTotalsSince, settledPerJakartaDay } from "../payments/dashboard.queries";
import { isPaymentAttempt, type PurchaseStatus } from "../payments/lifecycle";
import { countDeliveriesSince } from "../webhooks/purchase-deliveries.queries";

export type PeriodKey = "today" | "7d" | "30d";

export interface PeriodStats {
  key: PeriodKey;
  label: string;
  from: string;
  /** Per stored status: number of payments created in the period and their IDR sum. */
  byStatus: { status: PurchaseStatus; count: number; amount: number }[];
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
  const since = periods.map((p) => p.from);
  const statusRows = await purchaseTotalsSince(sql, since, now);
  const hooks = await countDeliveriesSince(sql, since);

  const chartFrom = new Date(today.getTime() - 29 * DAY_MS);
  const byDay = new Map((await settledPerJakartaDay(sql, chartFrom, now)).map((r) => [r.day, r]));
  const settledPerDay = Array.from({ length: 30 }, (_, i) => {
    const day = jakartaDay(new Date(chartFrom.getTime() + i * DAY_MS));
    const r = byDay.get(day);
    return { day, amount: r ? r.amount : 0, count: r?.count ?? 0 };
  });

  const result: PeriodStats[] = periods.map((p, i) => {
    const n = (r: (typeof statusRows)[number]) => r.periods[i].count;
    const a = (r: (typeof statusRows)[number]) => r.periods[i].amount;
    const byStatus = new Map<PurchaseStatus, { count: number; amount: number }>();
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
      if (isPaymentAttempt(r.status)) attempted += n(r);
    }
    const { delivered: d, failed: f, retrying: rt } = hooks[i];
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
