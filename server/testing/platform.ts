import type { Server } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { envSchema } from "../config/env";
import { createLogger, type Logger } from "../config/logger";
import { createPlatform, type Platform } from "../runtime/platform";
import { listen } from "../runtime/http-server";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import { createProject, issueCredential } from "../projects/projects.service";
import type { Environment } from "../midtrans/gateway";
import { createTestDatabase } from "./database";
import { startFaultProxy } from "./fault-proxy";

export const TEST_SERVER_KEY = "SB-Mid-server-TEST-KEY";

export interface TestPlatform {
  platform: Platform;
  simulator: MidtransSimulator;
  proxy?: Awaited<ReturnType<typeof startFaultProxy>>;
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
} = {}): Promise<TestPlatform> {
  const logger = opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  const database = await createTestDatabase();
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
  const platform = await createPlatform(env, { logger, database, now: opts.now });
  const { server, url } = await listen(platform, { port: opts.listenPort ?? 0, host: "127.0.0.1", remixBuild: opts.remixBuild });
  // The public URL is only known once listening: Snap's finish and notification URLs use it.
  platform.ctx.config.publicUrl = url;

  return {
    platform,
    simulator,
    proxy,
    url,
    server,
    sql: platform.ctx.sql,
    async createMerchant(o = {}) {
      const project = await createProject(platform.ctx.sql, {
        name: o.name ?? "Warung Bu Sari",
        webhook_url: o.webhook_url ?? null,
        store_url_template: o.store_url_template === undefined ? "https://shop.example.com/{store_slug}" : o.store_url_template,
      });
      const cred = await issueCredential(platform.ctx.sql, project.id, o.environment ?? "sandbox");
      return { project_id: project.id, client_id: cred.client_id, client_secret: cred.client_secret, webhook_secret: project.webhook_secret };
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await platform.close();
      await proxy?.close();
      await simulator.close();
      await database.close();
    },
  };
}

export { waitFor } from "./wait";
