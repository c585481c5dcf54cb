import { runLoad, runSequential, round, type LoadResult } from "../harness/load";
import { measureCpu } from "../harness/cpu";
import { medianRatio } from "../harness/ratios";

/**
 * create: the platform's POST /api/platform/shop-payment against a direct Snap call to
 * the same simulator (the difference in latency is what Astapa adds) and, with `referenceUrl`,
 * against bench/reference/create-server.ts — the same work (credential check, order id claim,
 * Snap, result recorded) written minimally — alternated platform, reference, direct per round;
 * the ratio of the platform's throughput to the reference's is reported (the median of each round's
 * ratio: bench/harness/ratios.ts).
 */
export async function benchCreate(o: {
  platformUrl: string;
  simulatorUrl: string;
  serverKey: string;
  clientId: string;
  clientSecret: string;
  rounds: number;
  durationSec: number;
  connections: number;
  /** Processes whose CPU time per request is reported (with PostgreSQL and this load generator). */
  pids?: { platform: number; simulator: number };
  referenceUrl?: string;
  referencePid?: number;
}) {
  let n = 0;
  const runId = Date.now().toString(36);
  const nextOrder = (p: string) => `${p}-${runId}-${n++}`;
  // One connection: a precise sequential client; more: autocannon.
  const load = o.connections === 1 ? runSequential : runLoad;
  const createAt = (url: string, prefix: string) => () =>
    load({
      url,
      method: "POST",
      connections: o.connections,
      durationSec: o.durationSec,
      headers: { "content-type": "application/json" },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({
          client_id: o.clientId,
          client_secret: o.clientSecret,
          amount: 75000,
          order_id: nextOrder(prefix),
          buyer_email: "buyer@example.com",
          buyer_name: "John Doe",
          item_name: "Nasi Goreng Spesial",
          metadata: { store_name: "Warung Bu Sari", store_slug: "warung-bu-sari" },
        }),
      }),
    });
  const platform = createAt(`${o.platformUrl}/api/platform/shop-payment`, "bc");
  const reference = o.referenceUrl ? createAt(`${o.referenceUrl}/create`, "br") : null;
  const direct = () =>
    load({
      url: `${o.simulatorUrl}/snap/v1/transactions`,
      method: "POST",
      connections: o.connections,
      durationSec: o.durationSec,
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${o.serverKey}:`).toString("base64")}` },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({
          transaction_details: { order_id: nextOrder("bd"), gross_amount: 75000 },
          customer_details: { email: "buyer@example.com", first_name: "John Doe" },
          item_details: [{ id: "__direct__", price: 75000, quantity: 1, name: "Nasi Goreng Spesial" }],
          callbacks: { finish: "http://127.0.0.1/purchase/callback" },
        }),
      }),
    });
  const pids = { ...(o.pids ?? {}), ...(o.referencePid ? { reference: o.referencePid } : {}), loadGenerator: process.pid };
  type Side = "platform" | "directSnap" | "reference";
  const cpu: Record<Side, Record<string, number>> = { platform: {}, directSnap: {}, reference: {} };
  const requests: Record<Side, number> = { platform: 0, directSnap: 0, reference: 0 };
  const measured = async (side: Side, run: () => Promise<LoadResult>) => {
    const { result, cpuMs } = await measureCpu(pids, run);
    for (const [k, ms] of Object.entries(cpuMs)) cpu[side][k] = (cpu[side][k] ?? 0) + ms;
    requests[side] += result.requests;
    return result;
  };
  const p: LoadResult[] = [];
  const d: LoadResult[] = [];
  const r: LoadResult[] = [];
  for (let i = 0; i < o.rounds; i++) {
    p.push(await measured("platform", platform));
    if (reference) r.push(await measured("reference", reference));
    d.push(await measured("directSnap", direct));
  }
  const mean = (xs: LoadResult[], k: "p50" | "p99" | "requestsPerSec") => round(xs.reduce((s, x) => s + x[k], 0) / xs.length, 2);
  const perRequest = (side: Side) => {
    const out = Object.fromEntries(Object.entries(cpu[side]).map(([k, ms]) => [k, round(ms / Math.max(requests[side], 1), 3)]));
    return {
      ...out,
      total: round(
        Object.values(out).reduce((s, x) => s + (Number.isNaN(x) ? 0 : x), 0),
        3,
      ),
    };
  };
  const addedP50 = round(mean(p, "p50") - mean(d, "p50"), 2);
  const addedP99 = round(mean(p, "p99") - mean(d, "p99"), 2);
  return {
    connections: o.connections,
    platform: { p50: mean(p, "p50"), p99: mean(p, "p99"), requestsPerSec: mean(p, "requestsPerSec"), errors: p.reduce((s, x) => s + x.errors + x.non2xx, 0) },
    directSnap: { p50: mean(d, "p50"), p99: mean(d, "p99"), requestsPerSec: mean(d, "requestsPerSec"), errors: d.reduce((s, x) => s + x.errors + x.non2xx, 0) },
    addedLatencyMs: { p50: addedP50, p99: addedP99 },
    /** CPU (ms) each process spent per request, from /proc: where a create's cost goes. */
    cpuMsPerRequest: { platform: perRequest("platform"), directSnap: perRequest("directSnap"), ...(reference ? { reference: perRequest("reference") } : {}) },
    ...(reference
      ? {
          reference: {
            p50: mean(r, "p50"),
            p99: mean(r, "p99"),
            requestsPerSec: mean(r, "requestsPerSec"),
            errors: r.reduce((s, x) => s + x.errors + x.non2xx, 0),
          },
          throughputRatio: medianRatio(p, r),
          roundRatios: p.map((x, i) => round(x.requestsPerSec / r[i].requestsPerSec, 3)),
        }
      : {}),
  };
}
