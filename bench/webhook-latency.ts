// `npx tsx bench/webhook-latency.ts [--smoke] [--separate]`: latency from the moment the platform answers
// Midtrans's settlement notification to the moment a local merchant receiver gets
// `item.purchased`, at rest (one payment at a time) and under ~200 notifications/s.
// Uses startTestPlatform (a fresh database on DATABASE_URL, else embedded) with the
// simulator in-process and the workers started as `npm start` starts them. Asserts nothing.
import { pathToFileURL } from "node:url";
import { startTestPlatform, type TestPlatform } from "../server/testing/platform";
import { startWorkers } from "../server/runtime/workers";
import { startReceiver } from "../server/testing/webhooks";
import { createBenchDatabase } from "./harness/database";
import { startSimulatorAndPlatform, type RunningProcess } from "./harness/processes";
import { createProject, issueCredential } from "../server/projects/projects.service";

export interface WebhookLatencyOptions {
  /** Worker tuning (experiments). */
  worker?: import("../server/webhooks/worker").WebhookWorkerOptions;
  smoke?: boolean;
  /** PostgreSQL to create the bench database on; default DATABASE_URL, else embedded. */
  databaseUrl?: string;
  restCount?: number;
  loadCount?: number;
  /** Settlement notifications per second in the load phase. */
  ratePerSec?: number;
  /**
   * `one` (default): the simulator, the platform and its workers inside this process
   * (startTestPlatform). `separate`: as deployed, the simulator and the platform's production
   * build (`npm start`, workers inside) each in its own process (bench/harness/processes.ts); this
   * process only pays, receives and reads the timestamps. Needs `npm run build` and PostgreSQL.
   */
  processes?: "one" | "separate";
}

/** What the measurement needs of the running parts, however they are laid out. */
interface Parts {
  url: string;
  databaseKind: "postgres" | "embedded";
  sql: import("../server/db/connect").Sql;
  createMerchant(webhookUrl: string): Promise<{ client_id: string; client_secret: string }>;
  pay(orderId: string): Promise<unknown>;
  notificationLog(): Promise<import("../server/simulator").NotificationDelivery[]>;
  /** Once every payment is created, before anything is timed. */
  prepare?(): Promise<void>;
  close(): Promise<void>;
}

