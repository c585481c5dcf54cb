import autocannon from "autocannon";

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
  /** Requests per second overall (constant-rate load); unset = as fast as possible. */
  overallRate?: number;
}

/** Runs autocannon (a maintained HTTP load generator) and keeps the figures we report. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
    method: o.method ?? "GET",
    headers: o.headers,
    body: o.body,
    overallRate: o.overallRate,
    requests: o.setupRequest ? [{ setupRequest: o.setupRequest as never }] : undefined,
  });
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
