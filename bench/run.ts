// `npm run bench [-- --smoke]`: starts the production build against DATABASE_URL (real
// PostgreSQL), seeds what it needs, runs every scenario against references in the same
// run, and writes bench/results/latest.json and bench/RESULTS.md. Asserts nothing.
// Without any PostgreSQL (or with --embedded) it falls back to the embedded database, says so,
// and writes bench/results/embedded.json and bench/RESULTS-embedded.md instead.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createBenchDatabase, postgresReachable, seedPurchases } from "./harness/database";
import { benchPorts, startProcess, startSimulatorAndPlatform, type RunningProcess } from "./harness/processes";
import { benchVerify } from "./scenarios/verify";
import { benchCreate } from "./scenarios/create";
import { benchCallback } from "./scenarios/callback";
import { benchCallbackPage } from "./scenarios/callback-page";
import { benchAdminList } from "./scenarios/admin-list";
import { benchNotifications } from "./scenarios/notifications";
import { createProject, issueCredential } from "../server/projects/projects.service";
import { renderResults } from "./harness/report";
import { setPostgresCounted } from "./harness/cpu";

const smoke = process.argv.includes("--smoke");
// --embedded: take the no-PostgreSQL fallback even where PostgreSQL answers (to keep it working).
const forceEmbedded = process.argv.includes("--embedded");
const DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres";
const SERVER_KEY = "SB-Mid-server-BENCH";
const PORTS = benchPorts({ platform: 4101, reference: 4100, simulator: 4102, bare: 4103, notificationsReference: 4105, createReference: 4106 });

