import type { Platform } from "./platform";
import { startWebhookDelivery, type WebhookWorker, type WebhookWorkerOptions } from "../webhooks/worker";
import { startReconcileSweep, type ReconcileSweep } from "../payments/sweep";

export interface Workers {
  /** The merchant-webhook worker (tests and benchmarks reach it here). */
  webhooks: WebhookWorker;
  /** Repairs lost notifications (Get Status on stale pending payments) and expires unused Snap pages. */
  reconcile: ReconcileSweep;
  /** Stops claiming, waits (bounded) for work in flight, releases claims. */
  stop(): Promise<void>;
}

/** Background workers of a process: webhook delivery and the reconcile sweep. */
export function startWorkers(platform: Platform, opts: { webhooks?: WebhookWorkerOptions } = {}): Workers {
  const webhooks = startWebhookDelivery(platform, opts.webhooks);
  const reconcile = startReconcileSweep(platform.ctx, { intervalMs: 60_000 });
  platform.ctx.logger.info({ worker: webhooks.worker.id }, "webhook worker and reconcile sweep started");
  return {
    webhooks: webhooks.worker,
    reconcile,
    async stop() {
      await Promise.all([webhooks.stop(), reconcile.stop()]);
    },
  };
}
