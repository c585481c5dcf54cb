// Verify answered from a per-process cache, kept current across processes by LISTEN/NOTIFY
// (docs/decisions/0016-verify-cache.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import { envSchema } from "../config/env";
import { createLogger } from "../config/logger";
import { createPlatform, type Platform } from "../runtime/platform";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { startTcpFaultProxy, type TcpFaultProxy } from "../testing/tcp-fault-proxy";
import { getJson, postJson } from "../testing/http";
import { DomainError } from "../lib/errors";
import type { Database } from "../db/connect";
import { verifyPayment } from "./payments.service";
import { createPublicPaymentCache, type PublicPaymentCache } from "./public-payment-cache";
import { PUBLIC_PAYMENTS_LISTENER_NAME } from "./public-payment-invalidation";

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;
const orderId = () => `cache-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  t = await startTestPlatform();
  m = await t.createMerchant();
});
afterAll(async () => {
  await t?.close();
});

const create = async (id: string, merchant = m) => {
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: merchant.client_id,
    client_secret: merchant.client_secret,
    amount: 25000,
    order_id: id,
    buyer_email: "buyer@example.com",
    metadata: { store_name: "Toko", store_slug: "toko" },
  });
  expect(r.status).toBe(201);
  return r;
};
const statusIn = async (id: string) => (await t.sql<{ status: string }[]>`select status from purchases where order_id = ${id}`)[0]?.status;
const pay = async (id: string) => {
  await t.simulator.pay(id, { type: "gopay" });
  await t.simulator.approve(id);
  await waitFor(async () => (await statusIn(id)) === "settlement", { what: "settlement committed" });
};
/**
 * Verify until the answer is served from `cache`: a create's own NOTIFYs may arrive after the
 * first read and drop it once.
 */
const kept = (ctx: Platform["ctx"], cache: PublicPaymentCache, id: string, clientId?: string) =>
  waitFor(async () => {
    const hits = cache.stats().hits;
    const v = await verifyPayment(ctx, id, clientId);
    return cache.stats().hits > hits && v;
  }, { what: `${id} kept` });
const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof DomainError ? e.code : String(e);
  }
};

describe("verify in one process (any database)", () => {
  it("repeated polls share one answer; a not-found is never kept (a create may follow)", async () => {
    const id = orderId();
    expect(await codeOf(verifyPayment(t.platform.ctx, id))).toBe("not_found");
    await create(id);
    // At once: the miss was not kept.
    const first = await verifyPayment(t.platform.ctx, id);
    expect(first).toMatchObject({ order_id: id, status: "pending", amount: 25000, store_name: "Toko" });
    expect(await kept(t.platform.ctx, t.platform.publicPayments.cache, id)).toEqual(first);
    // Over HTTP too, the same bytes as before the cache.
    const v = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`);
    expect(v.status).toBe(200);
    expect(v.json).toEqual(first);
  });
});

/** Where a process LISTENs: the database directly (DATABASE_DIRECT_URL behind PgBouncer), else its one URL. */
const listenUrl = () => t.platform.database.directUrl ?? t.platform.database.url;

/** A second process's platform on the same database, counting every query its pool sends. */
async function secondProcess(opts: { listenThrough?: TcpFaultProxy; cache?: PublicPaymentCache } = {}) {
  const url = t.platform.database.url;
  let queries = 0;
  const sql = postgres(url, {
    max: 5,
    onnotice: () => {},
    debug: () => {
      queries += 1;
    },
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => x.toString(), parse: (x: string) => Number(x) } },
  });
  const database: Database = {
    sql,
    kind: "postgres",
    url,
    // LISTEN goes straight to PostgreSQL (through PgBouncer's transaction mode it cannot work).
    directUrl: opts.listenThrough ? opts.listenThrough.urlFor(listenUrl()) : t.platform.database.directUrl,
    close: () => sql.end({ timeout: 5 }),
  };
  const env = envSchema.parse({ NODE_ENV: "test", PORT: "0", MIDTRANS_SIMULATOR_URL: t.simulator.url, MIDTRANS_SIMULATOR_SERVER_KEY: "SB-Mid-server-TEST-KEY" });
  const platform: Platform = await createPlatform(env, { database, logger: createLogger("silent"), publicPaymentCache: opts.cache });
  return {
    platform,
    queries: () => queries,
    async close() {
      await platform.close();
      await database.close();
    },
  };
}

