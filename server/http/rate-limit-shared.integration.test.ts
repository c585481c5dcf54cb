import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envSchema } from "../config/env";
import { createLogger } from "../config/logger";
import { connectPostgres, type Database } from "../db/connect";
import { createPlatform, type Platform } from "../runtime/platform";
import { listen } from "../runtime/http-server";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import { createTestDatabase } from "../testing/database";
import { createAdmin } from "../admin/admin-users.service";
import { systemActor } from "../admin/audit.service";
import { login } from "../admin/sessions.service";
import { TEST_SERVER_KEY } from "../testing/platform";

// Two web processes on one PostgreSQL (or one Redis) must together allow the configured rate,
// not twice it (issue #17, finding 9). Each "process" here is a platform of its own: its own
// connection pool, its own limiters and its own HTTP server, sharing only the database (and
// Redis), as two `npm start` processes do. Several processes need a real PostgreSQL: the
// embedded one serves one process, whose in-memory limits rate-limit.integration.test.ts checks.

const VERIFY_LIMIT = 200;
/** The documented bound (server/db/rate-limits.ts): each process runs ahead by at most one block (5 %). */
const BLOCK = Math.floor(VERIFY_LIMIT * 0.05);

interface Proc {
  platform: Platform;
  database: Database;
  url: string;
  close(): Promise<void>;
}

async function startProcess(databaseUrl: string, simulator: MidtransSimulator, env: Record<string, string>): Promise<Proc> {
  const database = await connectPostgres(databaseUrl, { max: 5 });
  const platform = await createPlatform(
    envSchema.parse({
      NODE_ENV: "test",
      MIDTRANS_SIMULATOR_URL: simulator.url,
      MIDTRANS_SIMULATOR_SERVER_KEY: TEST_SERVER_KEY,
      RATE_LIMIT_VERIFY_PER_IP: String(VERIFY_LIMIT),
      RATE_LIMIT_NOT_FOUND_PER_IP: "0",
      ...env,
    }),
    { database, logger: createLogger(process.env.TEST_LOG_LEVEL ?? "silent") },
  );
  const { server, url } = await listen(platform, { port: 0, host: "127.0.0.1" });
  return {
    platform,
    database,
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await platform.close();
      await database.close();
    },
  };
}

/** An address no earlier run used (Redis outlives a test run; its windows last a minute). */
const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function verifyStatus(url: string, ip: string): Promise<number> {
  const res = await fetch(`${url}/api/platform/shop-payment/verify?order_id=no-such-order`, { headers: { "x-forwarded-for": ip } });
  await res.arrayBuffer();
  return res.status;
}

/** `total` verify calls, alternating between the processes, `concurrency` at a time; the number answered (not 429). */
async function allowedOf(procs: Proc[], ip: string, total: number, concurrency: number): Promise<{ allowed: number; byProcess: number[] }> {
  const byProcess = procs.map(() => 0);
  let next = 0;
  const runner = async () => {
    while (next < total) {
      const i = next++;
      const p = i % procs.length;
      const status = await verifyStatus(procs[p].url, ip);
      expect([404, 429]).toContain(status);
      if (status === 404) byProcess[p]++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, runner));
  return { allowed: byProcess.reduce((a, b) => a + b, 0), byProcess };
}

function sharedLimitTests(store: "postgres" | "redis", env: () => Record<string, string>) {
  let db: Database;
  let simulator: MidtransSimulator;
  let a: Proc;
  let b: Proc;

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    simulator = await startMidtransSimulator({ serverKey: TEST_SERVER_KEY });
    a = await startProcess(db.url, simulator, env());
    b = await startProcess(db.url, simulator, env());
    expect(a.platform.ctx.counters?.kind).toBe(store);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await simulator?.close();
    await db?.close();
  });

  it(`two processes together allow the verify limit (${VERIFY_LIMIT}/min per IP), not twice it: steady traffic`, async () => {
    const r = await allowedOf([a, b], freshIp(), 3 * VERIFY_LIMIT, 8);
    console.info(`[${store}] two processes, limit ${VERIFY_LIMIT}: ${r.allowed} allowed (${r.byProcess.join(" + ")}) of ${3 * VERIFY_LIMIT}`);
    expect(r.allowed).toBeGreaterThanOrEqual(VERIFY_LIMIT);
    expect(r.allowed).toBeLessThanOrEqual(VERIFY_LIMIT + 2 * BLOCK);
    // Both processes served: the budget was shared, not taken by one.
    expect(Math.min(...r.byProcess)).toBeGreaterThan(0);
  });

  // Not through PgBouncer (npm run test:pgbouncer sets DATABASE_DIRECT_URL): under this burst,
  // PgBouncer 1.18 in transaction mode sometimes answered claims late ("got packet from server
  // when not linked" in its log), the claims passed their 2 s bound and each process counted
  // alone (400 of 200) — the documented fallback, a known limit in docs/scaling.md.
  it.runIf(store === "redis" || !process.env.DATABASE_DIRECT_URL)("two processes together allow the verify limit: a burst of 300 parallel requests at each", async () => {
    const r = await allowedOf([a, b], freshIp(), 600, 600);
    console.info(`[${store}] two processes, limit ${VERIFY_LIMIT}, 600 parallel: ${r.allowed} allowed (${r.byProcess.join(" + ")})`);
    expect(r.allowed).toBeGreaterThanOrEqual(VERIFY_LIMIT);
    expect(r.allowed).toBeLessThanOrEqual(VERIFY_LIMIT + 2 * BLOCK);
  });

  it("admin sign-in is strict across processes: of 12 wrong passwords over two processes exactly 5 are checked", async () => {
    const email = `shared-${randomInt(1e9)}@astapa.test`;
    await createAdmin(a.platform.ctx.sql, { email, password: "correct horse battery staple" }, systemActor("test"));
    const ip = freshIp();
    const codes: string[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const ctx = (i % 2 ? a : b).platform.ctx;
        try {
          await login(ctx, { email, password: "wrong password!", ip });
          codes.push("ok");
        } catch (err) {
          codes.push((err as { code?: string }).code ?? "error");
        }
      }),
    );
    expect(codes.filter((c) => c === "unauthorized")).toHaveLength(5);
    expect(codes.filter((c) => c === "rate_limited")).toHaveLength(7);
  });
}

describe.runIf(process.env.DATABASE_URL)("rate limits shared through PostgreSQL", () => {
  sharedLimitTests("postgres", () => ({}));
});

// Redis is optional (REDIS_URL); .ci/run starts one and sets TEST_REDIS_URL.
describe.runIf(process.env.DATABASE_URL && process.env.TEST_REDIS_URL)("rate limits shared through Redis (REDIS_URL)", () => {
  sharedLimitTests("redis", () => ({ REDIS_URL: process.env.TEST_REDIS_URL! }));
});
