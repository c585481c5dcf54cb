// `tsx bench/reference/run-ab.ts [--smoke]`: only the notifications and create A/B pairs of
// `npm run bench` (platform against its minimal reference, alternated in the same run), on
// real PostgreSQL (DATABASE_URL, else the local server), against the production build in
// build/ (run `npm run build` first). Prints the figures and (full runs) writes bench/results/ab-hot-paths.json.
// `--only create` or `--only notifications` runs one pair (e.g. under BENCH_CPU_PROF_DIR, to profile one path).
// `--rounds N`, `--duration S` (create's seconds per round), `--count N` (notifications per side) and
// `--out FILE` (bench/repeat.ts sets them).
import { mkdirSync, writeFileSync } from "node:fs";
import { createBenchDatabase } from "../harness/database";
import { benchPorts, startProcess, startSimulatorAndPlatform, type RunningProcess } from "../harness/processes";
import { benchCreate } from "../scenarios/create";
import { benchNotifications } from "../scenarios/notifications";
import { numberArg, stringArg } from "../harness/ratios";
import { createProject, issueCredential } from "../../server/projects/projects.service";

const smoke = process.argv.includes("--smoke");
/** `--notifications-only`: skip the create pair (profiling or tuning the notification path). */
const onlyArg = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
const notificationsOnly = process.argv.includes("--notifications-only") || onlyArg === "notifications";
/** `--only create`: skip the notifications pair. */
const createOnly = onlyArg === "create";
const SERVER_KEY = "SB-Mid-server-BENCH";
// AB_PORT_BASE moves all four ports (two runs side by side on one machine).
const portBase = Number(process.env.AB_PORT_BASE ?? benchPorts({ base: 4111 }).base);
const PORTS = { platform: portBase, simulator: portBase + 1, notifications: portBase + 4, create: portBase + 5 };

const db = await createBenchDatabase(process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");
const procs: RunningProcess[] = [];
try {
  const project = await createProject(db.sql, { name: "Bench store", store_url_template: "https://shop.example.com/{store_slug}" });
  const cred = await issueCredential(db.sql, project.id, "sandbox");
  const { simulator, platform } = await startSimulatorAndPlatform({ ports: PORTS, serverKey: SERVER_KEY, databaseEnv: { DATABASE_URL: db.url }, procs });
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
  const notificationsReference = await minimal("bench/reference/notifications-server.ts", PORTS.notifications);
  const createReference = await minimal("bench/reference/create-server.ts", PORTS.create);
  const pids = { platform: platform.pid, simulator: simulator.pid };

  console.log(notificationsOnly ? "ab: create skipped (--notifications-only)" : "ab: create, 10 connections");
  const create = notificationsOnly ? null : await benchCreate({
    platformUrl: platform.url,
    simulatorUrl: simulator.url,
    serverKey: SERVER_KEY,
    clientId: cred.client_id,
    clientSecret: cred.client_secret,
    rounds: numberArg("--rounds") ?? (smoke ? 1 : 3),
    durationSec: numberArg("--duration") ?? (smoke ? 1 : 5),
    connections: 10,
    pids,
    referenceUrl: createReference.url,
    referencePid: createReference.pid,
  });
  console.log(createOnly ? "ab: notifications skipped (--only create)" : "ab: signed notifications, 20 connections");
  const notifications = createOnly ? null : await benchNotifications({
    platformUrl: platform.url,
    simulatorUrl: simulator.url,
    serverKey: SERVER_KEY,
    clientId: cred.client_id,
    clientSecret: cred.client_secret,
    count: numberArg("--count") ?? (smoke ? 100 : 3000),
    connections: 20,
    pids,
    referenceUrl: notificationsReference.url,
    referencePid: notificationsReference.pid,
    rounds: numberArg("--rounds") ?? (smoke ? 1 : 3),
  });
  const results = { date: new Date().toISOString(), mode: smoke ? "smoke" : "full", create, notifications };
  console.log(JSON.stringify(results, null, 2));
  const out = stringArg("--out");
  if (out || (!smoke && !notificationsOnly && !createOnly)) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync(out ?? "bench/results/ab-hot-paths.json", `${JSON.stringify(results, null, 2)}\n`);
  }
} finally {
  for (const p of procs) await p.stop();
  await db.drop();
}