describe.runIf(process.env.DATABASE_URL)("verify across processes (real PostgreSQL, LISTEN/NOTIFY)", () => {
  let b: Awaited<ReturnType<typeof secondProcess>>;
  beforeAll(async () => {
    // Its clock never moves: no answer expires, so only a NOTIFY can change what it serves.
    b = await secondProcess({ cache: createPublicPaymentCache({ now: () => 0 }) });
  });
  afterAll(async () => {
    await b?.close();
  });

  it("answers repeated polls with zero database queries, with and without client_id", async () => {
    const id = orderId();
    await create(id);
    const first = await kept(b.platform.ctx, b.platform.publicPayments.cache, id);
    const firstForClient = await kept(b.platform.ctx, b.platform.publicPayments.cache, id, m.client_id);
    expect(firstForClient).toEqual(first);
    const before = b.queries();
    for (let i = 0; i < 20; i++) {
      expect(await verifyPayment(b.platform.ctx, id)).toEqual(first);
      expect(await verifyPayment(b.platform.ctx, id, m.client_id)).toEqual(first);
    }
    expect(b.queries()).toBe(before);
    // An unknown order id is asked every time.
    await codeOf(verifyPayment(b.platform.ctx, `${id}-missing`));
    expect(b.queries()).toBe(before + 1);
  });

  it("a status change committed by another process is what the next verify answers", async () => {
    const id = orderId();
    await create(id);
    expect((await verifyPayment(b.platform.ctx, id)).status).toBe("pending");
    expect((await verifyPayment(b.platform.ctx, id, m.client_id)).status).toBe("pending");
    await pay(id); // handled by the first platform
    const settled = await waitFor(async () => {
      const v = await verifyPayment(b.platform.ctx, id);
      return v.status === "settlement" && v;
    }, { what: "the second process to see the settlement" });
    expect(settled.paid_at).toMatch(/Z$/);
    expect((await verifyPayment(b.platform.ctx, id, m.client_id)).status).toBe("settlement");
  });

  it("an order id that another merchant starts using becomes ambiguous for verify without client_id", async () => {
    const id = orderId();
    await create(id);
    expect((await verifyPayment(b.platform.ctx, id)).status).toBe("pending");
    const other = await t.createMerchant({ name: "Toko Lain" });
    await create(id, other);
    await waitFor(async () => (await codeOf(verifyPayment(b.platform.ctx, id))) === "ambiguous_order_id", { what: "ambiguous_order_id" });
    // Each merchant's client_id still chooses its own payment.
    expect((await verifyPayment(b.platform.ctx, id, m.client_id)).order_id).toBe(id);
    expect((await verifyPayment(b.platform.ctx, id, other.client_id)).order_id).toBe(id);
  });

  it("a changed store URL template reaches every cached answer", async () => {
    const id = orderId();
    await create(id);
    expect((await verifyPayment(b.platform.ctx, id)).redirect_url).toBe("https://shop.example.com/toko");
    await t.sql`update projects set store_url_template = 'https://new.example.com/{store_slug}' where id = ${m.project_id}`;
    try {
      await waitFor(async () => (await verifyPayment(b.platform.ctx, id)).redirect_url === "https://new.example.com/toko", { what: "the new redirect_url" });
    } finally {
      await t.sql`update projects set store_url_template = 'https://shop.example.com/{store_slug}' where id = ${m.project_id}`;
    }
  });

  it("a lost NOTIFY (the LISTEN path stalled) is bounded by the TTL; a reconnect drops everything", async () => {
    const direct = new URL(listenUrl());
    const proxy = await startTcpFaultProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    let clock = 0;
    const cache = createPublicPaymentCache({ now: () => clock, openTtlMs: 1000 });
    const c = await secondProcess({ listenThrough: proxy, cache });
    try {
      const id = orderId();
      await create(id);
      // While its heartbeat arrives, answers live long: NOTIFYs keep them current.
      await waitFor(() => cache.stats().listening, { what: "the LISTEN's heartbeat" });
      proxy.freeze(); // no NOTIFY arrives while frozen
      // The heartbeat is late: every answer falls back to the short TTLs.
      await waitFor(() => !cache.stats().listening, { what: "the heartbeat to be late" });
      expect((await kept(c.platform.ctx, cache, id)).status).toBe("pending");
      await pay(id);
      // The stalled listener dropped nothing: the kept answer stands until its TTL…
      expect((await verifyPayment(c.platform.ctx, id)).status).toBe("pending");
      clock += 1001;
      // …after which the database is asked again.
      expect((await verifyPayment(c.platform.ctx, id)).status).toBe("settlement");

      // The LISTEN connection dies: postgres.js reconnects and the cache starts empty.
      proxy.thaw();
      await waitFor(() => cache.stats().listening, { what: "the heartbeat back" });
      const other = orderId();
      await create(other);
      await kept(c.platform.ctx, cache, other);
      const size = cache.stats().size;
      expect(size).toBeGreaterThan(0);
      // Every listener of this test database (the other platforms' reconnect too).
      const [{ n }] = await t.sql<{ n: number }[]>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = ${PUBLIC_PAYMENTS_LISTENER_NAME} and datname = current_database()`;
      expect(n).toBeGreaterThan(0);
      await waitFor(() => cache.stats().size === 0, { what: "the cache to be dropped on reconnect" });
    } finally {
      proxy.thaw();
      await c.close();
      await proxy.close();
    }
  });
});
