import type { Logger } from "../config/logger";
import type { Sql } from "../db/connect";
import type { CounterStore } from "../db/rate-limits";
import type { MidtransGateway } from "../midtrans/gateway";
import type { Metrics } from "./metrics";

/**
 * What every service needs, built once per process (server/runtime/platform.ts) and
 * handed to transports: REST, tRPC, Remix loaders (through the load context), workers.
 */
export interface PlatformContext {
  sql: Sql;
  dbKind: "postgres" | "embedded";
  /** Where the rate limits are counted across processes (server/db/rate-limits.ts); none: in memory (embedded). */
  counters?: CounterStore;
  gateway: MidtransGateway;
  logger: Logger;
  /** This platform's Prometheus metrics (served on METRICS_PORT by server/runtime/metrics-server.ts). */
  metrics: Metrics;
  config: {
    publicUrl: string;
    allowPrivateWebhookUrls: boolean;
    /** Production Midtrans keys are configured: every webhook endpoint must be public (server/webhooks/destination.ts). */
    productionKeysConfigured: boolean;
    /** Requests per minute (0 = off); see server/http/rate-limit.ts. */
    rateLimits: {
      createPerClient: number;
      createPerIp: number;
      verifyPerIp: number;
      notFoundPerIp: number;
      itemsPerIp: number;
      rejectedNotificationPerIp: number;
    };
    /** Days a rejected Midtrans notification's excerpt is kept (the workers prune older ones). */
    rejectedNotificationRetentionDays: number;
    /** The bound on a wait for the database (DB_QUERY_TIMEOUT_MS; server/db/query-deadline.ts). */
    dbQueryTimeoutMs: number;
    /** /readyz: this process runs the workers (RUN_WORKERS), so their heartbeat is part of its readiness. */
    runsWorkers: boolean;
    /** /readyz: the newest worker heartbeat may be this old (READY_WORKER_MAX_AGE_SECONDS). */
    readyWorkerMaxAgeSeconds: number;
    /** Days raw notification bodies and webhook response bodies are kept (RAW_BODY_RETENTION_DAYS). */
    rawBodyRetentionDays: number;
    /** Encrypts admins' TOTP secrets at rest (ADMIN_TOTP_KEY; server/admin/two-factor.key.ts). */
    twoFactorKey: Buffer;
  };
  /**
   * Verify's answers kept in this process, dropped on every status change (LISTEN/NOTIFY;
   * server/payments/public-payment-cache.ts, docs/decisions/0016-verify-cache.md). Absent: every
   * verify reads the database.
   */
  publicPayments?: PublicAnswerCache;
  /** Notes that a credential authenticated a request; `last_used_at` is written later, off the request path. */
  credentialUsage: CredentialUsage;
  /** Called after a commit that wrote webhook events, to wake in-process workers at once. */
  onWebhookEventsWritten(): void;
  /** Injectable clock (tests drive the retry schedule with it). */
  now(): Date;
}

/** A cache of public answers by order id and client_id (implemented in server/payments/public-payment-cache.ts). */
export interface PublicAnswerCache {
  /** The kept answer, else `load()`'s (`open`: it may change soon, so it is kept briefly). */
  get<T extends object>(orderId: string, clientId: string | undefined, load: () => Promise<{ answer: T; open: boolean }>): Promise<T>;
}

/**
 * Where a credential's use is noted (implemented in server/projects/credential-usage.ts):
 * `record` only remembers it in memory and never waits; a timer writes `last_used_at` in batches,
 * at most once a minute per credential (docs/decisions/0020-credential-overlap.md).
 */
export interface CredentialUsage {
  record(credentialId: string, at: Date): void;
}
