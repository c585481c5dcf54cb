import type { Platform } from "./platform/platform";
import { startWebhookDelivery, type WebhookWorker, type WebhookWorkerOptions } from "./webhooks/worker";

export interface Workers {
  /** The merchant-webhook worker (tests and benchmarks reach it here). */
  webhooks: WebhookWorker;
  /** Stops claiming, waits (bounded) for work in flight, releases claims. */
  stop(): Promise<void>;
}

/** Background workers of a process. Webhook delivery runs here; the reconcile sweep plugs in next to it. */
export function startWorkers(platform: Platform, opts: { webhooks?: WebhookWorkerOptions } = {}): Workers {
  const webhooks = startWebhookDelivery(platform, opts.webhooks);
  platform.ctx.logger.info({ worker: webhooks.worker.id }, "webhook worker started");
  return {
    webhooks: webhooks.worker,
    async stop() {
      await webhooks.stop();
    },
  };
}
