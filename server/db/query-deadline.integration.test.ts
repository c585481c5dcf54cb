import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as delay } from "node:timers/promises";
import { createTestDatabase } from "../testing/database";
import { startTcpFaultProxy, type TcpFaultProxy } from "../testing/tcp-fault-proxy";
import { connectPostgres, type Database } from "./connect";
import { withQueryDeadline, type BoundedSql } from "./query-deadline";
import { toDomainError } from "../http/errors";

/**
 * The bounded pool on its own, through a frozen TCP path (docs/operations.md#bounded-database-waits):
 * transactions and reserved connections give up in time, and what they left waiting never holds a
 * connection once the path heals. A pool of one connection makes a leaked connection visible: the
 * next query would wait forever.
 */
let database: Database;
let proxy: TcpFaultProxy;
let direct: Database;
let b: BoundedSql;

beforeAll(async () => {
  database = await createTestDatabase();
  const u = new URL(database.url);
  proxy = await startTcpFaultProxy({ host: u.hostname, port: Number(u.port) });
  if (database.kind === "embedded") await database.sql.end();
  direct = await connectPostgres(proxy.urlFor(database.url), { max: 1 });
  b = withQueryDeadline(direct.sql, 300);
  await b.sql`create table if not exists deadline_probe (id int primary key)`;
});
afterAll(async () => {
  proxy?.thaw();
  await direct?.close();
  await proxy?.close();
  await database?.close();
});

const isTimeout = (err: unknown) => toDomainError(err).code === "service_unavailable";

describe("withQueryDeadline", () => {
  it("a transaction waiting on a frozen path rejects with service_unavailable; after the thaw it has written nothing and the pool works", async () => {
    proxy.freeze();
    const started = b.sql.begin(async (tx) => {
      await tx`insert into deadline_probe values (1)`;
      await tx`insert into deadline_probe values (2)`;
    });
    await expect(started).rejects.toSatisfy(isTimeout);
    expect(b.stats.timeouts).toBeGreaterThanOrEqual(1);
    proxy.thaw();
    const rows = await b.sql<{ id: number }[]>`select id from deadline_probe order by id`;
    expect(rows).toEqual([]);
    expect(b.stats.inFlight).toBe(0);
    expect(b.stats.sessions).toBe(0);
  });

  it("reserve gives up in time, and the connection that arrives late is released (a pool of one still answers)", async () => {
    proxy.freeze();
    const blocker = b.sql`select 1 as one`.execute(); // takes the only connection, frozen
    await new Promise(setImmediate); // postgres.js hands a query to its pool a microtask later
    const reserving = b.sql.reserve();
    await expect(blocker).rejects.toSatisfy(isTimeout);
    await expect(reserving).rejects.toSatisfy(isTimeout);
    proxy.thaw();
    const [{ one }] = await b.sql<{ one: number }[]>`select 1 as one`;
    expect(one).toBe(1);
    const reserved = await b.sql.reserve();
    expect((await reserved`select 2 as two`)[0].two).toBe(2);
    reserved.release();
    expect(b.stats.sessions).toBe(0);
  });

  it("a streaming cursor is not cut by the deadline while its consumer is slow", async () => {
    let batches = 0;
    for await (const rows of b.sql`select g from generate_series(1, 30) g`.cursor(10)) {
      expect(rows).toHaveLength(10);
      batches++;
      await delay(400); // longer than the 300 ms deadline, per batch
    }
    expect(batches).toBe(3);
  });
});

describe.runIf(process.env.DATABASE_URL)("statement_timeout (DB_STATEMENT_TIMEOUT_MS, real PostgreSQL)", () => {
  it("a statement running past it is ended by the server with 57014, answered as service_unavailable", async () => {
    // A startup parameter: PgBouncer 1.18 drops it (npm run test:pgbouncer), where the server sets the bound (docs/scaling.md#pgbouncer).
    const pool = await connectPostgres(database.directUrl ?? database.url, { max: 1, statementTimeoutMs: 200 });
    try {
      const err = await pool.sql`select pg_sleep(2)`.then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as { code?: string }).code).toBe("57014");
      expect(toDomainError(err).code).toBe("service_unavailable");
      const [{ setting }] = await pool.sql<{ setting: string }[]>`select current_setting('statement_timeout') as setting`;
      expect(setting).toBe("200ms");
    } finally {
      await pool.close();
    }
  });
});
