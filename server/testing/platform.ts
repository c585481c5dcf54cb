import type { Server } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { envSchema } from "../config/env";
import { createLogger, type Logger } from "../config/logger";
import { createPlatform, type Platform, type PlatformOptions } from "../runtime/platform";
import { listen } from "../runtime/http-server";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import { createProject, issueCredential } from "../projects/projects.service";
import type { Environment } from "../midtrans/gateway";
import { connectPostgres, type Database } from "../db/connect";
import type { PlatformContext } from "../platform/context";
import { createTestDatabase } from "./database";
import { startFaultProxy } from "./fault-proxy";
import { startTcpFaultProxy, type TcpFaultProxy } from "./tcp-fault-proxy";

const hostAndPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432) };
};

export const TEST_SERVER_KEY = "SB-Mid-server-TEST-KEY";

/**
 * Midtrans (here the simulator) knows each payment by the order id Astapa derived for it, the
 * merchant's + `~` + 9 random characters (docs/decisions/0004-midtrans-order-ids.md). Tests name
 * payments by the merchant's order id: this handle accepts either, and picks the newest derived
 * id (a retried create's) when given a merchant order id Midtrans does not know itself.
 */
export function simulatorByMerchantOrderId(sim: MidtransSimulator): MidtransSimulator {
  const derivedFrom = (orderId: string) => new RegExp(`^${orderId.slice(0, 40).replace(/[.]/g, "\\.")}~[0-9a-z]{9}$`);
  const resolve = (id: string) =>
    sim.getTransaction(id) ? id : (sim.listTransactions().filter((tx) => derivedFrom(id).test(tx.order_id)).at(-1)?.order_id ?? id);
  return {
    ...sim,
    pay: (id, method) => sim.pay(resolve(id), method),
    approve: (id) => sim.approve(resolve(id)),
    deny: (id) => sim.deny(resolve(id)),
    cancel: (id) => sim.cancel(resolve(id)),
    expire: (id) => sim.expire(resolve(id)),
    refund: (id, amount, reason) => sim.refund(resolve(id), amount, reason),
    resendNotification: (id) => sim.resendNotification(resolve(id)),
    getTransaction: (id) => sim.getTransaction(resolve(id)),
  };
}

export interface TestPlatform {
  platform: Platform;
  simulator: MidtransSimulator;
  proxy?: Awaited<ReturnType<typeof startFaultProxy>>;
  /** With `databaseProxy`: the TCP proxy every platform query goes through (freeze/thaw). */
  dbProxy?: TcpFaultProxy;
  /** Base URL of the Astapa HTTP server. */
  url: string;
  server: Server;
  sql: Platform["ctx"]["sql"];
  /** A project with a credential for `environment` (default sandbox). */
  createMerchant(opts?: { name?: string; webhook_url?: string | null; store_url_template?: string | null; environment?: Environment }): Promise<{
    project_id: string;
    client_id: string;
    client_secret: string;
    webhook_secret: string;
  }>;
  /**
   * The context a second process would have: its own connection pool on real PostgreSQL (closed
   * with the platform); embedded has only the one connection, so it is the platform's own context.
   */
  otherProcessContext(): Promise<PlatformContext>;
  close(): Promise<void>;
}

/**
 * The real platform for a test file: a fresh database, a real simulator over HTTP
 * (fast notification retries), and the HTTP server on a random port.
 */
export async function startTestPlatform(opts: {
  env?: Record<string, string>;
  remixBuild?: ServerBuild;
  simulatorRetryDelaysMs?: number[];
  now?: () => Date;
  /** Default 0: a random free port. */
  listenPort?: number;
  logger?: Logger;
  /** Put a fault-injecting proxy between the platform and the simulator (t.proxy). */
  faultProxy?: boolean;
  /** Put a freezable TCP proxy between the platform and its database (t.dbProxy). */
  databaseProxy?: boolean;
  /** The `last_used_at` writer's intervals (server/projects/credential-usage.ts). */
  credentialUsage?: PlatformOptions["credentialUsage"];
} = {}): Promise<TestPlatform> {
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  const database = await createTestDatabase({ migrated: true });
  const simulator = await startMidtransSimulator({
    serverKey: TEST_SERVER_KEY,
    notificationRetryDelaysMs: opts.simulatorRetryDelaysMs ?? [100, 200, 400],
    notificationTimeoutMs: 5000,
  });
  const proxy = opts.faultProxy ? await startFaultProxy(simulator.url) : undefined;
  const env = envSchema.parse({
    NODE_ENV: "test",
    PORT: "0",
    MIDTRANS_SIMULATOR_URL: proxy?.url ?? simulator.url,
    MIDTRANS_SIMULATOR_SERVER_KEY: TEST_SERVER_KEY,
    MIDTRANS_TIMEOUT_MS: "3000",
    ...opts.env,
  });
  // Through the TCP proxy, the platform has its own pool to the same database (embedded: the
  // test database's one connection is closed first, PGlite serves one at a time).
  const dbProxy = opts.databaseProxy ? await startTcpFaultProxy(hostAndPort(database.url)) : undefined;
  if (dbProxy && database.kind === "embedded") await database.sql.end();
  const proxied = dbProxy ? await connectPostgres(dbProxy.urlFor(database.url), { max: database.kind === "embedded" ? 1 : 10 }) : undefined;
  const platform = await createPlatform(env, { logger, database: proxied ? { ...proxied, kind: database.kind } : database, now: opts.now, credentialUsage: opts.credentialUsage });
  const { server, url } = await listen(platform, { port: opts.listenPort ?? 0, host: "127.0.0.1", remixBuild: opts.remixBuild });
  // The public URL is only known once listening: Snap's finish and notification URLs use it.
  platform.ctx.config.publicUrl = url;
  const extraPools: Database[] = [];

  return {
    platform,
    simulator: simulatorByMerchantOrderId(simulator),
    proxy,
    dbProxy,
    url,
    server,
    sql: platform.ctx.sql,
    async otherProcessContext() {
      if (database.kind !== "postgres") return platform.ctx;
      const pool = await connectPostgres(database.url, { max: 5 });
      extraPools.push(pool);
      return { ...platform.ctx, sql: pool.sql };
    },
    async createMerchant(o = {}) {
      const environment = o.environment ?? "sandbox";
      const project = await createProject(platform.ctx.sql, {
        name: o.name ?? "Warung Bu Sari",
        webhook_urls: { [environment]: o.webhook_url ?? null },
        store_url_template: o.store_url_template === undefined ? "https://shop.example.com/{store_slug}" : o.store_url_template,
      });
      const cred = await issueCredential(platform.ctx.sql, project.id, environment);
      return { project_id: project.id, client_id: cred.client_id, client_secret: cred.client_secret, webhook_secret: project.endpoints[environment].secret };
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      for (const pool of extraPools) await pool.close();
      await platform.close();
      await proxied?.close();
      await dbProxy?.close();
      await proxy?.close();
      await simulator.close();
      await database.close();
    },
  };
}

export { waitFor } from "./wait";
