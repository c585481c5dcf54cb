// `tsx bench/reference/run-verify.ts [--smoke]`: only the verify scenario of `npm run bench`
// (platform, postgres.js reference and bare node:http server alternated; then the propagation
// of a committed change to the platform's verify), on real PostgreSQL (DATABASE_URL, else the
// local server), against the production build in build/ (run `npm run build` first). Prints
// the figures and writes bench/results/verify[-smoke].json.
import { mkdirSync, writeFileSync } from "node:fs";
import { createBenchDatabase, seedPurchases } from "../harness/database";
import { startProcess, type RunningProcess } from "../harness/processes";
import { benchVerify } from "../scenarios/verify";
import { createProject } from "../../server/projects/projects.service";

const smoke = process.argv.includes("--smoke");
const PORTS = { platform: 4121, reference: 4120, simulator: 4122, bare: 4123 };

const db = await createBenchDatabase(process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres");
const procs: RunningProcess[] = [];
try {
  const project = await createProject(db.sql, { name: "Bench store", store_url_template: "https://shop.example.com/{store_slug}" });
  const orderIds = await seedPurchases(db, project.id, smoke ? 200 : 10_000);
  const simulator = await startProcess("server/simulator/main.ts", {
    env: { MIDTRANS_SIMULATOR_PORT: String(PORTS.simulator), MIDTRANS_SIMULATOR_SERVER_KEY: "SB-Mid-server-BENCH" },
    url: `http://127.0.0.1:${PORTS.simulator}`,
    readyUrl: `http://127.0.0.1:${PORTS.simulator}/dashboard`,
  });
  procs.push(simulator);
  const platform = await startProcess("build/server/main.js", {
    nodeArgs: ["--max-old-space-size=192"],
    env: {
      NODE_ENV: "production",
      PORT: String(PORTS.platform),
      PUBLIC_URL: `http://127.0.0.1:${PORTS.platform}`,
      DATABASE_URL: db.url,
      MIDTRANS_SIMULATOR_URL: simulator.url,
      MIDTRANS_SIMULATOR_SERVER_KEY: "SB-Mid-server-BENCH",
      LOG_LEVEL: "info",
      RATE_LIMIT_VERIFY_PER_IP: "0",
      RATE_LIMIT_NOT_FOUND_PER_IP: "0",
    },
    url: `http://127.0.0.1:${PORTS.platform}`,
    readyUrl: `http://127.0.0.1:${PORTS.platform}/healthz`,
  });
  procs.push(platform);
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
    rounds: smoke ? 1 : 3,
    durationSec: smoke ? 1 : 5,
    connections: 50,
    propagation: { sql: db.sql, samples: smoke ? 20 : 300 },
    barePort: PORTS.bare,
  });
  const results = { date: new Date().toISOString(), mode: smoke ? "smoke" : "full", verify };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync("bench/results", { recursive: true });
  writeFileSync(`bench/results/verify${smoke ? "-smoke" : ""}.json`, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  for (const p of procs) await p.stop();
  await db.drop();
}
