import { z } from "zod";
import { DomainError } from "../lib/errors";
import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import {
  countAttentionPayments,
  purchaseTotalsSince,
  rejectedNotificationsSince,
  settledPerJakartaDay,
  type DashboardScope,
} from "../payments/dashboard.queries";
import { isPaymentAttempt, STALE_PENDING_AFTER_MS, type PurchaseStatus } from "../payments/lifecycle";
import { ATTENTION_WINDOW_DAYS } from "../payments/payment-list.queries";
import type { AttentionFilter } from "../payments/payment-list.schema";
import { findProject } from "../projects/projects.queries";
import { countDeliveriesSince } from "../webhooks/purchase-deliveries.queries";
import { listTroubledEndpoints } from "../webhooks/troubled.queries";

export type PeriodKey = "today" | "7d" | "30d";

/** The dashboard's filters: production unless asked (sandbox or all), every project unless one. */
export const dashboardInput = z
  .object({
    environment: z.enum(["production", "sandbox", "all"], { error: "environment must be production, sandbox or all" }).default("production"),
    projectId: z
      .string()
      .trim()
      .max(100)
      .transform((v) => (v ? v : undefined))
      .optional(),
  })
  .prefault({});
export type DashboardInput = z.output<typeof dashboardInput>;

export interface PeriodStats {
  key: PeriodKey;
  label: string;
  from: string;
  /** Per stored status: number of payments created in the period and their IDR sum. */
  byStatus: { status: PurchaseStatus; count: number; amount: number }[];
  total: { count: number; amount: number };
  /** Status `settlement` now: the status table's settlement row, to the payment. */
  settled: { count: number; amount: number };
  /** Status `refund` now (fully or partly refunded, chargebacks): the table's refund row, and the IDR refunded of them. */
  refunded: { count: number; amount: number; refundedAmount: number };
  /** Paid at some point (paid_at set: settled, refunded or reversed since) among payment attempts (creation failures excluded). */
  settlementRate: number | null;
  /** delivered / (delivered + failed + pending with attempts), events created in the period. */
  webhooks: { delivered: number; failed: number; retrying: number; successRate: number | null };
}

export interface AttentionPayments {
  kind: AttentionFilter;
  count: number;
}

export interface Attention {
  /** Payments per item, each listed by the payment list's `attention=<kind>` filter (same condition). */
  payments: AttentionPayments[];
  /** Open payments older than this are stale (the reconcile sweep's threshold). */
  staleAfterMinutes: number;
  /** Settled-after-expiry and amount mismatches look back this many days. */
  windowDays: number;
  /** Webhook endpoints failing (a failed attempt since the last delivery) or disabled. */
  endpoints: { project_id: string; project_name: string; environment: Environment; url: string | null; failing_since: string | null; disabled_at: string | null }[];
  /** Midtrans notifications rejected in the last 24 h (not Midtrans's: bad signature, invalid body). */
  rejectedNotifications: {
    count: number;
    since: string;
    latest: { id: number; received_at: string; order_id: string | null; purchase_id: string | null; environment: string | null; remote_addr: string | null; detail: string | null }[];
  };
}

export interface DashboardStats {
  generatedAt: string;
  filters: { environment: "production" | "sandbox" | "all"; projectId: string | null };
  periods: PeriodStats[];
  /** Paid IDR per Jakarta day (by paid_at), last 30 days, oldest first, gaps filled with 0. */
  settledPerDay: { day: string; amount: number; count: number }[];
  attention: Attention;
}

const DAY_MS = 24 * 3600_000;
const JAKARTA_OFFSET_MS = 7 * 3600_000;

/** Start of the Jakarta calendar day containing `d`, as an instant. */
export function jakartaDayStart(d: Date): Date {
  const local = d.getTime() + JAKARTA_OFFSET_MS;
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - JAKARTA_OFFSET_MS);
}

export const jakartaDay = (d: Date) => new Date(d.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);

const ATTENTION_KINDS: readonly AttentionFilter[] = ["stale_pending", "settled_after_expiry", "amount_mismatch"];
const REJECTED_LATEST = 10;

/**
 * The dashboard of one environment (production unless asked) and project (or all): totals per
 * period, paid IDR per day, and what needs attention first. An unknown project is
 * `validation_failed` (never an empty dashboard that looks like a quiet day).
 */
