import { measureCpu } from "../harness/cpu";
import { round, runLoad } from "../harness/load";

const json = { "content-type": "application/json" };
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" };

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/**
 * Signed notifications processed per second: pending payments, paid in the simulator (which is
 * told to send no notification of its own), then one signed settlement notification each, sent
 * by the load generator as fast as `connections` connections allow. Processing one is the whole
 * path: signature check, Get Status from the simulator, and one transaction that records it,
 * settles the purchase and writes the merchant's webhook event. With `referenceUrl`
 * (bench/reference/notifications-server.ts, the same work written minimally), rounds alternate
 * platform, reference, platform... each on its own fresh payments, and the ratio of throughputs
 * is reported. Every answer must be 200 and every purchase settled afterwards.
 */
export async function benchNotifications(o: {
  platformUrl: string;
  simulatorUrl: string;
  serverKey: string;
  clientId: string;
  clientSecret: string;
  /** Notifications per side (platform, and reference when there is one). */
  count: number;
  connections: number;
  pids: { platform: number; simulator: number };
  referenceUrl?: string;
  referencePid?: number;
  rounds?: number;
}) {
  const faults = `${o.simulatorUrl}/__sim/faults`;
  await ok(await fetch(faults, { method: "PUT", headers: json, body: JSON.stringify({ notificationDropRate: 1 }) }), "simulator faults");
  try {
    const run = Date.now().toString(36);
    const sides = o.referenceUrl ? 2 : 1;
    const orderIds = Array.from({ length: o.count * sides }, (_, i) => `bn-${run}-${i}`);
    const auth = { authorization: `Basic ${Buffer.from(`${o.serverKey}:`).toString("base64")}` };
    await inBatches(orderIds, 8, async (order_id) =>
      ok(
        await fetch(`${o.platformUrl}/api/platform/shop-payment`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ client_id: o.clientId, client_secret: o.clientSecret, amount: 75000, order_id, buyer_email: "buyer@example.com" }),
        }),
        "create",
      ),
    );
    // Midtrans knows each payment by the id Astapa derived (docs/decisions/0004-midtrans-order-ids.md): one listing maps them.
    const txs = (await (await ok(await fetch(`${o.simulatorUrl}/__sim/transactions`), "list")).json()) as { order_id: string }[];
    const midtransIdOf = new Map(txs.map((tx) => [tx.order_id.slice(0, tx.order_id.lastIndexOf("~")), tx.order_id]));
    const bodies = await inBatches(orderIds, 8, async (order_id) => {
      const midtransId = midtransIdOf.get(order_id)!;
      await ok(await fetch(`${o.simulatorUrl}/__sim/transactions/${midtransId}/pay`, { method: "POST", headers: json, body: JSON.stringify(CARD) }), "pay");
      // Get Status answers with the notification's fields and signature_key.
      return (await ok(await fetch(`${o.simulatorUrl}/v2/${midtransId}/status`, { headers: auth }), "status")).text();
    });

    const rounds = Math.max(1, o.rounds ?? 1);
    const perRound = Math.floor(o.count / rounds);
    const pids = { ...o.pids, ...(o.referencePid ? { reference: o.referencePid } : {}), loadGenerator: process.pid };
    type Side = { requests: number; elapsedSec: number; p50: number[]; p99: number[]; errors: number; cpu: Record<string, number> };
    const totals: Record<"platform" | "reference", Side> = {
      platform: { requests: 0, elapsedSec: 0, p50: [], p99: [], errors: 0, cpu: {} },
      reference: { requests: 0, elapsedSec: 0, p50: [], p99: [], errors: 0, cpu: {} },
    };
    let offset = 0;
    // The platform's load windows on the monotonic clock (µs), the clock of V8's CPU profiles:
    // bench/harness/cpu-profile-summary.ts --windows keeps only the samples taken inside them.
    const platformWindowsUs: [number, number][] = [];
    const used = { platform: [] as string[], reference: [] as string[] };
    const measure = async (side: "platform" | "reference", base: string) => {
      const batch = bodies.slice(offset, offset + perRound);
      used[side].push(...orderIds.slice(offset, offset + perRound));
      offset += perRound;
      let next = 0;
      let started = 0;
      let lastAnswer = 0;
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const { result, cpuMs } = await measureCpu(pids, () =>
        runLoad({
          url: side === "platform" ? `${base}/api/midtrans/notification` : `${base}/notification`,
          method: "POST",
          connections: o.connections,
          durationSec: 0,
          amount: batch.length,
          headers: json,
          setupRequest: (req) => {
            started ||= performance.now();
            return { ...req, body: batch[next++ % batch.length] };
          },
          // From the first request sent to the last answer: autocannon itself stops on a 1 s tick.
          onResponse: () => {
            lastAnswer = performance.now();
          },
        }),
      );
      if (side === "platform") platformWindowsUs.push([fromUs, Number(process.hrtime.bigint() / 1000n)]);
      const t = totals[side];
      t.requests += result.requests;
      t.elapsedSec += (lastAnswer - started) / 1000;
      t.p50.push(result.p50);
      t.p99.push(result.p99);
      t.errors += result.errors + result.non2xx;
      for (const [k, ms] of Object.entries(cpuMs)) t.cpu[k] = (t.cpu[k] ?? 0) + ms;
    };
    for (let i = 0; i < rounds; i++) {
      await measure("platform", o.platformUrl);
      if (o.referenceUrl) await measure("reference", o.referenceUrl);
    }
    // Read back through the public verify endpoint (the bench may not share the platform's database).
    const settledOf = async (ids: string[]) => {
      const statuses = await inBatches(ids, 16, async (id) => {
        const res = await fetch(`${o.platformUrl}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(id)}`);
        return ((await res.json()) as { status?: string }).status;
      });
      return statuses.filter((s) => s === "settlement").length;
    };
    const settled = await settledOf(used.platform);
    const summary = (t: Side) => {
      const perRequest = Object.fromEntries(Object.entries(t.cpu).map(([k, ms]) => [k, round(ms / Math.max(t.requests, 1), 3)]));
      const mean = (xs: number[]) => round(xs.reduce((a, x) => a + x, 0) / Math.max(xs.length, 1), 2);
      return {
        processedPerSec: Math.round(t.requests / Math.max(t.elapsedSec, 1e-9)),
        p50: mean(t.p50),
        p99: mean(t.p99),
        errors: t.errors,
        cpuMsPerNotification: {
          ...perRequest,
          total: round(
            Object.values(perRequest).reduce((s, x) => s + (Number.isNaN(x) ? 0 : x), 0),
            3,
          ),
        },
      };
    };
    const platform = summary(totals.platform);
    const reference = o.referenceUrl
      ? { ...summary(totals.reference), purchasesSettled: await settledOf(used.reference), notifications: totals.reference.requests }
      : null;
    const ratio = reference ? round(platform.processedPerSec / reference.processedPerSec, 2) : null;
    return {
      notifications: totals.platform.requests,
      connections: o.connections,
      rounds,
      // The platform's figures at the top level, as before the reference existed.
      ...platform,
      purchasesSettled: settled,
      platformWindowsUs,
      ...(reference ? { reference, throughputRatio: ratio, targets: { throughputRatioMin: 0.8, met: (ratio ?? 0) >= 0.8 } } : {}),
    };
  } finally {
    await fetch(faults, { method: "DELETE" });
  }
}
