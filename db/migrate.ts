import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { Sql } from "../server/db/connect";

// Next to this file in development; from the project root when bundled into build/server/.
const MIGRATIONS_DIR = [path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations"), path.resolve("db/migrations")].find((d) =>
  existsSync(d),
)!;
// Any constant shared by every Astapa process: serialises concurrent starts.
const MIGRATION_LOCK_KEY = 72_110_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(path.join(dir, f), "utf8") }));
}

/**
 * Applies pending migrations in ONE transaction, under an advisory lock so two processes
 * starting together cannot both apply them. Forward-only; a second run is a no-op.
 * Returns the names applied by this call.
 */
export async function migrate(sql: Sql, migrations = listMigrations()): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const done = new Set((await tx<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      applied.push(m.name);
    }
    return applied;
  });
}
