import type { Env } from "../config/env";
import { createLogger, type Logger } from "../config/logger";
import { openDatabase, type Database } from "../db/connect";
import { migrate } from "../../db/migrate";
import { createMidtransGateway, type GatewayEnvironmentConfig, type Environment } from "../midtrans/gateway";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import type { PlatformContext } from "../platform/context";

export interface Platform {
  ctx: PlatformContext;
  database: Database;
  /** Present when this process started the Midtrans simulator itself. */
  simulator?: MidtransSimulator;
  /** Subscribe to "webhook events were committed" (workers wake at once instead of waiting to poll). */
  onWebhookEvents(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger?: Logger;
  /** Use this database instead of opening one from env (tests). */
  database?: Database;
  now?: () => Date;
}

/**
 * Builds everything a process needs: database (real or embedded) with migrations
 * applied, the Midtrans gateway (real keys, or the simulator for sandbox when no
 * sandbox key is configured), and the service context.
 */
export async function createPlatform(env: Env, opts: PlatformOptions = {}): Promise<Platform> {
  const logger = opts.logger ?? createLogger(env.LOG_LEVEL);
  const database = opts.database ?? (await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, logger }));
  let simulator: MidtransSimulator | undefined;
  try {
    const applied = await migrate(database.sql);
    if (applied.length) logger.info({ applied }, "migrations applied");

    const gatewayConfig: Partial<Record<Environment, GatewayEnvironmentConfig>> = {};
    if (env.MIDTRANS_SANDBOX_SERVER_KEY) {
      gatewayConfig.sandbox = { serverKey: env.MIDTRANS_SANDBOX_SERVER_KEY, clientKey: env.MIDTRANS_SANDBOX_CLIENT_KEY };
    } else {
      let baseUrl = env.MIDTRANS_SIMULATOR_URL;
      if (!baseUrl) {
        // Its control API has no authentication and lists buyers' e-mails: never next to real
        // money unless asked for, and on loopback only whatever HOST is (docs/api.md, README).
        if (env.MIDTRANS_PRODUCTION_SERVER_KEY && !env.MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS) {
          throw new Error(
            "Refusing to start the Midtrans simulator: production Midtrans keys are configured. Set MIDTRANS_SANDBOX_SERVER_KEY " +
              "(real Midtrans sandbox) or MIDTRANS_SIMULATOR_URL, or set MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS=true to run it anyway (on 127.0.0.1 only).",
          );
        }
        simulator = await startMidtransSimulator({
          serverKey: env.MIDTRANS_SIMULATOR_SERVER_KEY,
          port: env.MIDTRANS_SIMULATOR_PORT,
          host: "127.0.0.1",
          logger,
        });
        baseUrl = simulator.url;
      }
      gatewayConfig.sandbox = { serverKey: env.MIDTRANS_SIMULATOR_SERVER_KEY, baseUrl };
      logger.info({ url: baseUrl }, "sandbox payments use the Midtrans simulator");
    }
    if (env.MIDTRANS_PRODUCTION_SERVER_KEY) {
      gatewayConfig.production = { serverKey: env.MIDTRANS_PRODUCTION_SERVER_KEY, clientKey: env.MIDTRANS_PRODUCTION_CLIENT_KEY };
    }

    const listeners = new Set<() => void>();
    const ctx: PlatformContext = {
      sql: database.sql,
      dbKind: database.kind,
      gateway: createMidtransGateway(gatewayConfig, { timeoutMs: env.MIDTRANS_TIMEOUT_MS }),
      logger,
      config: {
        publicUrl: env.PUBLIC_URL,
        allowPrivateWebhookUrls: env.ALLOW_PRIVATE_WEBHOOK_URLS,
        productionKeysConfigured: Boolean(env.MIDTRANS_PRODUCTION_SERVER_KEY),
        rateLimits: {
          createPerClient: env.RATE_LIMIT_CREATE_PER_CLIENT,
          createPerIp: env.RATE_LIMIT_CREATE_PER_IP,
          verifyPerIp: env.RATE_LIMIT_VERIFY_PER_IP,
          notFoundPerIp: env.RATE_LIMIT_NOT_FOUND_PER_IP,
          itemsPerIp: env.RATE_LIMIT_ITEMS_PER_IP,
          rejectedNotificationPerIp: env.RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP,
        },
        rejectedNotificationRetentionDays: env.REJECTED_NOTIFICATION_RETENTION_DAYS,
      },
      onWebhookEventsWritten: () => {
        for (const l of listeners) l();
      },
      now: opts.now ?? (() => new Date()),
    };
    return {
      ctx,
      database,
      simulator,
      onWebhookEvents(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        await simulator?.close();
        if (!opts.database) await database.close();
      },
    };
  } catch (err) {
    await simulator?.close();
    if (!opts.database) await database.close();
    throw err;
  }
}