export async function dashboardStats(ctx: PlatformContext, input: DashboardInput = dashboardInput.parse(undefined)): Promise<DashboardStats> {
  const sql = ctx.sql;
  const now = ctx.now();
  if (input.projectId && !(await findProject(sql, input.projectId))) {
    throw new DomainError("validation_failed", "No such project", { projectId: `No project has the id '${input.projectId}'` });
  }
  const scope: DashboardScope = { environment: input.environment === "all" ? null : input.environment, projectId: input.projectId ?? null };
  const today = jakartaDayStart(now);
  const periods: { key: PeriodKey; label: string; from: Date }[] = [
    { key: "today", label: "Today", from: today },
    { key: "7d", label: "7 days", from: new Date(now.getTime() - 7 * DAY_MS) },
    { key: "30d", label: "30 days", from: new Date(now.getTime() - 30 * DAY_MS) },
  ];
  const since = periods.map((p) => p.from);
  const statusRows = await purchaseTotalsSince(sql, since, now, scope);
  const hooks = await countDeliveriesSince(sql, since, scope);

  const chartFrom = new Date(today.getTime() - 29 * DAY_MS);
  const byDay = new Map((await settledPerJakartaDay(sql, chartFrom, now, scope)).map((r) => [r.day, r]));
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
    let refundedAmount = 0;
    let paid = 0;
    let attempted = 0;
    for (const r of statusRows) {
      const s = byStatus.get(r.status) ?? { count: 0, amount: 0 };
      s.count += n(r);
      s.amount += a(r);
      byStatus.set(r.status, s);
      total = { count: total.count + n(r), amount: total.amount + a(r) };
      if (r.status === "refund") refundedAmount += r.periods[i].refunded;
      if (r.paid) paid += n(r);
      if (isPaymentAttempt(r.status)) attempted += n(r);
    }
    // The KPIs are rows of the status table (a refunded payment is not "settled").
    const settled = byStatus.get("settlement") ?? { count: 0, amount: 0 };
    const refund = byStatus.get("refund") ?? { count: 0, amount: 0 };
    const { delivered: d, failed: f, retrying: rt } = hooks[i];
    return {
      key: p.key,
      label: p.label,
      from: p.from.toISOString(),
      byStatus: [...byStatus.entries()].filter(([, v]) => v.count > 0).map(([status, v]) => ({ status, ...v })).sort((x, y) => y.count - x.count),
      total,
      settled: { count: settled.count, amount: settled.amount },
      refunded: { count: refund.count, amount: refund.amount, refundedAmount },
      settlementRate: attempted > 0 ? paid / attempted : null,
      webhooks: { delivered: d, failed: f, retrying: rt, successRate: d + f + rt > 0 ? d / (d + f + rt) : null },
    };
  });
  return {
    generatedAt: now.toISOString(),
    filters: { environment: input.environment, projectId: input.projectId ?? null },
    periods: result,
    settledPerDay,
    attention: await attentionOf(ctx, scope, now),
  };
}

/** What needs attention first, in the dashboard's scope. */
async function attentionOf(ctx: PlatformContext, scope: DashboardScope, now: Date): Promise<Attention> {
  const since = new Date(now.getTime() - DAY_MS);
  const [counts, endpoints, rejected] = await Promise.all([
    countAttentionPayments(ctx.sql, ATTENTION_KINDS, now, scope),
    listTroubledEndpoints(ctx.sql, scope),
    rejectedNotificationsSince(ctx.sql, since, scope, REJECTED_LATEST),
  ]);
  return {
    payments: ATTENTION_KINDS.map((kind) => ({ kind, count: counts[kind] })),
    staleAfterMinutes: STALE_PENDING_AFTER_MS / 60_000,
    windowDays: ATTENTION_WINDOW_DAYS,
    endpoints: endpoints.map((e) => ({ ...e, failing_since: e.failing_since?.toISOString() ?? null, disabled_at: e.disabled_at?.toISOString() ?? null })),
    rejectedNotifications: {
      count: rejected.count,
      since: since.toISOString(),
      latest: rejected.latest.map((r) => ({ ...r, received_at: r.received_at.toISOString() })),
    },
  };
}
