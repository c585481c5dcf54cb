// `tsx bench/reference/run-ab.ts [--smoke]`: only the notifications and create A/B pairs of
// `npm run bench` (platform against its minimal reference, alternated in the same run), on
// real PostgreSQL (DATABASE_URL, else the local server), against the production build in
// build/ (run `npm run build` first). Prints the figures and (full runs) writes bench/results/ab-hot-paths.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { createBenchDatabase } from "../harness/database";
import { startProcess, startSimulatorAndPlatform, type RunningProcess } from "../harness/processes";
import { benchCreate } from "../scenarios/create";
import { benchNotifications } from "../scenarios/notifications";
import { createProject, issueCredential } from "../../server/projects/projects.service";

const smoke = process.argv.includes("--smoke");
const SERVER_KEY = "SB-Mid-server-BENCH";
const PORTS = { platform: 4111, simulator: 4112, notifications: 4115, create: 4116 };

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

  console.log("ab: create, 10 connections");
  const create = await benchCreate({
    platformUrl: platform.url,
    simulatorUrl: simulator.url,
    serverKey: SERVER_KEY,
    clientId: cred.client_id,
    clientSecret: cred.client_secret,
    rounds: smoke ? 1 : 3,
    durationSec: smoke ? 1 : 5,
    connections: 10,
    pids,
    referenceUrl: createReference.url,
    referencePid: createReference.pid,
  });
  console.log("ab: signed notifications, 20 connections");
  const notifications = await benchNotifications({
    platformUrl: platform.url,
    simulatorUrl: simulator.url,
    serverKey: SERVER_KEY,
    clientId: cred.client_id,
    clientSecret: cred.client_secret,
    count: smoke ? 100 : 3000,
    connections: 20,
    pids,
    referenceUrl: notificationsReference.url,
    referencePid: notificationsReference.pid,
    rounds: smoke ? 1 : 3,
  });
  const results = { date: new Date().toISOString(), mode: smoke ? "smoke" : "full", create, notifications };
  console.log(JSON.stringify(results, null, 2));
  if (!smoke) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/ab-hot-paths.json", `${JSON.stringify(results, null, 2)}\n`);
  }
} finally {
  for (const p of procs) await p.stop();
  await db.drop();
}
