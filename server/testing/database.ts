import postgres from "postgres";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrate } from "../../db/migrate";
import { connectPostgres, startEmbeddedDatabase, type Database } from "../db/connect";

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../db/migrations");

/**
 * An embedded database with every migration applied, started from a cached copy of the
 * migrated data directory (about 0.5 s instead of 2-5 s to create and migrate a PGlite). The
 * cache is keyed on the migrations' contents, so a changed or added migration builds a new one;
 * it is written to a temporary name and renamed, so parallel test processes never read half a file.
 */
async function startMigratedEmbeddedDatabase(): Promise<Database> {
  const hash = createHash("sha256");
  for (const f of readdirSync(MIGRATIONS_DIR).sort()) hash.update(f).update(readFileSync(path.join(MIGRATIONS_DIR, f)));
  const cached = path.join(tmpdir(), `astapa-pglite-migrated-${hash.digest("hex").slice(0, 16)}.tar.gz`);
  if (existsSync(cached)) return startEmbeddedDatabase({ loadDataDir: new Blob([readFileSync(cached)]) });
  const db = await startEmbeddedDatabase({});
  await migrate(db.sql);
  const dump = await db.dumpDataDir?.();
  if (dump) {
    const partial = `${cached}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, cached);
  }
  return db;
}

/**
 * A fresh database for one test file (empty; with `migrated`, embedded ones may come migrated): a new database on the PostgreSQL that
 * DATABASE_URL points at (dropped afterwards), or an in-memory embedded PGlite.
 */
export async function createTestDatabase(opts: { max?: number; migrated?: boolean } = {}): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return opts.migrated ? startMigratedEmbeddedDatabase() : startEmbeddedDatabase({});
  const name = `astapa_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres(url.toString(), { max: opts.max ?? 10 });
  // Through PgBouncer (npm run test:pgbouncer): the same database, straight, for LISTEN.
  let directUrl: string | undefined;
  if (process.env.DATABASE_DIRECT_URL) {
    const direct = new URL(process.env.DATABASE_DIRECT_URL);
    direct.pathname = `/${name}`;
    directUrl = direct.toString();
  }
  return {
    ...db,
    directUrl,
    async close() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
