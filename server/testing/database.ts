import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { connectPostgres, startEmbeddedDatabase, type Database } from "../db/connect";

/**
 * A fresh, empty database for one test file: a new database on the PostgreSQL that
 * DATABASE_URL points at (dropped afterwards), or an in-memory embedded PGlite.
 */
export async function createTestDatabase(opts: { max?: number } = {}): Promise<Database> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return startEmbeddedDatabase({});
  const name = `astapa_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres(url.toString(), { max: opts.max ?? 10 });
  return {
    ...db,
    async close() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