async function main() {
  const notes: string[] = ["Rate limits are off in the platform under test: every request comes from one loopback address."];
  // PostgreSQL: DATABASE_URL, else the local server; with neither, the embedded database.
  let adminUrl: string | null = forceEmbedded ? null : process.env.DATABASE_URL || null;
  if (!adminUrl) {
    if (!forceEmbedded && (await postgresReachable(DEFAULT_PG))) {
      adminUrl = DEFAULT_PG;
      notes.push(`DATABASE_URL unset: using the local PostgreSQL at ${DEFAULT_PG}.`);
    } else {
      notes.push(
        (forceEmbedded
          ? "**--embedded: this run used the embedded database (PGlite), not PostgreSQL.** "
          : "**No PostgreSQL: DATABASE_URL is unset and nothing answers at 127.0.0.1:5432, so this run fell back to the embedded database (PGlite).** ") +
          "PGlite is one session inside one process: the platform and the verify reference each open their own copy of the seeded data, the admin list runs in the bench process, " +
          "PostgreSQL CPU is counted inside each process, and the platform's memory includes the database. Only ratios within this run mean anything; compare nothing with a PostgreSQL run.",
      );
      console.warn("bench: no PostgreSQL reachable; falling back to the embedded database (PGlite). Set DATABASE_URL for real figures.");
    }
  }
  const embedded = adminUrl === null;
  // Nothing below (the platform, the reference, the webhook bench) may pick up a PostgreSQL URL.
  if (embedded) {
    delete process.env.DATABASE_URL;
    setPostgresCounted(false);
  }
  const tmp = embedded ? mkdtempSync(path.join(os.tmpdir(), "astapa-bench-")) : null;
  // The production build: the Remix bundle and the server bundle, run by plain node.
  const r = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) process.exit(1);

  const db = await createBenchDatabase(adminUrl, { dataDir: tmp ? path.join(tmp, "platform") : undefined });
  const procs: RunningProcess[] = [];
  const started = new Date();
  try {
    const project = await createProject(db.sql, { name: "Bench store", store_url_template: "https://shop.example.com/{store_slug}" });
    const cred = await issueCredential(db.sql, project.id, "sandbox");
    const orderIds = await seedPurchases(db, project.id, smoke ? 200 : 10_000);
    const pgVersion = (await db.sql<{ v: string }[]>`select current_setting('server_version') as v`)[0].v + (embedded ? " (embedded PGlite)" : "");
    // Embedded: the bench lets go of the seeded database so the platform can open it, and the
    // reference gets a copy of it.
    const databaseEnv = (copy: "platform" | "reference"): Record<string, string> =>
      tmp ? { DATA_DIR: path.join(tmp, copy) } : { DATABASE_URL: db.url };
    if (tmp) {
      await db.close();
      cpSync(path.join(tmp, "platform"), path.join(tmp, "reference"), { recursive: true });
    }

    const { simulator, platform } = await startSimulatorAndPlatform({ ports: PORTS, serverKey: SERVER_KEY, databaseEnv: databaseEnv("platform"), procs });
    const reference = await startProcess("bench/reference/verify-server.ts", {
      env: { PORT: String(PORTS.reference), ...databaseEnv("reference") },
      url: `http://127.0.0.1:${PORTS.reference}`,
      readyUrl: `http://127.0.0.1:${PORTS.reference}/healthz`,
    });
    procs.push(reference);
    // The minimal notifications and create servers (bench/reference/), alternated with the
    // platform in their scenarios; they share its PostgreSQL (not run on the embedded database).
    const minimalEnv = { DATABASE_URL: db.url, MIDTRANS_SIMULATOR_URL: simulator.url, MIDTRANS_SIMULATOR_SERVER_KEY: SERVER_KEY };
    const minimal = async (entry: string, port: number) => {
      const p = await startProcess(entry, {
        env: { ...minimalEnv, PORT: String(port) },
        url: `http://127.0.0.1:${port}`,
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      });
      procs.push(p);
      return p;
    };
    const notificationsReference = embedded ? null : await minimal("bench/reference/notifications-server.ts", PORTS.notificationsReference);
    const createReference = embedded ? null : await minimal("bench/reference/create-server.ts", PORTS.createReference);

    const durationSec = smoke ? 1 : 5;
    // The A/B pairs (verify, create): many short alternated rounds, their ratio the median of the
    // rounds' ratios (bench/harness/ratios.ts); why 6 × 3 s: bench/README.md.
    const rounds = smoke ? 1 : 6;
    const abDurationSec = smoke ? 1 : 3;
    console.log("bench: verify");
    const verify = await benchVerify({
      platformUrl: platform.url,
      referenceUrl: reference.url,
      orderIds,
      rounds,
      // 6 rounds × 3 sides × 2.5 s + warm-ups end within the 60 s the platform keeps an answer (scenarios/verify.ts).
      durationSec: smoke ? 1 : 2.5,
      connections: 50,
      propagation: embedded ? null : { sql: db.sql, samples: smoke ? 20 : 300 },
      barePort: PORTS.bare,
      pids: { platform: platform.pid, reference: reference.pid },
    });
    console.log("bench: create");
    const createArgs = {
      platformUrl: platform.url,
      simulatorUrl: simulator.url,
      serverKey: SERVER_KEY,
      clientId: cred.client_id,
      clientSecret: cred.client_secret,
      rounds,
      durationSec: abDurationSec,
    };
    // One connection: the latency Astapa adds to a request (the target). Ten: the same under
    // load on cores shared by the platform, PostgreSQL, the simulator and the load generator,
    // with the CPU each spends per create.
    const pids = { platform: platform.pid, simulator: simulator.pid };
    const oneConnection = await benchCreate({ ...createArgs, connections: 1, pids });
    const tenConnections = await benchCreate({ ...createArgs, connections: 10, pids, referenceUrl: createReference?.url, referencePid: createReference?.pid });
    const create = {
      oneConnection,
      tenConnections,
      targets: { addedP50MaxMs: 5, judgedOn: "oneConnection", met: oneConnection.addedLatencyMs.p50 < 5 },
    };
    console.log("bench: signed notifications");
    const notifications = await benchNotifications({
      platformUrl: platform.url,
      simulatorUrl: simulator.url,
      serverKey: SERVER_KEY,
      clientId: cred.client_id,
      clientSecret: cred.client_secret,
      count: smoke ? 100 : 3000,
      connections: 20,
      pids,
      referenceUrl: notificationsReference?.url,
      referencePid: notificationsReference?.pid,
      rounds: smoke ? 1 : 3,
    });
    console.log("bench: callback page");
    const callback = await benchCallback({
      platformUrl: platform.url,
      states: { settlement: orderIds[0], pending: orderIds[4], cancel: orderIds[2], expire: orderIds[3], notfound: "no-such-order" },
      durationSec,
      connections: 20,
      samples: smoke ? 10 : 200,
    });

    console.log("bench: callback page on a Slow-3G-class phone (Chromium)");
    const callbackPage = await benchCallbackPage({
      platformUrl: platform.url,
      states: { settlement: orderIds[0], pending: orderIds[4], cancel: orderIds[2] },
      samples: smoke ? 1 : 5,
    });

    let webhook: unknown = { skipped: "bench/webhook-latency.ts not present" };
    if (existsSync("bench/webhook-latency.ts")) {
      console.log("bench: notification -> webhook");
      const mod = await import("./webhook-latency");
      webhook = await mod.runWebhookLatencyBench({ smoke, databaseUrl: adminUrl ?? undefined });
    }

    console.log("bench: webhook fairness (one endpoint hanging past the timeout)");
    const { runWebhookFairnessBench } = await import("./scenarios/webhook-fairness");
    const webhookFairness = await runWebhookFairnessBench({ smoke, databaseUrl: adminUrl ?? undefined });

    console.log("bench: admin payments list");
    const adminList = await benchAdminList({
      adminUrl,
      small: 10_000,
      large: smoke ? 20_000 : 1_000_000,
      samples: smoke ? 20 : 1000,
      rounds: smoke ? 2 : 10,
    });

    const memory = { platformPeakRssMb: platform.peakRssMb(), targetMb: 250, met: platform.peakRssMb() < 250 };
    const results = {
      date: started.toISOString(),
      mode: smoke ? "smoke" : "full",
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()}` },
      versions: { node: process.version, postgres: pgVersion },
      notes,
      scenarios: { verify, create, notifications, callback, callbackPage, webhook, webhookFairness, adminList, memory },
    };
    mkdirSync("bench/results", { recursive: true });
    const file = smoke ? "bench/results/smoke.json" : embedded ? "bench/results/embedded.json" : "bench/results/latest.json";
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    const report = embedded ? "bench/RESULTS-embedded.md" : "bench/RESULTS.md";
    if (!smoke) writeFileSync(report, renderResults(results));
    console.log(JSON.stringify(results.scenarios, null, 2));
    console.log(`bench: wrote ${file}${smoke ? "" : ` and ${report}`}`);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await db.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
