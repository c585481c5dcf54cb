import path from "node:path";
import type { Env } from "../config/env";
import { createLogger, type Logger } from "../config/logger";
import { openDatabase, type Database } from "../db/connect";
import { openCounterStore } from "../db/rate-limits";
import { migrate } from "../../db/migrate";
import { createMidtransGateway, type GatewayEnvironmentConfig, type Environment } from "../midtrans/gateway";
import { startMidtransSimulator, type MidtransSimulator } from "../simulator";
import type { PlatformContext } from "../platform/context";
import { withQueryDeadline } from "../db/query-deadline";
import { webhookQueueStats } from "../db/health.queries";
import { createMetrics, registerScrapeGauges, type Metrics } from "../platform/metrics";
import { instrumentGateway } from "./instrument-gateway";
import { loadTwoFactorKey, TWO_FACTOR_KEY_FILE } from "../admin/two-factor.key";
import { createPublicPaymentCache, type PublicPaymentCache } from "../payments/public-payment-cache";
import { startPublicPaymentInvalidation, type PublicPaymentInvalidation } from "../payments/public-payment-invalidation";
import { startCredentialUsageRecorder, type CredentialUsageOptions, type CredentialUsageRecorder } from "../projects/credential-usage";

export interface Platform {
  ctx: PlatformContext;
  database: Database;
  /** Present when this process started the Midtrans simulator itself. */
  simulator?: MidtransSimulator;
  /** Subscribe to "webhook events were committed" (workers wake at once instead of waiting to poll). */
  onWebhookEvents(listener: () => void): () => void;
  /** Verify's answers in this process and what keeps them current (docs/decisions/0016-verify-cache.md). */
  publicPayments: { cache: PublicPaymentCache; invalidation: PublicPaymentInvalidation };
  /** Credentials' uses held in memory, written to `last_used_at` by its timer (flushed on close). */
  credentialUsage: CredentialUsageRecorder;
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger?: Logger;
  /** Use this database instead of opening one from env (tests). */
  database?: Database;
  now?: () => Date;
  /** Use this metrics registry (default: a new one per platform). */
  metrics?: Metrics;
  /** Verify's cache (default: 50,000 entries, 1 s while open, 5 s otherwise). */
  publicPaymentCache?: PublicPaymentCache;
  /** The `last_used_at` writer's intervals (default: look every 5 s, write each credential at most once a minute). */
  credentialUsage?: Pick<CredentialUsageOptions, "flushIntervalMs" | "writeIntervalMs">;
}

/**
 * Builds everything a process needs: database (real or embedded) with migrations
 * applied, the Midtrans gateway (real keys, or the simulator for sandbox when no
 * sandbox key is configured), and the service context.
 */
export async function createPlatform(env: Env, opts: PlatformOptions = {}): Promise<Platform> {
  const logger = opts.logger ?? createLogger(env.LOG_LEVEL);
  const database =
    opts.database ?? (await openDatabase({ databaseUrl: env.DATABASE_URL, databaseDirectUrl: env.DATABASE_DIRECT_URL, dataDir: env.DATA_DIR, logger, statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS }));
  let simulator: MidtransSimulator | undefined;
  let counters: ReturnType<typeof openCounterStore> | undefined;
  let credentialUsage: CredentialUsageRecorder | undefined;
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
          // Its transactions survive a restart, as Midtrans's do: Astapa's pending payments stay payable.
          stateDir: path.join(env.DATA_DIR, "simulator"),
        });
        baseUrl = simulator.url;
      }
      gatewayConfig.sandbox = { serverKey: env.MIDTRANS_SIMULATOR_SERVER_KEY, baseUrl };
      logger.info({ url: baseUrl }, "sandbox payments use the Midtrans simulator");
    }
    if (env.MIDTRANS_PRODUCTION_SERVER_KEY) {
      gatewayConfig.production = { serverKey: env.MIDTRANS_PRODUCTION_SERVER_KEY, clientKey: env.MIDTRANS_PRODUCTION_CLIENT_KEY };
    }

    const twoFactorKey = loadTwoFactorKey({ configured: env.ADMIN_TOTP_KEY, dataDir: env.DATA_DIR });
    if (twoFactorKey.source === "generated") logger.warn({ file: path.join(env.DATA_DIR, TWO_FACTOR_KEY_FILE) }, "generated the key for two-factor secrets; set ADMIN_TOTP_KEY when several processes or hosts share the database");
    const listeners = new Set<() => void>();
    // Every wait for the database is bounded (503 after DB_QUERY_TIMEOUT_MS); migrations above are not.
    const bounded = withQueryDeadline(database.sql, env.DB_QUERY_TIMEOUT_MS);
    const metrics: Metrics = opts.metrics ?? createMetrics({ processMetrics: env.METRICS_PORT !== undefined });
    registerScrapeGauges(metrics, {
      webhookQueue: () => webhookQueueStats(bounded.sql),
      pool: () => ({ ...bounded.stats, max: database.kind === "embedded" ? 1 : (database.sql.options.max ?? 0) }),
    });
    counters = openCounterStore({ dbKind: database.kind, sql: bounded.sql, redisUrl: env.REDIS_URL });
    const now = opts.now ?? (() => new Date());
    const usage = startCredentialUsageRecorder({ sql: bounded.sql, logger, now, ...opts.credentialUsage });
    credentialUsage = usage;
    const ctx: PlatformContext = {
      sql: bounded.sql,
      dbKind: database.kind,
      counters,
      gateway: instrumentGateway(createMidtransGateway(gatewayConfig, { timeoutMs: env.MIDTRANS_TIMEOUT_MS }), metrics),
      logger,
      metrics,
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
        rawBodyRetentionDays: env.RAW_BODY_RETENTION_DAYS,
        dbQueryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
        runsWorkers: env.RUN_WORKERS,
        readyWorkerMaxAgeSeconds: env.READY_WORKER_MAX_AGE_SECONDS,
        twoFactorKey: twoFactorKey.key,
      },
      credentialUsage: usage,
      onWebhookEventsWritten: () => {
        for (const l of listeners) l();
      },
      now,
    };
    const onWebhookEvents = (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };
    // Every status change writes a merchant event, so that signal also tells of this process's own writes.
    const cache = opts.publicPaymentCache ?? createPublicPaymentCache();
    ctx.publicPayments = cache;
    const invalidation = startPublicPaymentInvalidation({ cache, dbKind: database.kind, database, logger, onWrites: onWebhookEvents });
    await invalidation.ready;
    return {
      ctx,
      database,
      simulator,
      onWebhookEvents,
      publicPayments: { cache, invalidation },
      credentialUsage: usage,
      async close() {
        // Before the database closes: the uses still held are written.
        await usage.stop();
        await invalidation.stop();
        await counters?.close();
        await simulator?.close();
        if (!opts.database) await database.close();
      },
    };
  } catch (err) {
    await credentialUsage?.stop();
    await counters?.close();
    await simulator?.close();
    if (!opts.database) await database.close();
    throw err;
  }
}
