// Two web processes and one worker over one PostgreSQL, behind a round-robin balancer,
// under load with duplicated notifications; one web process and the worker are killed
// with SIGKILL mid-run and restarted. Then: every settled payment must have exactly one
// item.purchased event and at least one successful delivery; nothing stuck.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createBenchDatabase } from "../harness/database";
import { startProcess, type RunningProcess } from "../harness/processes";
import { startBalancer } from "../harness/balancer";
import { startCountingReceiver } from "./receiver";
import { startMidtransSimulator } from "../../server/simulator";
import { simulatorByMerchantOrderId } from "../../server/testing/platform";
import { createProject, issueCredential } from "../../server/projects/projects.service";

const SERVER_KEY = "SB-Mid-server-RESILIENCE";

async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < items.length) {
        const index = i++;
        await fn(items[index], index);
      }
    }),
  );
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

export interface MultiProcessReport {
  payments: number;
  createFailures: number;
  paidInMidtrans: number;
  settled: number;
  settledWithExactlyOneEvent: number;
  settledWithoutEvent: number;
  eventsTotal: number;
  eventsDelivered: number;
  eventsPendingOrFailed: number;
  deliveriesReceived: number;
  uniqueEventsReceived: number;
  notificationsRecorded: number;
  notificationsDuplicate: number;
  stuckClaims: number;
  stuckCreating: number;
  killed: string[];
  converged: boolean;
  durationMs: number;
}

