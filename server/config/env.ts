import { z } from "zod";

/** Empty strings in the environment mean "unset" (a blank line in .env must not become a key). */
const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const port = z.coerce.number().int().min(0).max(65535);

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: z.string().default("127.0.0.1"),
    PORT: port.default(3000),
    PUBLIC_URL: z.url().optional(),
    DATABASE_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
    /**
     * Behind PgBouncer in transaction mode (docs/scaling.md#pgbouncer): DATABASE_URL points at
     * PgBouncer with `?prepare=false`, and this one straight at PostgreSQL for LISTEN; unset: DATABASE_URL.
     */
    DATABASE_DIRECT_URL: optional.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
    /** Count the rate limits in Redis instead of PostgreSQL (docs/scaling.md#rate-limits). */
    REDIS_URL: optional.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
    /**
     * The longest a request waits for the database before answering 503 service_unavailable with
     * Retry-After (server/db/query-deadline.ts; docs/operations.md#bounded-database-waits). 0: unbounded.
     */
    DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(5000),
    /** PostgreSQL's statement_timeout for the pool (real PostgreSQL only); 0: the server's default. */
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
    /** Prometheus metrics on their own port (docs/operations.md#metrics); unset: no metrics server. */
    METRICS_PORT: optional.transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(1).max(65535).optional()),
    /** Where the metrics server listens: loopback unless a scraper elsewhere needs it. */
    METRICS_HOST: z.string().default("127.0.0.1"),
    /** /readyz: the newest worker heartbeat must be at most this old (the worker beats every 10 s). */
    READY_WORKER_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(60),
    DATA_DIR: z.string().default(".data"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    MIDTRANS_SANDBOX_SERVER_KEY: optional,
    MIDTRANS_SANDBOX_CLIENT_KEY: optional,
    MIDTRANS_PRODUCTION_SERVER_KEY: optional,
    MIDTRANS_PRODUCTION_CLIENT_KEY: optional,
    MIDTRANS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    /** Where an already running simulator listens; unset: `npm start` starts one in-process. */
    MIDTRANS_SIMULATOR_URL: optional.pipe(z.url().optional()),
    MIDTRANS_SIMULATOR_PORT: port.default(3001),
    MIDTRANS_SIMULATOR_SERVER_KEY: z.string().min(8).default("SB-Mid-server-SIMULATOR"),
    /** Run the background workers (webhook delivery, reconcile sweep) inside the web process. */
    RUN_WORKERS: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((v) => v === "true" || v === "1"),
    /** Requests per minute; 0 turns a limit off. Defaults suit one store front behind a NAT. */
    RATE_LIMIT_CREATE_PER_CLIENT: z.coerce.number().int().min(0).default(600),
    RATE_LIMIT_CREATE_PER_IP: z.coerce.number().int().min(0).default(1200),
    /** Verify, the buyer's callback page and its data route share this one (docs/api.md#rate-limits). */
    RATE_LIMIT_VERIFY_PER_IP: z.coerce.number().int().min(0).default(6000),
    /** Lookups of unknown order ids (404) on verify and the callback page: stops enumeration. */
    RATE_LIMIT_NOT_FOUND_PER_IP: z.coerce.number().int().min(0).default(60),
    RATE_LIMIT_ITEMS_PER_IP: z.coerce.number().int().min(0).default(600),
    /** Rejected Midtrans notifications (invalid JSON or fields, bad signature); unset: the older RATE_LIMIT_BAD_SIGNATURE_PER_IP, else 30. */
    RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP: z.coerce.number().int().min(0).optional(),
    RATE_LIMIT_BAD_SIGNATURE_PER_IP: z.coerce.number().int().min(0).optional(),
    /** Days a rejected notification's excerpt is kept; the workers delete older ones. */
    REJECTED_NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    /**
     * Days the raw body of an accepted Midtrans notification and the response body of a webhook
     * attempt are kept; the workers then clear them (the rows stay). docs/operations.md.
     */
    RAW_BODY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    /** Start the in-process simulator although production Midtrans keys are configured (it refuses otherwise). */
    MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS: z
      .enum(["true", "false", "1", "0"])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
    /** The first admin, created on start when there is none (else admin@localhost with a printed password). */
    ADMIN_EMAIL: optional,
    ADMIN_PASSWORD: optional,
    /**
     * Encrypts admins' TOTP secrets at rest (AES-256-GCM): 32 bytes as base64 or hex
     * (`openssl rand -base64 32`). Unset: generated once into DATA_DIR/admin-totp.key; every process
     * of one deployment must share it (docs/decisions/0019-two-factor.md).
     */
    ADMIN_TOTP_KEY: optional,
    /** Allow webhook URLs on loopback/private networks in every environment (never needed in real production). */
    ALLOW_PRIVATE_WEBHOOK_URLS: z
      .enum(["true", "false", "1", "0"])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
  })
  .transform(({ RATE_LIMIT_BAD_SIGNATURE_PER_IP, ...env }) => ({
    ...env,
    PUBLIC_URL: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ""),
    RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP: env.RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP ?? RATE_LIMIT_BAD_SIGNATURE_PER_IP ?? 30,
  }));

export type Env = z.infer<typeof envSchema>;

/** Parse the environment; on a bad value print what is wrong and exit 1 (fail fast, before anything starts). */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    console.error(`Invalid configuration:\n${lines.join("\n")}\nSee .env.example for every variable.`);
    process.exit(1);
  }
  return parsed.data;
}
