import { loadEnv } from "./config/env";
import { loadDotEnv } from "./config/dotenv";
import { createLogger } from "./config/logger";
import { createPlatform } from "./runtime/platform";
import { startWorkers } from "./runtime/workers";
import { startMetricsServer } from "./runtime/metrics-server";
import { routeConsoleToLogger } from "./runtime/console-to-log";

/** `npm run worker`: the background workers alone, sharing DATABASE_URL with web processes. */
async function main() {
  loadDotEnv();
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  routeConsoleToLogger(logger);
  if (!env.DATABASE_URL) {
    logger.error("npm run worker needs DATABASE_URL: the embedded database serves one process only");
    process.exit(1);
  }
  const platform = await createPlatform({ ...env, MIDTRANS_SIMULATOR_URL: env.MIDTRANS_SIMULATOR_URL ?? `http://127.0.0.1:${env.MIDTRANS_SIMULATOR_PORT}` }, { logger });
  const workers = startWorkers(platform);
  const metricsServer = env.METRICS_PORT ? await startMetricsServer(platform.ctx.metrics, { port: env.METRICS_PORT, host: env.METRICS_HOST, logger }) : null;
  logger.info("worker started");
  const stop = async () => {
    await workers.stop();
    await metricsServer?.close();
    await platform.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

main().catch((err) => {
  console.error("worker failed:", err);
  process.exit(1);
});
