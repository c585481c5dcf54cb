import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of one platform (docs/operations.md#metrics). Each platform has its own
 * Registry (tests start many platforms in one process); the metrics server
 * (server/runtime/metrics-server.ts) serves it on METRICS_PORT, never on the public port.
 *
 * Labels are bounded sets only: a route is its pattern (`/api/platform/shop-payment/verify`,
 * `/api/items/:id`), never the raw URL; an outcome is a fixed word or an error code.
 */
export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<"method" | "route" | "status">;
  notifications: Counter<"outcome">;
  webhookDeliveryDuration: Histogram<"outcome">;
  midtransCallDuration: Histogram<"operation" | "environment" | "outcome">;
}

/** What the scrape-time gauges read (cheap: one query, and the pool's own counters). */
export interface MetricsSources {
  /** The webhook outbox: undelivered events and the age of the oldest (null when none). */
  webhookQueue(): Promise<{ depth: number; oldestAgeSeconds: number | null }>;
  pool(): { inFlight: number; sessions: number; timeouts: number; max: number };
}

// Latency buckets in seconds: 5 ms (a verify poll) to 30 s (past every timeout).
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Process metrics (CPU, memory, event loop lag) start a monitor: only where someone scrapes.
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: "astapa_" });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: "astapa_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status, with their latency",
      labelNames: ["method", "route", "status"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    notifications: new Counter({
      name: "astapa_midtrans_notifications_total",
      help: "Midtrans notifications received, by outcome (applied, duplicate, ignored, or the error code answered)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    webhookDeliveryDuration: new Histogram({
      name: "astapa_webhook_delivery_duration_seconds",
      help: "Merchant webhook attempts by outcome (success, http_4xx, http_5xx, error, aborted), with their latency",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    midtransCallDuration: new Histogram({
      name: "astapa_midtrans_call_duration_seconds",
      help: "Calls to Midtrans by operation, environment and outcome (ok, or the error kind), with their latency",
      labelNames: ["operation", "environment", "outcome"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

/** The gauges read at scrape time: the webhook queue and database pool use. */
export function registerScrapeGauges(metrics: Metrics, sources: MetricsSources): void {
  const registers = [metrics.registry];
  // One query serves both queue gauges of a scrape (prom-client collects every metric at once).
  let queue: ReturnType<MetricsSources["webhookQueue"]> | null = null;
  const readQueue = () => {
    if (!queue) {
      queue = sources.webhookQueue();
      queue.then(
        () => (queue = null),
        () => (queue = null),
      );
    }
    return queue;
  };
  const queueGauge = (name: string, help: string, pick: (q: Awaited<ReturnType<MetricsSources["webhookQueue"]>>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          this.set(pick(await readQueue()));
        } catch {
          // The database did not answer: unknown, not zero (the rest of the scrape still works).
          this.set(Number.NaN);
        }
      },
    });
  queueGauge("astapa_webhook_queue_depth", "Webhook events not yet delivered (pending)", (q) => q.depth);
  queueGauge("astapa_webhook_queue_oldest_age_seconds", "Age of the oldest undelivered webhook event (0 when none)", (q) => q.oldestAgeSeconds ?? 0);
  // Each gauge reads the pool's counters itself: prom-client collects all metrics at once.
  const poolGauge = (name: string, help: string, pick: (p: ReturnType<MetricsSources["pool"]>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(pick(sources.pool()));
      },
    });
  poolGauge("astapa_db_pool_queries_in_flight", "Queries handed to the database pool and not yet answered", (p) => p.inFlight);
  poolGauge("astapa_db_pool_sessions", "Transactions and reserved connections open or waiting for a connection", (p) => p.sessions);
  poolGauge("astapa_db_pool_max_connections", "Connections the pool may open", (p) => p.max);
  // The pool counts its own timeouts (server/db knows nothing of metrics): follow that count.
  let counted = 0;
  new Counter({
    name: "astapa_db_wait_timeouts_total",
    help: "Database waits that hit DB_QUERY_TIMEOUT_MS (answered 503 service_unavailable)",
    registers,
    collect() {
      const now = sources.pool().timeouts;
      if (now > counted) this.inc(now - counted);
      counted = now;
    },
  });
}
