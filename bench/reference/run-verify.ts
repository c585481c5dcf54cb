// `tsx bench/reference/run-verify.ts [--smoke]`: only the verify scenario of `npm run bench`
// (platform, postgres.js reference and bare node:http server alternated; then the propagation
// of a committed change to the platform's verify), on real PostgreSQL (DATABASE_URL, else the
// local server), against the production build in build/ (run `npm run build` first). Prints
// the figures and writes bench/results/verify[-smoke].json (or `--out FILE`). `--rounds N`
// and `--duration S` override the rounds and seconds per round (bench/repeat.ts sets them).
import { mkdirSync, writeFileSync } from "node:fs";
import { createBenchDatabase, seedPurchases } from "../harness/database";
import { benchPorts, startProcess, startSimulatorAndPlatform, type RunningProcess } from "../harness/processes";
import { benchVerify } from "../scenarios/verify";
import { numberArg, stringArg } from "../harness/ratios";
import { createProject } from "../../server/projects/projects.service";

const smoke = process.argv.includes("--smoke");
const PORTS = benchPorts({ platform: 4121, reference: 4120, simulator: 4122, bare: 4123 });

const db = await createBenchDatabase(process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");
const procs: RunningProcess[] = [];
try {
  const project = await createProject(db.sql, { name: "Bench store", store_url_template: "https://shop.example.com/{store_slug}" });
  const orderIds = await seedPurchases(db, project.id, smoke ? 200 : 10_000);
  const { platform } = await startSimulatorAndPlatform({ ports: PORTS, serverKey: "SB-Mid-server-BENCH", databaseEnv: { DATABASE_URL: db.url }, procs });
  const reference = await startProcess("bench/reference/verify-server.ts", {
    env: { PORT: String(PORTS.reference), DATABASE_URL: db.url },
    url: `http://127.0.0.1:${PORTS.reference}`,
    readyUrl: `http://127.0.0.1:${PORTS.reference}/healthz`,
  });
  procs.push(reference);
  const verify = await benchVerify({
    platformUrl: platform.url,
    referenceUrl: reference.url,
    orderIds,
    rounds: numberArg("--rounds") ?? (smoke ? 1 : 3),
    durationSec: numberArg("--duration") ?? (smoke ? 1 : 5),
    connections: 50,
    propagation: { sql: db.sql, samples: smoke ? 20 : 300 },
    barePort: PORTS.bare,
    pids: { platform: platform.pid, reference: reference.pid },
  });
  const results = { date: new Date().toISOString(), mode: smoke ? "smoke" : "full", verify };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(stringArg("--out") ?? `bench/results/verify${smoke ? "-smoke" : ""}.json`, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  for (const p of procs) await p.stop();
  await db.drop();
}
