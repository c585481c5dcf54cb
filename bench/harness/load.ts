import autocannon from "autocannon";
import http from "node:http";

export interface LoadResult {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Rewrites each request (e.g. a fresh order_id per create). */
  setupRequest?: (req: { method?: string; path?: string; body?: string; headers?: Record<string, string> }) => object;
  /** Send exactly this many requests (as fast as possible), instead of running for durationSec. */
  amount?: number;
  /** Called as each response arrives. */
  onResponse?: (status: number) => void;
}

/** Runs autocannon (a maintained HTTP load generator) and keeps the figures we report. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationSec }),
    method: o.method ?? "GET",
    headers: o.headers,
    body: o.body,
    requests:
      o.setupRequest || o.onResponse
        ? [{ ...(o.setupRequest ? { setupRequest: o.setupRequest as never } : {}), ...(o.onResponse ? { onResponse: o.onResponse as never } : {}) }]
        : undefined,
  });
  return {
    // Requests over the run's measured duration: autocannon's per-second average counts a last,
    // partial second as a whole one (rounds of 2.5 s).
    requestsPerSec: Math.round(result.duration > 0 ? result.requests.total / result.duration : result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * One request at a time over one keep-alive connection, each timed with a sub-millisecond
 * clock (autocannon's histogram counts whole milliseconds, too coarse for a 1-connection
 * latency). Same LoadResult shape; latencies in ms with two decimals.
 */
export async function runSequential(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(o.url);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const send = (req: { method?: string; path?: string; body?: string; headers?: Record<string, string> }) =>
    new Promise<number>((resolve, reject) => {
      const r = http.request({ agent, host: url.hostname, port: url.port, method: req.method ?? "GET", path: req.path ?? url.pathname + url.search, headers: req.headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      });
      r.on("error", reject);
      r.end(req.body);
    });
  const started = performance.now();
  const deadline = started + o.durationSec * 1000;
  try {
    while (performance.now() < deadline) {
      const base = { method: o.method ?? "GET", path: url.pathname + url.search, body: o.body, headers: { ...o.headers } };
      const req = (o.setupRequest ? o.setupRequest(base) : base) as typeof base;
      if (req.body !== undefined) req.headers = { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) };
      const t0 = performance.now();
      try {
        const status = await send(req);
        if (status < 200 || status > 299) non2xx++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  } finally {
    agent.destroy();
  }
  const elapsedSec = (performance.now() - started) / 1000;
  const ms = (p: number) => round(percentile(latencies, p), 2);
  return { requestsPerSec: Math.round(latencies.length / elapsedSec), p50: ms(50), p90: ms(90), p99: ms(99), requests: latencies.length + errors, errors, non2xx };
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
