import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createTestDatabase } from "../testing/database";
import { startEmbeddedDatabase, type Database, type Sql } from "../db/connect";

/**
 * `npm run project:create` manages both webhook endpoints (docs/decisions/0006), run as a real
 * process: against a database of its own on the PostgreSQL of DATABASE_URL, or else with an
 * embedded database in a directory of its own (PGlite serves one process at a time: this file
 * opens it only between runs).
 */
const run = promisify(execFile);
let pg: Database | null = null;
let dataDir = "";

beforeAll(async () => {
  if (process.env.DATABASE_URL) pg = await createTestDatabase();
  else dataDir = mkdtempSync(path.join(tmpdir(), "astapa-cli-"));
});
afterAll(async () => {
  await pg?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const databaseEnv = () => (pg ? { DATABASE_URL: pg.url } : { DATABASE_URL: "", DATA_DIR: dataDir });

/** Runs `fn` on the command's database (opened for the moment on embedded). */
async function query<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (pg) return fn(pg.sql);
  const db = await startEmbeddedDatabase({ dataDir });
  try {
    return await fn(db.sql);
  } finally {
    await db.close();
  }
}

async function projectCreate(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, ["--import", "tsx", "server/cli/project-create.ts", ...args], {
      env: { ...process.env, ...databaseEnv(), MIDTRANS_PRODUCTION_SERVER_KEY: "", ALLOW_PRIVATE_WEBHOOK_URLS: "false", ...env },
      encoding: "utf8",
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
const line = (out: string, label: string) => out.match(new RegExp(`^${label}: (\\S+)`, "m"))?.[1];

// Each run starts a process (and, embedded, opens a fresh database directory): slower than the usual test.
describe("npm run project:create", { timeout: 60_000 }, () => {
  it("sets each environment's endpoint and prints each endpoint's own secret", async () => {
    const r = await projectCreate([
      "--name",
      "CLI shop",
      "--env",
      "both",
      "--sandbox-webhook-url",
      "http://localhost:4000/hooks",
      "--production-webhook-url",
      "https://93.184.216.34/hooks",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const projectId = line(r.stdout, "project_id") ?? expect.fail(r.stdout);
    expect(line(r.stdout, "sandbox webhook URL")).toBe("http://localhost:4000/hooks");
    expect(line(r.stdout, "production webhook URL")).toBe("https://93.184.216.34/hooks");
    const secrets = { sandbox: line(r.stdout, "sandbox webhook signing secret"), production: line(r.stdout, "production webhook signing secret") };
    expect(secrets.sandbox).toMatch(/^whsec_/);
    expect(secrets.production).toMatch(/^whsec_/);
    expect(secrets.sandbox).not.toBe(secrets.production);
    expect(line(r.stdout, "sandbox client_id")).toMatch(/^ast_sandbox_/);
    expect(line(r.stdout, "production client_id")).toMatch(/^ast_live_/);
    const rows = await query((sql) => sql`select environment, url, secret from webhook_endpoints where project_id = ${projectId} order by environment`);
    expect(rows).toEqual([
      { environment: "production", url: "https://93.184.216.34/hooks", secret: secrets.production },
      { environment: "sandbox", url: "http://localhost:4000/hooks", secret: secrets.sandbox },
    ]);
  });

  it("keeps --webhook-url: the same URL for each environment of --env, each with its own secret", async () => {
    const r = await projectCreate(["--name", "Old style", "--env", "sandbox", "--webhook-url", "http://127.0.0.1:4000/hooks"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const projectId = line(r.stdout, "project_id");
    const rows = await query((sql) => sql`select environment, url from webhook_endpoints where project_id = ${projectId ?? ""} order by environment`);
    expect(rows).toEqual([
      { environment: "production", url: null },
      { environment: "sandbox", url: "http://127.0.0.1:4000/hooks" },
    ]);
  });

  it("refuses a URL the destination rule refuses, naming the option, and writes nothing", async () => {
    const count = () => query((sql) => sql`select count(*)::int as n from projects`);
    const before = await count();
    const loopbackProduction = await projectCreate(["--name", "Refused", "--env", "both", "--webhook-url", "http://127.0.0.1:4000/hooks"]);
    expect(loopbackProduction.code).toBe(1);
    expect(loopbackProduction.stderr).toContain('"--production-webhook-url":"destination not allowed: 127.0.0.1 (loopback); this deployment sends production webhooks to public addresses only"');
    // With production keys configured, sandbox endpoints are public-only too.
    const withKeys = await projectCreate(["--name", "Refused", "--sandbox-webhook-url", "http://[::ffff:127.0.0.1]:4000/"], {
      MIDTRANS_PRODUCTION_SERVER_KEY: "Mid-server-PRODUCTION-TEST",
    });
    expect(withKeys.code).toBe(1);
    expect(withKeys.stderr).toContain('"--sandbox-webhook-url":"destination not allowed: ::ffff:7f00:1 (loopback)');
    expect(await count()).toEqual(before);
  });
});

// --event-types limits both endpoints of the new project (docs/api.md, "Event-type subscriptions").
describe("npm run project:create --event-types", { timeout: 60_000 }, () => {
  it("limits both endpoints to the given types; without the flag they take all; an unknown type is refused", async () => {
    const limited = await projectCreate(["--name", "Subs", "--event-types", "payment.refunded, item.purchased"]);
    expect(limited.code).toBe(0);
    expect(limited.stdout).toContain("event types sent: payment.refunded, item.purchased");
    const limitedId = limited.stdout.match(/^project_id: (\S+)/m)?.[1];
    const all = await projectCreate(["--name", "All"]);
    const allId = all.stdout.match(/^project_id: (\S+)/m)?.[1];
    const bad = await projectCreate(["--name", "Bad", "--event-types", "item.purchased,no.such"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--event-types");

    const rows = await query((sql) => sql<{ project_id: string; environment: string; event_types: string[] | null }[]>`
      select project_id, environment, event_types from webhook_endpoints order by project_id, environment`);
    const of = (id: string | undefined) => rows.filter((r) => r.project_id === id).map((r) => r.event_types);
    expect(of(limitedId)).toEqual([
      ["item.purchased", "payment.refunded"],
      ["item.purchased", "payment.refunded"],
    ]);
    expect(of(allId)).toEqual([null, null]);
    expect(await query((sql) => sql`select 1 from projects where name = 'Bad'`)).toHaveLength(0);
  });
});
