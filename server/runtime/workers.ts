import type { Platform } from "./platform";
import { startWebhookDelivery, type WebhookWorker, type WebhookWorkerOptions } from "../webhooks/worker";
import { startReconcileSweep, type ReconcileSweep } from "../payments/sweep";
import { pruneNotifications } from "../payments/notifications.service";
import { pruneRawNotificationBodies } from "../payments/retention";
import { pruneAttemptResponseBodies } from "../webhooks/retention";

export interface Workers {
  /** The merchant-webhook worker (tests and benchmarks reach it here). */
  webhooks: WebhookWorker;
  /** Repairs lost notifications (Get Status on stale pending payments) and expires unused Snap pages. */
  reconcile: ReconcileSweep;
  /** Stops claiming, waits (bounded) for work in flight, releases claims. */
  stop(): Promise<void>;
}

/** How often the notification retention prune runs (it also runs when the workers start). */
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Background workers of a process: webhook delivery, the reconcile sweep, and retention: rejected
 * Midtrans notifications (REJECTED_NOTIFICATION_RETENTION_DAYS), raw notification and webhook
 * response bodies (RAW_BODY_RETENTION_DAYS).
 */
export function startWorkers(platform: Platform, opts: { webhooks?: WebhookWorkerOptions } = {}): Workers {
  const webhooks = startWebhookDelivery(platform, opts.webhooks);
  const reconcile = startReconcileSweep(platform.ctx, { intervalMs: 60_000 });
  const retention = startNotificationRetention(platform);
  platform.ctx.logger.info({ worker: webhooks.worker.id }, "webhook worker, reconcile sweep and notification retention started");
  return {
    webhooks: webhooks.worker,
    reconcile,
    async stop() {
      await Promise.all([webhooks.stop(), reconcile.stop(), retention.stop()]);
    },
  };
}

/** Runs pruneNotifications now and then every PRUNE_EVERY_MS; one run at a time. */
function startNotificationRetention(platform: Platform): { stop(): Promise<void> } {
  const { ctx } = platform;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const run = () => {
    running = pruneNotifications(ctx)
      .then(async (deleted) => {
        if (deleted > 0) ctx.logger.info({ deleted, retention_days: ctx.config.rejectedNotificationRetentionDays }, "notification retention");
        // Raw bodies (RAW_BODY_RETENTION_DAYS): the rows stay, the bodies go.
        const notificationBodies = await pruneRawNotificationBodies(ctx);
        const attemptBodies = await pruneAttemptResponseBodies(ctx);
        if (notificationBodies + attemptBodies > 0) {
          ctx.logger.info({ notification_bodies: notificationBodies, attempt_bodies: attemptBodies, retention_days: ctx.config.rawBodyRetentionDays }, "raw body retention");
        }
      })
      .catch((err) => ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "notification retention failed"))
      .finally(() => {
        running = null;
        if (stopped) return;
        timer = setTimeout(run, PRUNE_EVERY_MS);
        timer.unref?.();
      });
  };
  run();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
