import { listMigrations } from "../../db/migrate";
import { latestAppliedMigration, newestWorkerHeartbeat, pingDatabase, webhookQueueStats } from "../db/health.queries";
import type { PlatformContext } from "../platform/context";

/**
 * GET /readyz (docs/operations.md#readyz): can this process serve? Ready when the database
 * answers, its schema is at the migration this build expects (the highest file in
 * db/migrations), and, when this process runs the workers, a worker heartbeat is recent. The
 * webhook queue (depth, oldest undelivered age) and a web-only process's worker heartbeat are
 * reported, not judged: taking a web process out of rotation would not deliver a webhook.
 */
export interface Readiness {
  ready: boolean;
  checks: {
    database: { ok: boolean; error?: string };
    schema: { ok: boolean; expected: number; applied: number | null; error?: string };
    worker: { ok: boolean; required: boolean; newest_heartbeat_age_seconds: number | null; max_age_seconds: number };
    webhook_queue: { depth: number | null; oldest_age_seconds: number | null };
  };
}

let expectedMigration: number | undefined;
/** The highest migration this build carries (read once: the files do not change under a running process). */
function expected(): number {
  expectedMigration ??= Math.max(0, ...listMigrations().map((m) => m.version));
  return expectedMigration;
}

const pad = (v: number) => String(v).padStart(4, "0");

export async function checkReadiness(ctx: PlatformContext): Promise<Readiness> {
  const want = expected();
  const maxAge = ctx.config.readyWorkerMaxAgeSeconds;
  const r: Readiness = {
    ready: false,
    checks: {
      database: { ok: false },
      schema: { ok: false, expected: want, applied: null },
      worker: { ok: false, required: ctx.config.runsWorkers, newest_heartbeat_age_seconds: null, max_age_seconds: maxAge },
      webhook_queue: { depth: null, oldest_age_seconds: null },
    },
  };
  try {
    await pingDatabase(ctx.sql);
    r.checks.database.ok = true;
  } catch {
    r.checks.database.error = "the database did not answer";
    r.checks.schema.error = "unknown: the database did not answer";
    return r;
  }
  try {
    const applied = await latestAppliedMigration(ctx.sql);
    r.checks.schema.applied = applied;
    r.checks.schema.ok = applied === want;
    if (applied === null) r.checks.schema.error = `the database has no schema (schema_migrations is missing); expected migration ${pad(want)}`;
    else if (applied < want) r.checks.schema.error = `the schema is at migration ${pad(applied)}, this build expects ${pad(want)}: migrations not applied`;
    else if (applied > want) r.checks.schema.error = `the schema is at migration ${pad(applied)}, newer than this build's ${pad(want)}`;
    if (r.checks.schema.ok) {
      const beat = await newestWorkerHeartbeat(ctx.sql);
      r.checks.worker.newest_heartbeat_age_seconds = beat ? Math.round(beat.ageSeconds * 10) / 10 : null;
      r.checks.worker.ok = beat !== null && beat.ageSeconds <= maxAge;
      const queue = await webhookQueueStats(ctx.sql);
      r.checks.webhook_queue = { depth: queue.depth, oldest_age_seconds: queue.oldestAgeSeconds === null ? null : Math.round(queue.oldestAgeSeconds) };
    }
  } catch {
    r.checks.database = { ok: false, error: "the database did not answer" };
    return r;
  }
  r.ready = r.checks.database.ok && r.checks.schema.ok && (r.checks.worker.ok || !r.checks.worker.required);
  return r;
}
