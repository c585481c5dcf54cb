import type postgres from "postgres";
import { DomainError } from "../lib/errors";
import type { Sql } from "./types";

/**
 * A bound on how long a caller waits for the database (docs/operations.md#bounded-database-waits).
 *
 * PostgreSQL's statement_timeout (connect.ts) only ends statements the server has received. When
 * the network path to the database stalls (a frozen proxy, a partition), the server never sees
 * the query, and postgres.js has no timeout for a query or for a free connection: a request waited
 * 20-40 s. This wraps the pool so that every wait is bounded on the client side:
 * - a query not answered within `timeoutMs` of being handed to the pool rejects with
 *   `service_unavailable` (503 with Retry-After on every transport); if it was still queued for a
 *   connection it is also taken off the queue, so it never runs later;
 * - `begin` is bounded while it waits for a connection, for each statement inside, and for its
 *   commit; once abandoned, the transaction's next statement fails and it rolls back;
 * - `reserve` is bounded while it waits; a connection that arrives late is released at once.
 * A streaming cursor (`.cursor(n)`, the CSV export) is not bounded: it runs as long as it reads.
 * Nothing is retried here, and no restart is needed: once the database answers again, so does this.
 */
export interface QueryDeadlineStats {
  /** Queries handed to the pool and not yet answered. */
  inFlight: number;
  /** Transactions and reserved connections open or waiting for a connection. */
  sessions: number;
  /** Waits that hit the deadline since start. */
  timeouts: number;
}

export const DATABASE_TIMEOUT_MESSAGE = "The database did not answer in time; retry shortly";

export const databaseTimeout = () => new DomainError("service_unavailable", DATABASE_TIMEOUT_MESSAGE);

/** The parts of a postgres.js Query (a lazy promise) this wrapper uses; not in its public types. */
interface PendingQueryInternals {
  handler: (q: PendingQueryInternals) => void;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  /** Set once a connection took the query (sent, or in that connection's pipeline). */
  state: unknown;
  cursorFn?: unknown;
  cancel(): unknown;
}

function isPendingQuery(x: unknown): x is PendingQueryInternals {
  return typeof x === "object" && x !== null && typeof Reflect.get(x, "handler") === "function" && typeof Reflect.get(x, "cancel") === "function";
}

interface Scope {
  abandoned: boolean;
  /** A statement inside this transaction timed out: give up on the whole transaction. */
  onStall?: () => void;
}

type Callback = (sql: postgres.TransactionSql) => unknown;
/** What `typeof x === "function"` narrows to (Reflect.apply's own parameter type). */
type AnyFunction = Parameters<typeof Reflect.apply>[0];

export interface BoundedSql {
  sql: Sql;
  stats: QueryDeadlineStats;
}

/**
 * `sql` with every wait bounded by `timeoutMs` (0: unbounded, `sql` itself). The result has the
 * same type and API; stats feed the metrics (database pool use).
 */
export function withQueryDeadline(sql: Sql, timeoutMs: number): BoundedSql {
  const stats: QueryDeadlineStats = { inFlight: 0, sessions: 0, timeouts: 0 };
  if (timeoutMs <= 0) return { sql, stats };

  /** Patches a query's handler (called once, when the query is handed to its pool or transaction). */
  function bound(q: PendingQueryInternals, scope: Scope | null): void {
    const handler = q.handler;
    q.handler = (query) => {
      if (scope?.abandoned) {
        query.reject(databaseTimeout());
        return;
      }
      // A cursor reads for as long as its consumer wants; statement_timeout bounds each batch.
      if (query.cursorFn) {
        handler(query);
        return;
      }
      stats.inFlight++;
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        stats.inFlight--;
        clearTimeout(timer);
        return true;
      };
      const { resolve, reject } = query;
      query.resolve = (value) => {
        settle();
        resolve(value);
      };
      query.reject = (err) => {
        settle();
        reject(err);
      };
      const timer = setTimeout(() => {
        if (!settle()) return;
        stats.timeouts++;
        const queued = !query.state;
        reject(databaseTimeout());
        // Still waiting for a connection: take it off the queue (postgres.js's cancel does exactly
        // that for a query no connection has taken). A query already sent is left to finish: a
        // cancel request could reach the server late and cancel another query on that connection.
        if (queued) Promise.resolve(query.cancel()).catch(() => undefined);
        scope?.onStall?.();
      }, timeoutMs);
      timer.unref?.();
      handler(query);
    };
  }

  function wrap<T extends Sql | postgres.TransactionSql | postgres.ReservedSql>(target: T, scope: Scope | null): T {
    return new Proxy(target, {
      apply(fn, thisArg, args) {
        const result = Reflect.apply(fn, thisArg, args);
        if (isPendingQuery(result)) bound(result, scope);
        return result;
      },
      get(obj, prop, receiver) {
        const value: unknown = Reflect.get(obj, prop, receiver);
        if (typeof value !== "function") return value;
        if (prop === "unsafe" || prop === "file") {
          return (...args: unknown[]) => {
            const result = Reflect.apply(value, obj, args);
            if (isPendingQuery(result)) bound(result, scope);
            return result;
          };
        }
        if (prop === "begin" && scope === null) return (...args: unknown[]) => begin(value, obj, args);
        if (prop === "reserve" && scope === null) return () => reserve(value, obj);
        return value;
      },
    });
  }

  function begin(original: AnyFunction, self: unknown, args: unknown[]): Promise<unknown> {
    const fn = args[args.length - 1];
    if (typeof fn !== "function") return Reflect.apply(original, self, args);
    const callback: Callback = (tx) => fn(tx);
    return new Promise((resolve, reject) => {
      const scope: Scope = { abandoned: false };
      stats.sessions++;
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return false;
        done = true;
        stats.sessions--;
        clearTimeout(timer);
        return true;
      };
      const abandon = () => {
        scope.abandoned = true;
        if (!finish()) return;
        stats.timeouts++;
        reject(databaseTimeout());
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(abandon, timeoutMs);
        timer.unref?.();
      };
      scope.onStall = abandon;
      arm(); // waiting for a connection and BEGIN
      const run = async (tx: postgres.TransactionSql) => {
        clearTimeout(timer);
        if (scope.abandoned) throw databaseTimeout();
        try {
          const x = callback(wrap(tx, scope));
          return await (Array.isArray(x) ? Promise.all(x) : x);
        } finally {
          if (!scope.abandoned) arm(); // COMMIT or ROLLBACK
        }
      };
      const started = Reflect.apply(original, self, args.length > 1 ? [args[0], run] : [run]);
      Promise.resolve(started).then(
        (value) => finish() && resolve(value),
        (err) => finish() && reject(err),
      );
    });
  }

  async function reserve(original: AnyFunction, self: unknown): Promise<postgres.ReservedSql> {
    stats.sessions++;
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const waiting: Promise<postgres.ReservedSql> = Reflect.apply(original, self, []);
    try {
      const reserved = await Promise.race([
        waiting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            late = true;
            stats.timeouts++;
            reject(databaseTimeout());
          }, timeoutMs);
          timer.unref?.();
        }),
      ]);
      clearTimeout(timer);
      const release = reserved.release;
      let released = false;
      const wrapped = wrap(reserved, null);
      reserved.release = () => {
        if (!released) stats.sessions--;
        released = true;
        release();
      };
      return wrapped;
    } catch (err) {
      clearTimeout(timer);
      stats.sessions--;
      // The connection may still come: give it back at once.
      if (late) waiting.then((r) => r.release()).catch(() => undefined);
      throw err;
    }
  }

  return { sql: wrap(sql, null), stats };
}
