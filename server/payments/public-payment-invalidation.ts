import { connectPostgres, type Database } from "../db/connect";
import type { Logger } from "../config/logger";
import { randomUUID } from "node:crypto";
import { PUBLIC_PAYMENTS_CHANNEL, type PublicPaymentCache } from "./public-payment-cache";
import { notifyPublicPayments } from "./public-payment-cache.queries";

/** How long a write of this process suspects older entries when no NOTIFY comes back sooner. */
const HOLD_MAX_MS = 100;
/** The LISTEN's heartbeat: a NOTIFY of our own this often; answers live long only while one arrived within LATE_MS. */
const BEAT_MS = 1000;
const LATE_MS = 2500;
const BEAT_PREFIX = "beat:";

/** postgres.js's name for the LISTEN session (pg_stat_activity.application_name), for operators and tests. */
export const PUBLIC_PAYMENTS_LISTENER_NAME = "astapa-verify-cache";

export interface PublicPaymentInvalidation {
  /** Resolves once LISTEN runs (real PostgreSQL), or at once (embedded, or LISTEN failed). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps a process's verify cache true to the database (docs/decisions/0016-verify-cache.md):
 * - real PostgreSQL: LISTEN on its own connection (DATABASE_DIRECT_URL when set: LISTEN holds a
 *   session, which PgBouncer's transaction mode does not keep); each NOTIFY of
 *   db/migrations/0016 drops the order ids it names; every (re)connect drops everything, as
 *   notifications may have been missed meanwhile. Every BEAT_MS the process NOTIFYs a heartbeat
 *   (on the same direct connection's pool, not the request pool): while NOTIFYs are seen to
 *   arrive, answers live long (NOTIFYs keep them current); when none came for LATE_MS (a stalled
 *   path, a dead session not yet noticed) every answer falls back to the short TTLs at once.
 *   A write by this process (`onWrites`) holds
 *   older entries back until the next NOTIFY arrives (at most HOLD_MAX_MS), so it reads its own
 *   writes. A lost NOTIFY is bounded by the cache's TTLs.
 * - embedded (PGlite, one process, no LISTEN through pglite-socket): a write of this process
 *   drops everything; the TTLs bound the rest.
 */
export function startPublicPaymentInvalidation(host: {
  cache: PublicPaymentCache;
  dbKind: "postgres" | "embedded";
  database: Pick<Database, "url" | "directUrl">;
  logger: Logger;
  /** Subscribes to "status changes were committed by this process". */
  onWrites(listener: () => void): () => void;
}): PublicPaymentInvalidation {
  const { cache } = host;
  if (host.dbKind === "embedded") {
    const unsubscribe = host.onWrites(() => cache.clear());
    return { ready: Promise.resolve(), stop: async () => void unsubscribe() };
  }

  const releases = new Set<() => void>();
  const releaseAll = () => {
    for (const r of releases) r();
    releases.clear();
  };
  const unsubscribe = host.onWrites(() => {
    const release = cache.hold();
    const timer = setTimeout(() => {
      release();
      releases.delete(done);
    }, HOLD_MAX_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      release();
    };
    releases.add(done);
  });

  let own: Database | null = null;
  let stopped = false;
  let lastDelivery = Number.NEGATIVE_INFINITY;
  const beatPayload = `${BEAT_PREFIX}${randomUUID()}`;
  const beat = setInterval(() => {
    cache.setListening(Date.now() - lastDelivery < LATE_MS);
    if (own) notifyPublicPayments(own.sql, PUBLIC_PAYMENTS_CHANNEL, beatPayload).catch(() => undefined);
  }, BEAT_MS);
  beat.unref();
  const ready = (async () => {
    const url = new URL(host.database.directUrl ?? host.database.url);
    url.searchParams.set("application_name", PUBLIC_PAYMENTS_LISTENER_NAME);
    own = await connectPostgres(url.toString(), { max: 1 });
    if (stopped) return;
    await own.sql.listen(
      PUBLIC_PAYMENTS_CHANNEL,
      (payload) => {
        lastDelivery = Date.now();
        if (payload.startsWith(BEAT_PREFIX)) {
          cache.setListening(true);
          return;
        }
        cache.onNotify(payload);
        // Notifications come in commit order, so the first one after a write is almost always
        // its own or a later commit's; an earlier commit's leaves a gap of the same order as
        // the NOTIFY's own delay.
        releaseAll();
      },
      // On every (re)connect: anything may have changed while no one listened.
      () => {
        cache.setListening(false);
        cache.clear();
      },
    );
    await notifyPublicPayments(own.sql, PUBLIC_PAYMENTS_CHANNEL, beatPayload);
  })().catch((err) => {
    host.logger.warn({ err }, "LISTEN for payment changes failed; verify's cache relies on its TTLs");
  });

  return {
    ready,
    async stop() {
      stopped = true;
      clearInterval(beat);
      cache.setListening(false);
      unsubscribe();
      releaseAll();
      await ready;
      // No UNLISTEN first: it would wait on a stalled path; ending the pool ends the session.
      await (own as Database | null)?.close();
    },
  };
}
