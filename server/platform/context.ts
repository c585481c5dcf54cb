import type { Logger } from "../config/logger";
import type { Sql } from "../db/connect";
import type { MidtransGateway } from "../midtrans/gateway";

/**
 * What every service needs, built once per process (server/runtime/platform.ts) and
 * handed to transports: REST, tRPC, Remix loaders (through the load context), workers.
 */
export interface PlatformContext {
  sql: Sql;
  dbKind: "postgres" | "embedded";
  gateway: MidtransGateway;
  logger: Logger;
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
  };
  /** Called after a commit that wrote webhook events, to wake in-process workers at once. */
  onWebhookEventsWritten(): void;
  /** Injectable clock (tests drive the retry schedule with it). */
  now(): Date;
}
