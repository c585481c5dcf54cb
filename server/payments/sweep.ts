import { withCustomPlans } from "../db/connect";
import type { PlatformContext } from "../platform/context";
import { expiredCandidatesQuery, sweepCandidatesQuery } from "./reconcile.queries";
import { reconcilePurchase } from "./reconcile.service";
import { STALE_PENDING_AFTER_MS } from "./lifecycle";

export interface SweepSummary {
  /** Payments Midtrans was asked about. */
  checked: number;
  /** Payments whose status moved (a missed notification applied, or an unused Snap page expired). */
  changed: number;
  /** Of `changed`: marked `expire` because the Snap page expired unused. */
  expired: number;
  /** Get Status failed (Midtrans unreachable…); asked again on a later run. */
  failed: number;
  durationMs: number;
}

export interface SweepOptions {
  /** Time between runs. */
  intervalMs: number;
  /** A pending payment is asked about once it (and the last check) is older than this. Default 10 min. */
  staleAfterMs?: number;
  /** Payments per query. Default 20. */
  batchSize?: number;
  /** Upper bound per run, so one run never takes over Midtrans's rate limit. Default 500. */
  maxPerRun?: number;
}

export interface ReconcileSweep {
  stop(): Promise<void>;
  runOnce(): Promise<SweepSummary>;
}

/**
 * The automatic reconcile sweep (runs in the worker): every `intervalMs`, asks Midtrans for
 * the status of open payments whose Snap page has expired (not asked about since), then of stale
 * open payments (lifecycle.ts `openStatuses`, not updated nor checked for `staleAfterMs`), in small batches, and applies the answer through the state machine;
 * a payment Midtrans does not know whose Snap page has expired becomes `expire`. A missed or
 * lost notification is thus repaired without a human. No transaction is held across a call.
 */
export function startReconcileSweep(ctx: PlatformContext, opts: SweepOptions): ReconcileSweep {
  const staleAfterMs = opts.staleAfterMs ?? STALE_PENDING_AFTER_MS;
  const batchSize = Math.max(1, opts.batchSize ?? 20);
  const maxPerRun = Math.max(1, opts.maxPerRun ?? 500);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<SweepSummary> | null = null;

  async function sweep(): Promise<SweepSummary> {
    const started = performance.now();
    const s: SweepSummary = { checked: 0, changed: 0, expired: 0, failed: 0, durationMs: 0 };
    while (!stopped && s.checked < maxPerRun) {
      const cutoff = new Date(ctx.now().getTime() - staleAfterMs);
      // Each checked payment gets reconcile_checked_at = now, which takes it out of this query.
      const limit = Math.min(batchSize, maxPerRun - s.checked);
      // Payments past their expiry first (Astapa owns expiry: docs/api.md#expiry), then stale ones.
      let rows = await withCustomPlans(ctx.sql, (db) => expiredCandidatesQuery(db, ctx.now(), limit));
      if (rows.length === 0) rows = await withCustomPlans(ctx.sql, (db) => sweepCandidatesQuery(db, cutoff, limit));
      if (rows.length === 0) break;
      for (const { id } of rows) {
        if (stopped) break;
        s.checked++;
        try {
          const r = await reconcilePurchase(ctx, id, "sweep");
          if (r.changed) s.changed++;
          if (r.outcome === "expired") s.expired++;
        } catch (err) {
          s.failed++;
          ctx.logger.warn({ purchase_id: id, err: err instanceof Error ? err.message : String(err) }, "reconcile sweep: check failed");
        }
      }
    }
    s.durationMs = Math.round(performance.now() - started);
    if (s.checked > 0) ctx.logger.info({ ...s }, "reconcile sweep");
    return s;
  }

  function runOnce(): Promise<SweepSummary> {
    // One run at a time: a call during a run waits for it, then runs afresh.
    const previous = running ?? Promise.resolve(null);
    const next = previous.catch(() => null).then(() => sweep());
    running = next;
    void next.finally(() => {
      if (running === next) running = null;
    }).catch(() => {});
    return next;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((err) => ctx.logger.error({ err: err instanceof Error ? err.message : String(err) }, "reconcile sweep failed"))
        .finally(schedule);
    }, opts.intervalMs);
    timer.unref?.();
  }
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => null);
    },
  };
}
