// Scenarios on one platform process over real PostgreSQL: a database restart mid-load,
// and SIGTERM under load.
import { spawnSync } from "node:child_process";
import { createBenchDatabase } from "../harness/database";
import { startProcess } from "../harness/processes";
import { startMidtransSimulator } from "../../server/simulator";
import { createProject, issueCredential } from "../../server/projects/projects.service";
import { startLoadLoop, type Outcome } from "./load-client";

const SERVER_KEY = "SB-Mid-server-RESILIENCE";
const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(databaseUrl: string) {
  const db = await createBenchDatabase(databaseUrl);
  const sim = await startMidtransSimulator({ serverKey: SERVER_KEY });
  const project = await createProject(db.sql, { name: "Resilience store" });
  const cred = await issueCredential(db.sql, project.id, "sandbox");
  const port = 4601 + Math.floor(Math.random() * 300);
  const env = {
    DATABASE_URL: db.url,
    MIDTRANS_SIMULATOR_URL: sim.url,
    MIDTRANS_SIMULATOR_SERVER_KEY: SERVER_KEY,
    PORT: String(port),
    RATE_LIMIT_CREATE_PER_CLIENT: "0",
    RATE_LIMIT_CREATE_PER_IP: "0",
    RATE_LIMIT_VERIFY_PER_IP: "0",
    RATE_LIMIT_NOT_FOUND_PER_IP: "0",
  };
  const web = await startProcess("server/main.ts", { env, url: `http://127.0.0.1:${port}`, readyUrl: `http://127.0.0.1:${port}/healthz` });
  return { db, sim, cred, web, env };
}

const summarise = (outcomes: Outcome[]) => {
  const by = new Map<string, number>();
  for (const o of outcomes) {
    const k = o.status !== null ? `${o.status}${o.json ? "" : " (not JSON)"}` : `error ${o.error}`;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  return Object.fromEntries([...by.entries()].sort());
};

/** `pg_ctlcluster … restart` while creates and verifies run; the app is never restarted. */
export async function runDatabaseRestartScenario(opts: { databaseUrl: string; loadSeconds: number }) {
  const { db, sim, cred, web } = await setup(opts.databaseUrl);
  try {
    const load = startLoadLoop({ baseUrl: () => web.url, concurrency: 8, clientId: cred.client_id, clientSecret: cred.client_secret, run: `dbr-${Date.now().toString(36)}` });
    await until((opts.loadSeconds * 1000) / 3);
    const version = spawnSync("ls", ["/etc/postgresql"], { encoding: "utf8" }).stdout.trim().split("\n")[0];
    const restartAt = Date.now();
    const r = spawnSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "restart"], { encoding: "utf8" });
    const restartedAt = Date.now();
    await until((opts.loadSeconds * 1000 * 2) / 3);
    await load.stop();
    const during = load.outcomes.filter((o) => o.startedAt >= restartAt && o.startedAt <= restartedAt + 2000);
    const after = load.outcomes.filter((o) => o.startedAt > restartedAt + 5000);
    // Nothing a client was told is committed may be missing.
    await db.sql`select 1`.catch(() => {});
    const ids = load.createdOk;
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from purchases where order_id = any(${ids}) and status = 'pending'`;
    return {
      restartExitCode: r.status,
      restartMs: restartedAt - restartAt,
      requests: load.outcomes.length,
      duringOutage: summarise(during),
      afterRecovery: summarise(after),
      serverErrorsOtherThan503: load.outcomes.filter((o) => o.status !== null && o.status >= 500 && o.status !== 503 && o.status !== 502).length,
      nonJsonAnswers: load.outcomes.filter((o) => o.status !== null && !o.json).length,
      createdAcknowledged: ids.length,
      createdFoundAfter: n,
      lost: ids.length - n,
      appProcessAlive: web.child.exitCode === null,
    };
  } finally {
    await web.stop();
    await sim.close();
    await db.drop();
  }
}

/** SIGTERM while requests are in flight: every accepted request is answered; then it exits 0. */
export async function runSigtermScenario(opts: { databaseUrl: string; loadSeconds: number }) {
  const { db, sim, cred, web } = await setup(opts.databaseUrl);
  try {
    const load = startLoadLoop({ baseUrl: () => web.url, concurrency: 8, clientId: cred.client_id, clientSecret: cred.client_secret, run: `term-${Date.now().toString(36)}` });
    await until(opts.loadSeconds * 1000);
    const termAt = Date.now();
    const exited = new Promise<number | null>((r) => web.child.once("exit", (code) => r(code)));
    web.child.kill("SIGTERM");
    const exitCode = await exited;
    const exitedAt = Date.now();
    await load.stop();
    // Refused connections after the listener closed were never accepted; anything else is a failure.
    const failedInFlight = load.outcomes.filter((o) => (o.status === null && o.error !== "ECONNREFUSED") || (o.status !== null && o.status >= 500));
    const ids = load.createdOk;
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from purchases where order_id = any(${ids})`;
    const [{ claimed }] = await db.sql<{ claimed: number }[]>`select count(*)::int as claimed from webhook_events where locked_until is not null`;
    return {
      requests: load.outcomes.length,
      outcomes: summarise(load.outcomes),
      answeredBeforeTerm: load.outcomes.filter((o) => o.startedAt < termAt && o.status !== null).length,
      failedInFlight: failedInFlight.length,
      exitCode,
      shutdownMs: exitedAt - termAt,
      createdAcknowledged: ids.length,
      createdFoundAfter: n,
      claimsLeft: claimed,
    };
  } finally {
    await web.stop();
    await sim.close();
    await db.drop();
  }
}
