// Fairness of webhook delivery (docs/decisions/0008-fair-delivery.md): N healthy merchant
// endpoints receive events at `ratePerSec` in all, first alone (the reference), then while one more
// endpoint hangs past the worker's 15 s timeout and receives `hangingRatePerSec`. Reports the
// healthy endpoints' event → delivery latency in both phases. Target: the healthy p99 with the
// hanging endpoint within 2x of the p99 without.
// Uses startTestPlatform (a fresh database on DATABASE_URL, else embedded) and the workers as
// `npm start` starts them (default concurrency and per-endpoint cap). Events are written straight
// to the outbox (seedEvents: a settled purchase and its `item.purchased`), so the figure is the
// delivery path alone: wake-up, claim, sign, HTTP. Asserts nothing.
import { pathToFileURL } from "node:url";
import { startWorkers } from "../../server/runtime/workers";
import { startTestPlatform, type TestPlatform } from "../../server/testing/platform";
import { seedEvents, startReceiver, type Receiver } from "../../server/testing/webhooks";

export interface WebhookFairnessOptions {
  smoke?: boolean;
  databaseUrl?: string;
  healthyEndpoints?: number;
  /** Events per second over all healthy endpoints. */
  ratePerSec?: number;
  /** Events per second to the hanging endpoint (second phase). */
  hangingRatePerSec?: number;
  durationSec?: number;
  /** Worker tuning (experiments: `--per-endpoint 32` approximates the worker before fair claiming). */
  worker?: import("../../server/webhooks/worker").WebhookWorkerOptions;
}

interface Stats {
  events: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
}

export interface WebhookFairnessSummary {
  database: "postgres" | "embedded";
  healthyEndpoints: number;
  ratePerSec: number;
  hangingRatePerSec: number;
  durationSec: number;
  /** Healthy endpoints alone. */
  withoutHanging: Stats;
  /** Healthy endpoints while another endpoint hangs past the timeout. */
  withHanging: Stats & { hangingEvents: number; hangingRequestsReceived: number };
  targets: { p99MaxRatio: number; ratio: number; met: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 10) / 10;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function stats(values: number[], events: number): Stats {
  const s = [...values].sort((a, b) => a - b);
  return { events, delivered: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) };
}

export async function runWebhookFairnessBench(opts: WebhookFairnessOptions = {}): Promise<WebhookFairnessSummary> {
  const n = opts.healthyEndpoints ?? 5;
  const rate = opts.ratePerSec ?? 100;
  const hangingRate = opts.hangingRatePerSec ?? 10;
  // Full: 20 s per phase, past the 15 s timeout, so the hanging endpoint's attempts time out and
  // are retried during the measured phase.
  const durationSec = opts.durationSec ?? (opts.smoke ? 1 : 20);

  const savedUrl = process.env.DATABASE_URL;
  if (opts.databaseUrl) process.env.DATABASE_URL = opts.databaseUrl;
  let t: TestPlatform;
  try {
    t = await startTestPlatform();
  } finally {
    if (opts.databaseUrl) {
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
  }
  // stopTimeoutMs 0: at the end, the hanging deliveries are aborted at once instead of waited for.
  const workers = startWorkers(t.platform, { webhooks: { ...opts.worker, stopTimeoutMs: 0 } });
  const arrivals = new Map<string, number>();
  const receivers: Receiver[] = [];
  const onReceive = (r: { headers: Record<string, unknown>; at: number }) => {
    const id = String(r.headers["webhook-id"]);
    if (!arrivals.has(id)) arrivals.set(id, r.at);
  };
  try {
    const healthy: string[] = [];
    for (let i = 0; i < n; i++) {
      const rec = await startReceiver();
      rec.onReceive = onReceive;
      receivers.push(rec);
      healthy.push((await t.createMerchant({ name: `Healthy ${i}`, webhook_url: rec.url })).project_id);
    }
    const hangingRec = await startReceiver(() => "hang");
    receivers.push(hangingRec);
    const hanging = (await t.createMerchant({ name: "Hanging", webhook_url: hangingRec.url })).project_id;

    /** One event for a project; answers its id and when its write began. */
    const emit = async (projectId: string) => {
      const at = Date.now();
      const [id] = await seedEvents(t.sql, projectId, 1);
      t.platform.ctx.onWebhookEventsWritten();
      return { id, at };
    };

    /** Events on a fixed timetable for `durationSec`; answers the healthy ones' latencies once all arrived. */
    async function phase(withHanging: boolean, seconds = durationSec) {
      const written: Promise<{ id: string; at: number }>[] = [];
      const hangingWritten: Promise<unknown>[] = [];
      const start = Date.now();
      const total = rate * seconds;
      const hangingEvery = withHanging && hangingRate > 0 ? Math.max(1, Math.round(rate / hangingRate)) : 0;
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - Date.now();
        if (wait > 0) await sleep(wait);
        written.push(emit(healthy[i % n]));
        if (hangingEvery && i % hangingEvery === 0) hangingWritten.push(emit(hanging));
      }
      const events = await Promise.all(written);
      await Promise.all(hangingWritten);
      const deadline = Date.now() + 120_000;
      while (events.some((e) => !arrivals.has(e.id)) && Date.now() < deadline) await sleep(50);
      const latencies = events.filter((e) => arrivals.has(e.id)).map((e) => Math.max(0, (arrivals.get(e.id) ?? 0) - e.at));
      return { stats: stats(latencies, events.length), hangingEvents: hangingWritten.length };
    }

    await phase(false, Math.min(durationSec, 2)); // warm-up, unmeasured
    arrivals.clear();
    const without = await phase(false);
    const withH = await phase(true);
    const ratio = Math.round((withH.stats.p99 / (without.stats.p99 || 1)) * 100) / 100;
    return {
      database: t.platform.database.kind,
      healthyEndpoints: n,
      ratePerSec: rate,
      hangingRatePerSec: hangingRate,
      durationSec,
      withoutHanging: without.stats,
      withHanging: { ...withH.stats, hangingEvents: withH.hangingEvents, hangingRequestsReceived: hangingRec.received.length },
      targets: { p99MaxRatio: 2, ratio, met: withH.stats.delivered === withH.stats.events && ratio <= 2 },
    };
  } finally {
    await workers.stop();
    for (const r of receivers) await r.close();
    await t.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--per-endpoint");
  const perEndpointConcurrency = i > 0 ? Number(process.argv[i + 1]) : undefined;
  runWebhookFairnessBench({ smoke: process.argv.includes("--smoke"), worker: { perEndpointConcurrency } }).then(
    (summary) => {
      console.log(JSON.stringify(summary, null, 2));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
