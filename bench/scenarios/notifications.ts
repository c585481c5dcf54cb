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
 * Signed notifications processed per second: `count` pending payments, paid in the simulator
 * (which is told to send no notification of its own), then one signed settlement notification
 * each, sent by the load generator as fast as `connections` connections allow. Processing one
 * is the whole path: signature check, Get Status from the simulator, and one transaction that
 * records it, settles the purchase and writes the merchant's webhook event. Every answer must
 * be 200 and every purchase settled afterwards.
 */
export async function benchNotifications(o: {
  platformUrl: string;
  simulatorUrl: string;
  serverKey: string;
  clientId: string;
  clientSecret: string;
  count: number;
  connections: number;
  pids: { platform: number; simulator: number };
}) {
  const faults = `${o.simulatorUrl}/__sim/faults`;
  await ok(await fetch(faults, { method: "PUT", headers: json, body: JSON.stringify({ notificationDropRate: 1 }) }), "simulator faults");
  try {
    const run = Date.now().toString(36);
    const orderIds = Array.from({ length: o.count }, (_, i) => `bn-${run}-${i}`);
    const auth = { authorization: `Basic ${Buffer.from(`${o.serverKey}:`).toString("base64")}` };
    const bodies = await inBatches(orderIds, 8, async (order_id) => {
      await ok(
        await fetch(`${o.platformUrl}/api/platform/shop-payment`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ client_id: o.clientId, client_secret: o.clientSecret, amount: 75000, order_id, buyer_email: "buyer@example.com" }),
        }),
        "create",
      );
      // Midtrans knows the payment by the id Astapa derived (docs/decisions/0004-midtrans-order-ids.md).
      const txs = (await (await ok(await fetch(`${o.simulatorUrl}/__sim/transactions`), "list")).json()) as { order_id: string }[];
      const midtransId = txs.find((tx) => tx.order_id.startsWith(`${order_id}~`))!.order_id;
      await ok(await fetch(`${o.simulatorUrl}/__sim/transactions/${midtransId}/pay`, { method: "POST", headers: json, body: JSON.stringify(CARD) }), "pay");
      // Get Status answers with the notification's fields and signature_key.
      return (await ok(await fetch(`${o.simulatorUrl}/v2/${midtransId}/status`, { headers: auth }), "status")).text();
    });

    let next = 0;
    let started = 0;
    let lastAnswer = 0;
    const { result, cpuMs } = await measureCpu({ ...o.pids, loadGenerator: process.pid }, () =>
      runLoad({
        url: `${o.platformUrl}/api/midtrans/notification`,
        method: "POST",
        connections: o.connections,
        durationSec: 0,
        amount: o.count,
        headers: json,
        setupRequest: (req) => {
          started ||= performance.now();
          return { ...req, body: bodies[next++ % bodies.length] };
        },
        // From the first request sent to the last answer: autocannon itself stops on a 1 s tick.
        onResponse: () => {
          lastAnswer = performance.now();
        },
      }),
    );
    const elapsedSec = (lastAnswer - started) / 1000;
    // Read back through the public verify endpoint (the bench may not share the platform's database).
    const statuses = await inBatches(orderIds, 16, async (id) => {
      const res = await fetch(`${o.platformUrl}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(id)}`);
      return ((await res.json()) as { status?: string }).status;
    });
    const settled = statuses.filter((s) => s === "settlement").length;
    const perRequest = Object.fromEntries(Object.entries(cpuMs).map(([k, ms]) => [k, round(ms / Math.max(result.requests, 1), 3)]));
    return {
      notifications: o.count,
      connections: o.connections,
      processedPerSec: Math.round(result.requests / elapsedSec),
      p50: result.p50,
      p99: result.p99,
      errors: result.errors + result.non2xx,
      purchasesSettled: settled,
      cpuMsPerNotification: { ...perRequest, total: round(Object.values(perRequest).reduce((s, x) => s + (Number.isNaN(x) ? 0 : x), 0), 3) },
    };
  } finally {
    await fetch(faults, { method: "DELETE" });
  }
}
