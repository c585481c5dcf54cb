import { loadEnv } from "./config/env";
import { loadDotEnv } from "./config/dotenv";
import { createLogger } from "./config/logger";
import { createPlatform } from "./runtime/platform";
import { listen, loadRemixBuild } from "./runtime/http-server";
import { ensureDemoProject } from "./projects/demo";
import { saveDemoStoreSettings } from "./demo-store/demo-store.queries";
import { ensureFirstAdmin } from "./admin/admin-users.service";
import { startWorkers } from "./runtime/workers";
import { startMetricsServer } from "./runtime/metrics-server";
import { routeConsoleToLogger } from "./runtime/console-to-log";

/** One process: the Remix app, the REST adapter, tRPC and the background workers. */
async function main() {
  loadDotEnv();
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  routeConsoleToLogger(logger);
  const platform = await createPlatform(env, { logger });
  const { server, url } = await listen(platform, { port: env.PORT, host: env.HOST, remixBuild: await loadRemixBuild() });
  const workers = env.RUN_WORKERS ? startWorkers(platform) : null;
  // Prometheus metrics on their own port (unset: none), never the public one (docs/operations.md).
  const metricsServer = env.METRICS_PORT ? await startMetricsServer(platform.ctx.metrics, { port: env.METRICS_PORT, host: env.METRICS_HOST, logger }) : null;
  logger.info(
    { url, publicUrl: env.PUBLIC_URL, database: platform.database.kind, workers: Boolean(workers), mode: process.env.NODE_ENV ?? "development" },
    "Astapa is listening",
  );

  const demo = await ensureDemoProject(platform.ctx.sql, env.PUBLIC_URL, platform.ctx.config);
  if (demo) {
    // The demo store is the demo project's merchant: it keeps the sandbox credential and webhook secret as a merchant keeps its own (server/demo-store).
    if (demo.webhook_url) {
      await saveDemoStoreSettings(platform.ctx.sql, {
        project_id: demo.project.id,
        client_id: demo.client_id,
        client_secret: demo.client_secret,
        webhook_secret: demo.webhook_secret,
      });
    }
    // Printed once, to the terminal only (stderr: stdout is JSON log lines): Astapa stores the secret as a hash.
    process.stderr.write(
      `\n  Demo project created (sandbox). Keep these, the secret is not shown again:\n` +
        `    ASTAPA_CLIENT_ID=${demo.client_id}\n    ASTAPA_CLIENT_SECRET=${demo.client_secret}\n` +
        (demo.webhook_url ? `  Demo store (buy, pay, see the verified webhook): ${demo.store_url}\n\n` : "\n"),
    );
  }
  const firstAdmin = await ensureFirstAdmin(platform.ctx, { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD });
  if (firstAdmin.created) {
    process.stderr.write(
      `\n  Admin console: ${env.PUBLIC_URL}/admin — first admin ${firstAdmin.admin.email}` +
        (firstAdmin.generatedPassword ? `, password (shown once): ${firstAdmin.generatedPassword}\n\n` : " (password from ADMIN_PASSWORD)\n\n"),
    );
  }
  if (platform.simulator) {
    process.stderr.write(`  Midtrans simulator dashboard: ${platform.simulator.url}/\n  Astapa: ${env.PUBLIC_URL}\n\n`);
  }

  let stopping = false;
  // While draining, every response says `Connection: close`, so no client reuses a
  // keep-alive socket that is about to be closed under it.
  server.prependListener("request", (_req, res) => {
    if (stopping) res.setHeader("Connection", "close");
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    // Node's close() would also drop idle keep-alive sockets at once, racing a request a
    // client may be sending on one right now. Let them drain instead: each gets
    // `Connection: close` on its next response, or ends at keepAliveTimeout.
    server.closeIdleConnections = () => {};
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await workers?.stop();
    await metricsServer?.close();
    await platform.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  console.error("Astapa failed to start:", err);
  process.exit(1);
});
