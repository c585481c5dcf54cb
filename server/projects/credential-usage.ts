import type { Logger } from "../config/logger";
import type { Db } from "../db/connect";
import type { CredentialUsage } from "../platform/context";
import { recordCredentialUses } from "./projects.queries";

/** A credential's `last_used_at` is written at most this often (docs/decisions/0020-credential-overlap.md). */
export const CREDENTIAL_USAGE_WRITE_INTERVAL_MS = 60_000;
/** How often the timer looks for uses to write: a first use shows in the console within this long. */
export const CREDENTIAL_USAGE_FLUSH_INTERVAL_MS = 5_000;
/** Credentials per statement (each statement one round trip, whatever its size up to this). */
const BATCH_SIZE = 1000;

export interface CredentialUsageRecorder extends CredentialUsage {
  /**
   * Writes the uses that are due: those of credentials not written in the last
   * CREDENTIAL_USAGE_WRITE_INTERVAL_MS (`all`: every use held, as at shutdown). Never throws: a
   * failed write is logged and its uses kept for the next flush.
   */
  flush(opts?: { all?: boolean }): Promise<void>;
  /** Stops the timer and writes every use still held (the platform's close). */
  stop(): Promise<void>;
  /** Since start: update statements sent, credentials written by them, statements that failed. */
  readonly stats: { readonly writes: number; readonly credentials: number; readonly failures: number };
}

export interface CredentialUsageOptions {
  sql: Db;
  logger: Logger;
  /** The platform's clock (ctx.now): when a write was made, for the once-a-minute rule. */
  now: () => Date;
  /** Default CREDENTIAL_USAGE_FLUSH_INTERVAL_MS; 0 = no timer (the caller flushes). */
  flushIntervalMs?: number;
  /** Default CREDENTIAL_USAGE_WRITE_INTERVAL_MS. */
  writeIntervalMs?: number;
}

interface Held {
  /** The latest use not yet written (epoch ms), or null. */
  pending: number | null;
  /** When this process last wrote the credential (epoch ms, platform clock), or null. */
  writtenAt: number | null;
}

/**
 * Keeps credentials' uses in memory and writes them to `last_used_at` in batches from a timer,
 * off the request path: `record` is a Map update (no await, no I/O, cannot throw). Per
 * credential, at most one write per `writeIntervalMs`; a later use in that minute waits for the
 * next write, so the value is at most a minute (plus a flush interval) behind. Memory holds one
 * entry per credential used in the last minute. Several processes each write their own; the
 * statement never moves `last_used_at` backwards.
 */
export function startCredentialUsageRecorder(opts: CredentialUsageOptions): CredentialUsageRecorder {
  const writeIntervalMs = opts.writeIntervalMs ?? CREDENTIAL_USAGE_WRITE_INTERVAL_MS;
  const flushIntervalMs = opts.flushIntervalMs ?? CREDENTIAL_USAGE_FLUSH_INTERVAL_MS;
  const held = new Map<string, Held>();
  const stats = { writes: 0, credentials: 0, failures: 0 };
  // Flushes run one after another, never two statements for the same credential at once.
  let queue: Promise<void> = Promise.resolve();
  let inFlight = 0;

  async function writeDue(all: boolean): Promise<void> {
    const now = opts.now().getTime();
    const due: { id: string; at: Date; before: Held }[] = [];
    for (const [id, h] of held) {
      const recent = h.writtenAt !== null && now - h.writtenAt < writeIntervalMs;
      if (h.pending === null) {
        if (!recent) held.delete(id);
        continue;
      }
      if (recent && !all) continue;
      due.push({ id, at: new Date(h.pending), before: { ...h } });
      h.pending = null;
      h.writtenAt = now;
    }
    for (let i = 0; i < due.length; i += BATCH_SIZE) {
      const batch = due.slice(i, i + BATCH_SIZE);
      try {
        stats.writes += 1;
        await recordCredentialUses(opts.sql, batch);
        stats.credentials += batch.length;
      } catch (err) {
        stats.failures += 1;
        opts.logger.warn({ err: err instanceof Error ? err.message : String(err), credentials: batch.length }, "could not write credentials' last_used_at; kept for the next flush");
        for (const d of batch) {
          const h = held.get(d.id);
          if (!h) continue;
          h.pending = Math.max(h.pending ?? 0, d.at.getTime());
          h.writtenAt = d.before.writtenAt;
        }
      }
    }
  }

  const flush = (o: { all?: boolean } = {}) => {
    inFlight += 1;
    queue = queue
      .then(() => writeDue(o.all === true))
      .catch((err) => opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "credentials' last_used_at flush failed"))
      .finally(() => {
        inFlight -= 1;
      });
    return queue;
  };

  // A slow database never piles flushes up: a tick while one is in flight does nothing.
  const timer =
    flushIntervalMs > 0
      ? setInterval(() => {
          if (inFlight === 0) void flush();
        }, flushIntervalMs)
      : undefined;
  timer?.unref();

  return {
    record(credentialId, at) {
      const t = at.getTime();
      const h = held.get(credentialId);
      if (!h) held.set(credentialId, { pending: t, writtenAt: null });
      else if (h.pending === null || t > h.pending) h.pending = t;
    },
    flush,
    async stop() {
      if (timer) clearInterval(timer);
      await flush({ all: true });
    },
    stats,
  };
}
