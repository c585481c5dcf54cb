import type { Platform } from "./platform/platform";

export interface Workers {
  stop(): Promise<void>;
}

/** Background workers of a process. Webhook delivery and the reconcile sweep plug in here. */
export function startWorkers(_platform: Platform): Workers {
  return { async stop() {} };
}
