// `npm run project:create -- --event-types …` limits both endpoints of the new project
// (docs/api.md, "Event-type subscriptions"), run as a real process like server/cli's own test.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase, type Database, type Sql } from "../db/connect";
import { createTestDatabase } from "../testing/database";

const run = promisify(execFile);
let pg: Database | null = null;
let dataDir = "";

beforeAll(async () => {
  if (process.env.DATABASE_URL) pg = await createTestDatabase();
  else dataDir = mkdtempSync(path.join(tmpdir(), "astapa-cli-subs-"));
});
afterAll(async () => {
  await pg?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function query<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  if (pg) return fn(pg.sql);
  const db = await startEmbeddedDatabase({ dataDir });
  try {
    return await fn(db.sql);
  } finally {
    await db.close();
  }
}

async function projectCreate(args: string[]) {
  const env = pg ? { DATABASE_URL: pg.url } : { DATABASE_URL: "", DATA_DIR: dataDir };
  try {
    const r = await run(process.execPath, ["--import", "tsx", "server/cli/project-create.ts", ...args], {
      env: { ...process.env, ...env, MIDTRANS_PRODUCTION_SERVER_KEY: "", ALLOW_PRIVATE_WEBHOOK_URLS: "false" },
      encoding: "utf8",
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

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
