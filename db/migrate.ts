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
 * Refuses a set of migrations that cannot be applied safely, naming the file(s):
 * - two files with the same number (only one of them could ever be recorded as applied);
 * - a file not yet applied whose number sorts before the latest applied one (added late,
 *   it would run after migrations written later than it, on some databases and not others).
 * Gaps are fine: databases created before this check have 0001, 0003-0006 applied and no 0002.
 */
export function checkMigrations(migrations: readonly Migration[], applied: ReadonlyMap<number, string>): void {
  const byVersion = new Map<number, string>();
  for (const m of migrations) {
    const other = byVersion.get(m.version);
    if (other !== undefined) {
      throw new Error(`Migrations ${other} and ${m.name} share the number ${String(m.version).padStart(4, "0")}: renumber the newer one after the latest.`);
    }
    byVersion.set(m.version, m.name);
  }
  if (applied.size === 0) return;
  const latest = Math.max(...applied.keys());
  const late = migrations.filter((m) => !applied.has(m.version) && m.version < latest).sort((a, b) => a.version - b.version);
  if (late.length > 0) {
    throw new Error(
      `Migration ${late.map((m) => m.name).join(", ")} sorts before ${applied.get(latest)}, which is already applied: ` +
        `renumber it after the latest (migrations are forward-only).`,
    );
  }
}

/**
 * Applies pending migrations in ONE transaction, under an advisory lock so two processes
 * starting together cannot both apply them. Forward-only; a second run is a no-op.
 * Refuses duplicate numbers and late-added files before applying anything (checkMigrations).
 * Returns the names applied by this call.
 */
export async function migrate(sql: Sql, migrations = listMigrations()): Promise<string[]> {
  return sql.begin(async (tx) => {
    // A migration may take longer than the pool's statement_timeout (DB_STATEMENT_TIMEOUT_MS).
    await tx`set local statement_timeout = 0`;
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const done = new Map((await tx<{ version: number; name: string }[]>`select version, name from schema_migrations`).map((r) => [r.version, r.name]));
    checkMigrations(migrations, done);
    const applied: string[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      applied.push(m.name);
    }
    return applied;
  });
}