export async function runMultiProcessScenario(opts: { databaseUrl: string; payments: number; concurrency?: number }): Promise<MultiProcessReport> {
  const started = Date.now();
  if (!existsSync("build/index.js")) spawnSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "build"], { stdio: "inherit" });
  const db = await createBenchDatabase(opts.databaseUrl);
  const receiver = await startCountingReceiver();
  const sim = simulatorByMerchantOrderId(await startMidtransSimulator({ serverKey: SERVER_KEY, notificationRetryDelaysMs: [200, 500, 1000, 2000, 5000] }));
  // Midtrans sends duplicates in real life: three of every notification, where the simulator can.
  const faults = (sim as { setFaults?: (f: object) => void }).setFaults;
  faults?.call(sim, { notificationDuplicates: 3 });
  const backends: string[] = [];
  const lb = await startBalancer(() => backends.filter(Boolean));
  const procs = new Map<string, RunningProcess>();
  const killed: string[] = [];
  // Through PgBouncer (npm run test:pgbouncer): the worker's LISTEN goes straight to the same database.
  const direct = process.env.DATABASE_DIRECT_URL ? new URL(process.env.DATABASE_DIRECT_URL) : null;
  if (direct) direct.pathname = new URL(db.url).pathname;
  const common = {
    DATABASE_URL: db.url,
    DATABASE_DIRECT_URL: direct?.toString() ?? "",
    MIDTRANS_SIMULATOR_URL: sim.url,
    MIDTRANS_SIMULATOR_SERVER_KEY: SERVER_KEY,
    PUBLIC_URL: lb.url,
    RATE_LIMIT_CREATE_PER_CLIENT: "0",
    RATE_LIMIT_CREATE_PER_IP: "0",
    RATE_LIMIT_VERIFY_PER_IP: "0",
    RATE_LIMIT_NOT_FOUND_PER_IP: "0",
  };
  const startWeb = async (name: string, port: number) => {
    const p = await startProcess("server/main.ts", {
      env: { ...common, PORT: String(port), RUN_WORKERS: "false" },
      url: `http://127.0.0.1:${port}`,
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    });
    procs.set(name, p);
    return p;
  };
  const startWorker = async () => {
    const p = await startProcess("server/worker.ts", { env: { ...common, LOG_LEVEL: "info" }, readyLine: /worker started/ });
    procs.set("worker", p);
    return p;
  };
  try {
    const project = await createProject(db.sql, { name: "Resilience store", webhook_urls: { sandbox: receiver.url }, store_url_template: "https://shop.example.com/{store_slug}" });
    const cred = await issueCredential(db.sql, project.id, "sandbox");
    const portA = 4201 + Math.floor(Math.random() * 400) * 2;
    const webA = await startWeb("webA", portA);
    const webB = await startWeb("webB", portA + 1);
    backends.push(webA.url, webB.url);
    await startWorker();

    const run = Date.now().toString(36);
    const orderIds = Array.from({ length: opts.payments }, (_, i) => `res-${run}-${i}`);
    let createFailures = 0;
    const created: string[] = [];
    await pool(orderIds, opts.concurrency ?? 16, async (orderId) => {
      try {
        const r = await fetch(`${lb.url}/api/platform/shop-payment`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ client_id: cred.client_id, client_secret: cred.client_secret, amount: 25000, order_id: orderId, buyer_email: "buyer@example.com", metadata: { store_slug: "toko" } }),
        });
        if (r.status === 201) created.push(orderId);
        else createFailures++;
      } catch {
        createFailures++;
      }
    });

    // Pay everything; a third of the way in, crash web A and the worker; two thirds in, restart them.
    const third = Math.floor(created.length / 3);
    let paid = 0;
    await pool(created, opts.concurrency ?? 16, async (orderId, i) => {
      if (i === third) {
        killed.push("webA", "worker");
        backends[0] = "";
        await Promise.all([procs.get("webA")!.kill(), procs.get("worker")!.kill()]);
      }
      if (i === 2 * third) {
        const again = await startWeb("webA", portA);
        backends[0] = again.url;
        await startWorker();
      }
      await sim.pay(orderId, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
      paid++;
      if (!faults) await sim.resendNotification(orderId); // a duplicate, where the simulator has no fault modes
    });

    const counts = async () =>
      (await db.sql<{ settled: number; delivered: number; events: number }[]>`
        select (select count(*) from purchases where status = 'settlement')::int as settled,
               (select count(*) from webhook_events where status = 'delivered')::int as delivered,
               (select count(*) from webhook_events)::int as events`)[0];
    const converged = await waitUntil(async () => {
      const c = await counts();
      return c.settled === paid && c.delivered === c.events && c.events === c.settled;
    }, 120_000);

    const [r] = await db.sql<Record<string, number>[]>`
      select
        (select count(*) from purchases where status = 'settlement')::int as settled,
        (select count(*) from purchases p where status = 'settlement' and (select count(*) from webhook_events e where e.purchase_id = p.id and e.event_type = 'item.purchased') = 1)::int as exactly_one,
        (select count(*) from purchases p where status = 'settlement' and not exists (select 1 from webhook_events e where e.purchase_id = p.id))::int as without_event,
        (select count(*) from webhook_events)::int as events,
        (select count(*) from webhook_events where status = 'delivered')::int as delivered,
        (select count(*) from webhook_events where status in ('pending', 'failed'))::int as pending_or_failed,
        (select count(*) from midtrans_notifications)::int as notifications,
        (select count(*) from midtrans_notifications where outcome = 'duplicate')::int as duplicates,
        (select count(*) from webhook_events where locked_until is not null and status = 'pending')::int as stuck_claims,
        (select count(*) from purchases where status = 'creating')::int as stuck_creating`;
    return {
      payments: opts.payments,
      createFailures,
      paidInMidtrans: paid,
      settled: r.settled,
      settledWithExactlyOneEvent: r.exactly_one,
      settledWithoutEvent: r.without_event,
      eventsTotal: r.events,
      eventsDelivered: r.delivered,
      eventsPendingOrFailed: r.pending_or_failed,
      deliveriesReceived: receiver.total(),
      uniqueEventsReceived: receiver.deliveries.size,
      notificationsRecorded: r.notifications,
      notificationsDuplicate: r.duplicates,
      stuckClaims: r.stuck_claims,
      stuckCreating: r.stuck_creating,
      killed,
      converged,
      durationMs: Date.now() - started,
    };
  } finally {
    for (const p of procs.values()) await p.stop().catch(() => {});
    await lb.close();
    await sim.close();
    await receiver.close();
    await db.drop();
  }
}
