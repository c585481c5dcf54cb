import type { NotificationDelivery } from "./types";

export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface NotifierOptions {
  retryDelaysMs: number[];
  timeoutMs: number;
  logger: SimLogger;
}

/**
 * Delivers HTTP notifications like Midtrans: one POST per URL, a 2xx answer ends delivery, anything
 * else (3xx included: redirects are not followed), a timeout or a network error schedules a retry.
 */
export class Notifier {
  private readonly deliveries: NotificationDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly shutdown = new AbortController();

  constructor(private readonly opts: NotifierOptions) {}

  send(orderId: string, urls: string[], body: Record<string, unknown>): void {
    if (urls.length === 0) {
      this.opts.logger.info({ order_id: orderId, transaction_status: body.transaction_status }, "no notification URL: notification not sent");
      return;
    }
    const payload = JSON.stringify(body);
    for (const url of urls) void this.attempt({ orderId, url, body, payload }, 1);
  }

  log(): NotificationDelivery[] {
    return structuredClone(this.deliveries);
  }

  /** Cancels scheduled retries and aborts requests in flight. */
  close(): void {
    this.shutdown.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(job: Job, attempt: number): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    let responseStatus: number | null = null;
    let error: string | null = null;
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

    this.deliveries.push({
      order_id: job.orderId,
      url: job.url,
      body: job.body,
      attempt,
      responseStatus,
      error,
      at: new Date().toISOString(),
    });
    const logFields = { order_id: job.orderId, url: job.url, attempt, responseStatus, error };
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
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
