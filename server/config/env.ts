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
    /** Start the in-process simulator although production Midtrans keys are configured (it refuses otherwise). */
    MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS: z
      .enum(["true", "false", "1", "0"])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
    /** The first admin, created on start when there is none (else admin@localhost with a printed password). */
    ADMIN_EMAIL: optional,
    ADMIN_PASSWORD: optional,
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
