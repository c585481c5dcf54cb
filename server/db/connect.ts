import postgres from "postgres";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Logger } from "../config/logger";
import { forceCustomPlansInTransaction } from "./plan-cache.queries";
import type { Db, Sql } from "./types";

export type { Db, Sql };

export interface Database {
  sql: Sql;
  /** "postgres" for a real server (DATABASE_URL), "embedded" for PGlite behind pglite-socket. */
  kind: "postgres" | "embedded";
  url: string;
  /** Straight to PostgreSQL, for LISTEN, when `url` goes through PgBouncer (DATABASE_DIRECT_URL); unset: `url`. */
  directUrl?: string;
  close(): Promise<void>;
  /** Embedded only: the whole data directory as a tarball (tests start migrated copies from it). */
  dumpDataDir?(): Promise<Blob>;
}

const commonOptions: postgres.Options<Record<string, postgres.PostgresType>> = {
  onnotice: () => {},
  // int8 (amounts in IDR, counts) as JS numbers: every amount is capped far below 2^53.
  types: {
    bigint: {
      to: 20,
      from: [20],
      serialize: (x: number | bigint) => x.toString(),
      parse: (x: string) => Number(x),
    },
  },
  connect_timeout: 10,
};

/**
 * `statementTimeoutMs`: PostgreSQL's statement_timeout for every statement of this pool (a runaway
 * or lock-blocked statement ends with 57014, answered 503); 0 or unset: the server's default. The
 * client-side bound on waiting (a stalled network path) is query-deadline.ts.
 */
export async function connectPostgres(url: string, opts: { max?: number; statementTimeoutMs?: number } = {}): Promise<Database> {
  const connection = opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : undefined;
  const sql = postgres(url, { ...commonOptions, max: opts.max ?? 10, ...(connection ? { connection } : {}) });
  return { sql, kind: "postgres", url, close: () => sql.end({ timeout: 5 }) };
}

/**
 * Embedded PostgreSQL: PGlite served over the wire protocol by pglite-socket, so the
 * same postgres.js code runs as against a real server. PGlite is a single session:
 * exactly one client connection (max: 1), and no LISTEN/NOTIFY.
 * `dataDir` undefined keeps the database in memory (tests).
 */
export async function startEmbeddedDatabase(opts: { dataDir?: string; logger?: Logger; loadDataDir?: Blob }): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  // pg_trgm: the console's payment search (db/migrations/0018_payment_search.sql).
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  let dir: string | undefined;
  if (opts.dataDir) {
    dir = path.resolve(opts.dataDir, "pglite");
    mkdirSync(dir, { recursive: true });
  }
  const pglite = await PGlite.create({ ...(dir ? { dataDir: dir } : {}), ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}), extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const sql = postgres(url, { ...commonOptions, max: 1 });
  opts.logger?.info({ dataDir: dir ?? "(memory)", url }, "embedded database started");
  return {
    sql,
    kind: "embedded",
    url,
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await pglite.close();
    },
    dumpDataDir: () => pglite.dumpDataDir("gzip"),
  };
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  databaseDirectUrl?: string;
  dataDir?: string;
  logger?: Logger;
  statementTimeoutMs?: number;
}): Promise<Database> {
  if (opts.databaseUrl) return { ...(await connectPostgres(opts.databaseUrl, { statementTimeoutMs: opts.statementTimeoutMs })), directUrl: opts.databaseDirectUrl };
  return startEmbeddedDatabase({ dataDir: opts.dataDir, logger: opts.logger });
}

/**
 * Runs ad-hoc filter queries (the console's payment list) with a plan made for the actual
 * parameter values. postgres.js prepares every query, and after five runs PostgreSQL may
 * switch to a generic plan that cannot see how selective a search or an amount range is:
 * at 1 M payments it scanned the whole created_at index for an order-id search (about
 * 400 ms instead of under 1). SET LOCAL keeps the setting inside this transaction.
 */
export async function withCustomPlans<T extends readonly object[]>(sql: Sql, query: (db: Db) => postgres.PendingQuery<T>): Promise<T> {
  let rows!: T;
  await sql.begin(async (tx) => {
    // `query` builds its statement synchronously, so both are queued in this order and sent
    // back to back: the setting costs no extra round trip.
    [, rows] = await Promise.all([forceCustomPlansInTransaction(tx), query(tx)]);
  });
  return rows;
}

/**
 * One connection with custom plans, for a streaming query (released by `release`): a transaction
 * with SET LOCAL, so the setting never outlives it — through PgBouncer in transaction mode a
 * session-level SET would stay on a server connection that other clients then get (docs/scaling.md#pgbouncer).
 */
export async function reserveWithCustomPlans(sql: Sql): Promise<{ db: postgres.TransactionSql; release(): Promise<void> }> {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let ready!: (tx: postgres.TransactionSql) => void;
  const opened = new Promise<postgres.TransactionSql>((resolve) => {
    ready = resolve;
  });
  const transaction = sql.begin(async (tx) => {
    await forceCustomPlansInTransaction(tx);
    ready(tx);
    await finished;
  });
  const endedEarly = transaction.then(() => Promise.reject(new Error("transaction ended before use")));
  endedEarly.catch(() => {});
  const db = await Promise.race([opened, endedEarly]);
  return {
    db,
    async release() {
      finish();
      // A read-only transaction: a failed query has already thrown to its caller; nothing to commit.
      await transaction.catch(() => {});
    },
  };
}