/** Everything in this process: the test platform with its in-process simulator, and the workers. */
async function partsInOneProcess(opts: WebhookLatencyOptions): Promise<Parts> {
  const savedUrl = process.env.DATABASE_URL;
  if (opts.databaseUrl) process.env.DATABASE_URL = opts.databaseUrl;
  let t: TestPlatform;
  try {
    t = await startTestPlatform({ simulatorRetryDelaysMs: [500, 1000] });
  } finally {
    // (Assigning undefined to process.env would store the string "undefined".)
    if (opts.databaseUrl) {
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
  }
  const workers = startWorkers(t.platform, { webhooks: opts.worker });
  return {
    url: t.url,
    databaseKind: t.platform.database.kind,
    sql: t.sql,
    createMerchant: (webhookUrl) => t.createMerchant({ webhook_url: webhookUrl }),
    pay: (id) => t.simulator.pay(id, CARD),
    notificationLog: async () => t.simulator.notificationLog(),
    async close() {
      await workers.stop();
      await t.close();
    },
  };
}

/** The simulator and the platform's production build each in its own process, on a fresh bench database. */
async function partsInSeparateProcesses(opts: WebhookLatencyOptions): Promise<Parts> {
  const serverKey = "SB-Mid-server-BENCH";
  const db = await createBenchDatabase(opts.databaseUrl ?? process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
  const procs: RunningProcess[] = [];
  const base = Number(process.env.WEBHOOK_BENCH_PORT_BASE ?? 4611);
  const { simulator, platform } = await startSimulatorAndPlatform({
    ports: { platform: base, simulator: base + 1 },
    serverKey,
    databaseEnv: { DATABASE_URL: db.url },
    procs,
  });
  // Midtrans knows each payment by the id Astapa derived (docs/decisions/0004-midtrans-order-ids.md): one listing, before timing.
  const midtransIds = new Map<string, string>();
  const midtransIdOf = (orderId: string) => {
    const id = midtransIds.get(orderId);
    if (!id) throw new Error(`no Midtrans order id for ${orderId}: prepare() first`);
    return id;
  };
  return {
    url: platform.url,
    databaseKind: "postgres",
    sql: db.sql,
    async createMerchant(webhookUrl) {
      const project = await createProject(db.sql, { name: "Bench store", webhook_urls: { sandbox: webhookUrl }, store_url_template: "https://shop.example.com/{store_slug}" });
      return issueCredential(db.sql, project.id, "sandbox");
    },
    async pay(orderId) {
      const res = await fetch(`${simulator.url}/__sim/transactions/${midtransIdOf(orderId)}/pay`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(CARD),
      });
      if (!res.ok) throw new Error(`pay ${orderId}: HTTP ${res.status}`);
      return res.json();
    },
    notificationLog: async () => (await (await fetch(`${simulator.url}/__sim/notifications`)).json()) as import("../server/simulator").NotificationDelivery[],
    async prepare() {
      const txs = (await (await fetch(`${simulator.url}/__sim/transactions`)).json()) as { order_id: string }[];
      for (const tx of txs) midtransIds.set(tx.order_id.replace(/~[0-9a-z]{9}$/, ""), tx.order_id);
    },
    async close() {
      for (const p of procs) await p.stop();
      await db.drop();
    },
  };
}

interface Stats {
  count: number;
  /** Payments with both timestamps (all of them, unless something was lost). */
  measured: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface WebhookLatencySummary {
  database: "postgres" | "embedded";
  /**
   * Notification answered (as Midtrans sees it) -> webhook received, in ms. A webhook that arrived
   * before the answer (the event is committed, and the worker woken, before the platform replies)
   * counts as 0; `arrivedBeforeAnswer` says how many did.
   */
  rest: Stats & { arrivedBeforeAnswer: number };
  load: Stats & { arrivedBeforeAnswer: number; targetRatePerSec: number; achievedRatePerSec: number };
  /** simulator.pay() -> webhook received (adds Midtrans's notification and our Get Status call), for context. */
  payToWebhook: { restP50: number; loadP50: number; loadP99: number };
  /** Event written -> first attempt started (wake-up + claim), attempt started -> received (sign + HTTP). */
  breakdown: Record<"rest" | "load", Record<string, number>>;
  /**
   * Every stage of pay -> webhook, p50/p99 ms per phase (one clock: this process and PostgreSQL's
   * now() on the same machine): `pay()` called -> the simulator sends the notification -> the
   * platform stores it (midtrans_notifications.received_at) -> the move's statement writes the
   * event (webhook_events.created_at) -> the simulator has the answer; and from the event written
   * -> the worker's first attempt starts -> the merchant's receiver has it.
   */
  stages: Record<"rest" | "load", Record<string, { p50: number; p99: number }>>;
  targets: { p50MaxMs: number; p99MaxMs: number; met: boolean };
}

const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round = (n: number) => Math.round(n * 10) / 10;
function stats(values: number[], count: number): Stats {
  const s = [...values].sort((a, b) => a - b);
  return {
    count,
    measured: s.length,
    p50: round(percentile(s, 50)),
    p99: round(percentile(s, 99)),
    max: round(s[s.length - 1] ?? NaN),
    mean: round(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

export async function runWebhookLatencyBench(opts: WebhookLatencyOptions = {}): Promise<WebhookLatencySummary> {
  const restCount = opts.restCount ?? (opts.smoke ? 20 : 100);
  const loadCount = opts.loadCount ?? (opts.smoke ? 20 : 400);
  const rate = opts.ratePerSec ?? 200;

  const t = opts.processes === "separate" ? await partsInSeparateProcesses(opts) : await partsInOneProcess(opts);
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const receiver = await startReceiver();
  receiver.onReceive = (r) => {
    const orderId = JSON.parse(r.body).order_id as string;
    if (!arrivals.has(orderId)) arrivals.set(orderId, r.at);
    waiters.get(orderId)?.();
  };
  const arrived = (orderId: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve) => {
      if (arrivals.has(orderId)) return resolve();
      const timer = setTimeout(resolve, timeoutMs);
      waiters.set(orderId, () => {
        clearTimeout(timer);
        resolve();
      });
    });

  try {
    const m = await t.createMerchant(receiver.url);
    const run = Date.now().toString(36);
    const create = async (order_id: string) => {
      const res = await fetch(`${t.url}/api/platform/shop-payment`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: m.client_id,
          client_secret: m.client_secret,
          amount: 75000,
          order_id,
          buyer_email: "buyer@example.com",
          buyer_name: "John Doe",
          item_name: "Nasi Goreng Spesial",
          metadata: { store_slug: "warung-bu-sari", product_id: "product-uuid" },
        }),
      });
      if (res.status !== 201) throw new Error(`create ${order_id}: HTTP ${res.status} ${await res.text()}`);
    };
    const restIds = Array.from({ length: restCount }, (_, i) => `bench-wh-${run}-rest-${i}`);
    const loadIds = Array.from({ length: loadCount }, (_, i) => `bench-wh-${run}-load-${i}`);
    // Created up front (not measured), a few at a time.
    const all = [...restIds, ...loadIds];
    for (let i = 0; i < all.length; i += 8) await Promise.all(all.slice(i, i + 8).map(create));
    await t.prepare?.();

    const paidAt = new Map<string, number>();
    const pay = async (id: string) => {
      paidAt.set(id, Date.now());
      await t.pay(id);
    };

    // At rest: one payment at a time, each waits for its webhook.
    for (const id of restIds) {
      await pay(id);
      await arrived(id);
      await sleep(5);
    }

    // Under load: settlements at `rate` per second, on a fixed timetable.
    const start = Date.now();
    for (let i = 0; i < loadIds.length; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      void pay(loadIds[i]);
    }
    const achieved = loadIds.length / ((Date.now() - start) / 1000 || 1);
    await Promise.all(loadIds.map((id) => arrived(id, 60_000)));

    // When the platform's 2xx answer reached "Midtrans" (the simulator logs it on receipt). Under
    // load the webhook often arrives first, so wait for the answers too.
    const answeredAt = new Map<string, number>();
    const deadline = Date.now() + 30_000;
    while (answeredAt.size < all.length && Date.now() < deadline) {
      for (const d of await t.notificationLog()) {
        const status = d.body.transaction_status;
        // Notifications carry the Midtrans order id: the merchant's + "~" + 9 characters.
        const orderId = d.order_id.replace(/~[0-9a-z]{9}$/, "");
        if (d.responseStatus === 200 && (status === "settlement" || status === "capture") && !answeredAt.has(orderId)) {
          answeredAt.set(orderId, Date.parse(d.at));
        }
      }
      if (answeredAt.size < all.length) await sleep(100);
    }
    const raw = (ids: string[]) => ids.filter((id) => arrivals.has(id) && answeredAt.has(id)).map((id) => arrivals.get(id)! - answeredAt.get(id)!);
    const latency = (ids: string[]) => ({
      ...stats(raw(ids).map((ms) => Math.max(0, ms)), ids.length),
      arrivedBeforeAnswer: raw(ids).filter((ms) => ms < 0).length,
    });
    const fromPay = (ids: string[]) => ids.filter((id) => arrivals.has(id)).map((id) => arrivals.get(id)! - paidAt.get(id)!);

    // Where the time goes: event row written (its transaction's start) -> first attempt started -> received.
    const attempts = await t.sql<{ order_id: string; created_at: Date; started_at: Date }[]>`
      select e.payload->>'order_id' as order_id, e.created_at, a.started_at
        from webhook_events e join webhook_attempts a on a.event_id = e.id where a.attempt_number = 1`;
    const byOrder = new Map(attempts.map((r) => [r.order_id, r]));
    const breakdown = (ids: string[]) => {
      const known = ids.filter((id) => byOrder.has(id) && arrivals.has(id));
      const s1 = stats(known.map((id) => byOrder.get(id)!.started_at.getTime() - byOrder.get(id)!.created_at.getTime()), ids.length);
      const s2 = stats(known.map((id) => arrivals.get(id)! - byOrder.get(id)!.started_at.getTime()), ids.length);
      return { writtenToAttemptP50: s1.p50, writtenToAttemptP99: s1.p99, attemptToReceivedP50: s2.p50, attemptToReceivedP99: s2.p99 };
    };
    // Per stage (see WebhookLatencySummary.stages).
    const sentAt = new Map<string, number>();
    for (const d of await t.notificationLog()) {
      const status = d.body.transaction_status;
      const orderId = d.order_id.replace(/~[0-9a-z]{9}$/, "");
      if (d.sent_at && (status === "settlement" || status === "capture") && !sentAt.has(orderId)) sentAt.set(orderId, Date.parse(d.sent_at));
    }
    const stored = await t.sql<{ order_id: string; received_at: Date }[]>`
      select order_id, received_at from midtrans_notifications
      where transaction_status in ('settlement', 'capture') and outcome = 'applied'`;
    const storedAt = new Map(stored.map((r) => [r.order_id.replace(/~[0-9a-z]{9}$/, ""), r.received_at.getTime()]));
    const stages = (ids: string[]) => {
      const phase = (from: (id: string) => number | undefined, to: (id: string) => number | undefined) => {
        const values = ids.flatMap((id) => {
          const a = from(id);
          const b = to(id);
          return a === undefined || b === undefined ? [] : [b - a];
        });
        const s = stats(values, ids.length);
        return { p50: s.p50, p99: s.p99 };
      };
      const paid = (id: string) => paidAt.get(id);
      const sent = (id: string) => sentAt.get(id);
      const storedOf = (id: string) => storedAt.get(id);
      const written = (id: string) => byOrder.get(id)?.created_at.getTime();
      const answered = (id: string) => answeredAt.get(id);
      const attempted = (id: string) => byOrder.get(id)?.started_at.getTime();
      const received = (id: string) => arrivals.get(id);
      return {
        payToSimulatorSends: phase(paid, sent),
        simulatorSendsToStored: phase(sent, storedOf),
        storedToEventWritten: phase(storedOf, written),
        eventWrittenToAnswerAtSimulator: phase(written, answered),
        eventWrittenToAttemptStarted: phase(written, attempted),
        attemptStartedToReceived: phase(attempted, received),
        payToReceived: phase(paid, received),
      };
    };
    const rest = latency(restIds);
    const load = latency(loadIds);
    const restPay = stats(fromPay(restIds), restIds.length);
    const loadPay = stats(fromPay(loadIds), loadIds.length);
    const targets = { p50MaxMs: 100, p99MaxMs: 500 };
    const met =
      rest.measured === rest.count && load.measured === load.count &&
      Math.max(rest.p50, load.p50) < targets.p50MaxMs && Math.max(rest.p99, load.p99) < targets.p99MaxMs;
    return {
      database: t.databaseKind,
      rest,
      load: { ...load, targetRatePerSec: rate, achievedRatePerSec: Math.round(achieved) },
      payToWebhook: { restP50: restPay.p50, loadP50: loadPay.p50, loadP99: loadPay.p99 },
      breakdown: { rest: breakdown(restIds), load: breakdown(loadIds) },
      stages: { rest: stages(restIds), load: stages(loadIds) },
      targets: { ...targets, met },
    };
  } finally {
    await receiver.close();
    await t.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWebhookLatencyBench({ smoke: process.argv.includes("--smoke"), processes: process.argv.includes("--separate") ? "separate" : "one" }).then(
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
