import type { Db } from "./types";

/** Resolves when the database answers a trivial query (health checks); throws when it does not. */
export async function pingDatabase(db: Db): Promise<void> {
  await db`select 1`;
}

/**
 * The highest migration recorded as applied; null when the database has no schema_migrations
 * table (an empty database: dropped and recreated, or never migrated).
 */
export async function latestAppliedMigration(db: Db): Promise<number | null> {
  const [t] = await db<{ present: boolean }[]>`select to_regclass('schema_migrations') is not null as present`;
  if (!t?.present) return null;
  const [row] = await db<{ version: number | null }[]>`select max(version)::int as version from schema_migrations`;
  return row?.version ?? null;
}

/** The newest worker heartbeat and its age in seconds (null when no worker ever beat, or no table). */
export async function newestWorkerHeartbeat(db: Db): Promise<{ workerId: string; ageSeconds: number } | null> {
  const [t] = await db<{ present: boolean }[]>`select to_regclass('worker_heartbeats') is not null as present`;
  if (!t?.present) return null;
  const [row] = await db<{ worker_id: string; age: number }[]>`
    select worker_id, extract(epoch from now() - beat_at)::float8 as age
    from worker_heartbeats order by beat_at desc limit 1`;
  return row ? { workerId: row.worker_id, ageSeconds: row.age } : null;
}

/** A worker is alive: insert or refresh its row, and forget workers silent for a day. */
export async function recordWorkerHeartbeat(db: Db, workerId: string, kind: "webhooks"): Promise<void> {
  await db`
    insert into worker_heartbeats (worker_id, kind) values (${workerId}, ${kind})
    on conflict (worker_id) do update set beat_at = now()`;
  await db`delete from worker_heartbeats where beat_at < now() - interval '1 day'`;
}

/** A worker stopped cleanly: its row goes (readiness then looks at the others). */
export async function removeWorkerHeartbeat(db: Db, workerId: string): Promise<void> {
  await db`delete from worker_heartbeats where worker_id = ${workerId}`;
}

/**
 * The webhook outbox: events not yet delivered (status pending, read through the partial index
 * on pending events) and the age of the oldest in seconds (null when there is none).
 */
export async function webhookQueueStats(db: Db): Promise<{ depth: number; oldestAgeSeconds: number | null }> {
  const [row] = await db<{ depth: number; oldest: number | null }[]>`
    select count(*)::int as depth, extract(epoch from now() - min(created_at))::float8 as oldest
    from webhook_events where status = 'pending'`;
  return { depth: row?.depth ?? 0, oldestAgeSeconds: row?.oldest ?? null };
}
