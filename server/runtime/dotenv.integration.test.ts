import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { createTestDatabase } from "../testing/database";
import { startEmbeddedDatabase, type Database, type Sql } from "../db/connect";

/**
 * `.env` is read when present (README "Configuration"), variables already set win: a CLI run
 * as a real process from a directory holding a `.env` finds its database there, while a
 * LOG_LEVEL set in its environment beats the file's invalid one (else the process would refuse
 * to start).
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
// The process runs in another directory: tsx's loader by its path, as `--import tsx` resolves it here.
const tsx = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;
let pg: Database | null = null;
let cwd = "";
let dataDir = "";

beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), "astapa-dotenv-"));
  dataDir = path.join(cwd, "data");
  if (process.env.DATABASE_URL) pg = await createTestDatabase();
  const database = pg ? `DATABASE_URL=${pg.url}` : `DATABASE_URL=\nDATA_DIR=${dataDir}`;
  writeFileSync(path.join(cwd, ".env"), `# written by the test\n${database}\nLOG_LEVEL=not-a-level   # the environment's value must win\n`);
});

afterAll(async () => {
  await pg?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
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

describe(".env", { timeout: 60_000 }, () => {
  it("is loaded by the CLI, with the environment's variables winning over the file's", async () => {
    // Neither DATABASE_URL nor DATA_DIR in the environment (env(1) unsets them): only the file names the database.
    const env = { ...process.env, LOG_LEVEL: "warn" };
    const r = await run(
      "env",
      [
        "-u",
        "DATABASE_URL",
        "-u",
        "DATA_DIR",
        process.execPath,
        "--import",
        tsx,
        path.join(root, "server/cli/admin-create.ts"),
        "--email",
        "dotenv@astapa.test",
        "--password",
        "correct horse battery staple",
      ],
      {
        cwd,
        env,
        encoding: "utf8",
      },
    );
    expect(r.stdout).toMatch(/admin created: dotenv@astapa\.test/);
    const rows = await query((sql) => sql<{ email: string }[]>`select email from admin_users where email = 'dotenv@astapa.test'`);
    expect(rows).toHaveLength(1);
  });
});
