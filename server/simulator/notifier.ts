import { REORDER_BUFFER_LIMIT, type FaultInjector } from "./faults";
import type { NotificationDelivery, SimLogger } from "./types";

export type { SimLogger };


export interface NotifierOptions {
  retryDelaysMs: number[];
  timeoutMs: number;
  logger: SimLogger;
  /** Drop, duplicate and reorder faults; none without it. */
  faults?: FaultInjector;
}

/**
 * Delivers HTTP notifications like Midtrans: one POST per URL, a 2xx answer ends delivery, anything
 * else (3xx included: redirects are not followed), a timeout or a network error schedules a retry.
 * Fault modes can lose a notification, send copies of it, or hold several and send them shuffled.
 */
export class Notifier {
  private readonly deliveries: NotificationDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly shutdown = new AbortController();
  /** Notifications held by notificationReorderWindowMs, and the timer that flushes them. */
  private reorderBuffer: Job[] = [];
  private reorderTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: NotifierOptions) {
    // A new configuration applies to what is held: switching reordering off (or {}) releases it at once.
    opts.faults?.onChange(() => {
      if (this.reorderBuffer.length === 0) return;
      const windowMs = opts.faults!.reorderWindowMs();
      if (windowMs === 0) return this.flushReorderBuffer();
      clearTimeout(this.reorderTimer);
      this.reorderTimer = setTimeout(() => this.flushReorderBuffer(), windowMs);
    });
  }

  send(orderId: string, urls: string[], body: Record<string, unknown>): void {
    if (urls.length === 0) {
      this.opts.logger.info({ order_id: orderId, transaction_status: body.transaction_status }, "no notification URL: notification not sent");
      return;
    }
    const payload = JSON.stringify(body);
    const faults = this.opts.faults;
    if (!faults) {
      for (const url of urls) void this.attempt({ orderId, url, body, payload }, 1);
      return;
    }
    const counters = faults.notificationCounters;
    if (faults.dropNotification()) {
      counters.dropped += urls.length;
      for (const url of urls) {
        this.record({ orderId, url, body, payload }, 1, null, "dropped by fault injection (notificationDropRate)", "dropped");
      }
      this.opts.logger.warn({ order_id: orderId, transaction_status: body.transaction_status }, "notification dropped by fault injection");
      return;
    }
    const copies = faults.duplicates();
    const jobs: Job[] = urls.flatMap((url) =>
      Array.from({ length: copies }, (_, i) => ({ orderId, url, body, payload, copy: copies > 1 ? i + 1 : undefined })),
    );
    counters.duplicated += jobs.length - urls.length;
    const windowMs = faults.reorderWindowMs();
    if (windowMs <= 0) {
      for (const job of jobs) void this.attempt(job, 1);
      return;
    }
    if (this.shutdown.signal.aborted) return; // closed: nothing may be held any more
    counters.reordered += jobs.length;
    this.reorderBuffer.push(...jobs);
    if (this.reorderBuffer.length >= REORDER_BUFFER_LIMIT) {
      this.flushReorderBuffer();
      return;
    }
    this.reorderTimer ??= setTimeout(() => this.flushReorderBuffer(), windowMs);
  }

  log(): NotificationDelivery[] {
    return structuredClone(this.deliveries);
  }

  /** Cancels scheduled retries, aborts requests in flight and discards notifications held for reordering. */
  close(): void {
    this.shutdown.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearTimeout(this.reorderTimer);
    this.reorderTimer = undefined;
    this.reorderBuffer = [];
  }

  /** Sends the held notifications back to back (each first attempt awaited) so the receiver sees the shuffled order. */
  private flushReorderBuffer(): void {
    clearTimeout(this.reorderTimer);
    this.reorderTimer = undefined;
    const jobs = this.opts.faults ? this.opts.faults.shuffle(this.reorderBuffer) : this.reorderBuffer;
    this.reorderBuffer = [];
    void (async () => {
      for (const job of jobs) await this.attempt(job, 1);
    })();
  }

  private record(job: Job, attempt: number, responseStatus: number | null, error: string | null, fault?: "dropped", sentAt?: Date): void {
    this.deliveries.push({
      order_id: job.orderId,
      url: job.url,
      body: job.body,
      attempt,
      responseStatus,
      error,
      at: new Date().toISOString(),
      ...(sentAt ? { sent_at: sentAt.toISOString() } : {}),
      ...(job.copy ? { copy: job.copy } : {}),
      ...(fault ? { fault } : {}),
    });
  }

  private async attempt(job: Job, attempt: number): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    if (this.opts.faults) this.opts.faults.notificationCounters.sent += 1;
    let responseStatus: number | null = null;
    let error: string | null = null;
    const sentAt = new Date();
    try {
      const res = await fetch(job.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "user-agent": "Veritrans" },
        body: job.payload,
        redirect: "manual",
        signal: AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.opts.timeoutMs)]),
      });
      responseStatus = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      error = describeFetchError(err, this.opts.timeoutMs);
    }
    if (this.shutdown.signal.aborted) return;

    this.record(job, attempt, responseStatus, error, undefined, sentAt);
    const logFields = { order_id: job.orderId, url: job.url, attempt, responseStatus, error, ...(job.copy ? { copy: job.copy } : {}) };
    if (responseStatus !== null && responseStatus >= 200 && responseStatus < 300) {
      this.opts.logger.info(logFields, "notification delivered");
      return;
    }
    const delay = this.opts.retryDelaysMs[attempt - 1];
    if (delay === undefined) {
      this.opts.logger.warn(logFields, "notification failed, no retries left");
      return;
    }
    this.opts.logger.warn({ ...logFields, retryInMs: delay }, "notification failed, will retry");
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(job, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }
}

interface Job {
  orderId: string;
  url: string;
  body: Record<string, unknown>;
  payload: string;
  /** 1..n when notificationDuplicates sends n copies. */
  copy?: number;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
