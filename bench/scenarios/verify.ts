import { runLoad, round, type LoadResult } from "../harness/load";

/**
 * verify: the platform's GET /api/platform/shop-payment/verify against a minimal
 * node:http + postgres.js server answering the same query with the same JSON,
 * alternated A B A B under identical load.
 */
export async function benchVerify(o: { platformUrl: string; referenceUrl: string; orderIds: string[]; rounds: number; durationSec: number; connections: number }) {
  const pick = () => o.orderIds[Math.floor(Math.random() * o.orderIds.length)];
  const run = (base: string, durationSec = o.durationSec) =>
    runLoad({
      url: `${base}/api/platform/shop-payment/verify?order_id=${o.orderIds[0]}`,
      connections: o.connections,
      durationSec,
      setupRequest: (req) => ({ ...req, path: `/api/platform/shop-payment/verify?order_id=${pick()}` }),
    });
  // Warm-up, not measured: JIT, connection pools and the database's cache, for both alike
  // (otherwise the first round of whichever runs first pays for them).
  await run(o.platformUrl, 2);
  await run(o.referenceUrl, 2);
  const platform: LoadResult[] = [];
  const reference: LoadResult[] = [];
  for (let i = 0; i < o.rounds; i++) {
    platform.push(await run(o.platformUrl));
    reference.push(await run(o.referenceUrl));
  }
  const mean = (xs: LoadResult[], k: keyof LoadResult) => round(xs.reduce((s, x) => s + (x[k] as number), 0) / xs.length);
  const p = { requestsPerSec: mean(platform, "requestsPerSec"), p50: mean(platform, "p50"), p99: mean(platform, "p99"), errors: platform.reduce((s, x) => s + x.errors + x.non2xx, 0) };
  const r = { requestsPerSec: mean(reference, "requestsPerSec"), p50: mean(reference, "p50"), p99: mean(reference, "p99"), errors: reference.reduce((s, x) => s + x.errors + x.non2xx, 0) };
  const ratio = round(p.requestsPerSec / r.requestsPerSec, 2);
  return {
    connections: o.connections,
    rounds: o.rounds,
    platform: p,
    reference: r,
    throughputRatio: ratio,
    targets: { throughputRatioMin: 0.7, p99MaxMs: 25, met: ratio >= 0.7 && p.p99 < 25 },
  };
}
