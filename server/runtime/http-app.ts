import express, { type Express } from "express";
import compression from "compression";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/express";
import type { PlatformContext } from "../platform/context";
import { checkReadiness } from "./readiness";
import { shopPaymentsRouter } from "../rest/shop-payments.routes";
import {
  createMidtransNotificationHandler,
  isPlainMidtransNotification,
  MIDTRANS_NOTIFICATION_PATH,
  midtransNotificationsRouter,
} from "../rest/midtrans-notifications.routes";
import { itemsRouter } from "../rest/items.routes";
import { refundsRouter } from "../rest/refunds.routes";
import { eventsRouter } from "../rest/events.routes";
import { openApiRouter } from "../rest/openapi.routes";
import { trpcHandler } from "../trpc/express";
import { adminCsvExport } from "../rest/admin-csv-export.routes";
import { createRemixServices } from "../remix/services";
import { DomainError } from "../lib/errors";
import { sendError } from "../http/errors";
import { requestLog, startRequestLog } from "../http/request-log";
import { createRateLimits, type RateLimits } from "../http/rate-limit";
import { callbackPageLimits } from "../http/public-limits";
import { createVerifyHandler, VERIFY_PATH } from "../rest/verify.handler";
import { clientErrorOf, refuseCrossOriginPageForms } from "../http/page-requests";
import { demoStoreRouter } from "../demo-store/routes";
import { DEMO_STORE_PATH, demoStoreEnabled } from "../projects/demo";

/**
 * The one HTTP app: REST adapter, Midtrans notifications, tRPC, then Remix for pages.
 * `remixBuild` is optional so API tests run without a UI build.
 */
export function createHttpApp(ctx: PlatformContext, opts: { remixBuild?: ServerBuild; publicDir?: string; limits?: RateLimits } = {}): Express {
  const app = express();
  app.disable("x-powered-by");
  // No conditional GETs here (status answers are no-store): skip hashing every body for an ETag.
  app.set("etag", false);
  // Flat query strings only: node's querystring, not qs's nested-object parsing.
  app.set("query parser", "simple");
  app.set("trust proxy", "loopback");
  app.use(requestLog(ctx.logger, ctx.metrics));
  // Pages, JSON and static assets are compressed when the client asks (br, else gzip; negotiated on
  // Accept-Encoding, with Vary): a buyer's phone on a mobile network loads a fraction of the bytes.
  // Bodies under 1 KB are sent as they are. (Verify is answered ahead of Express: small JSON, as is.)
  app.use(compression({ threshold: 1024 }));

  // Liveness: the process answers (no database: a stalled database must not get it restarted).
  // Readiness: database, schema, worker heartbeat; 503 when not ready (docs/operations.md).
  app.get("/healthz", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    try {
      const r = await checkReadiness(ctx);
      res.status(r.ready ? 200 : 503).json(r);
    } catch (err) {
      sendError(res, err);
    }
  });
  const limits = opts.limits ?? createRateLimits(ctx);
  app.use(shopPaymentsRouter(ctx, limits));
  app.use(midtransNotificationsRouter(ctx, limits));
  app.use(itemsRouter(ctx, limits));
  app.use(refundsRouter(ctx, limits));
  app.use(eventsRouter(ctx, limits));
  // The merchant API's OpenAPI document and its rendered page (docs/api.md#the-contract).
  app.use(openApiRouter());
  app.use("/api/trpc", trpcHandler(ctx));
  app.get("/admin/export.csv", adminCsvExport(ctx));
  // The demo store, a stand-in merchant (server/demo-store): never next to real money; it answers once the demo project exists.
  if (demoStoreEnabled(ctx.config)) {
    app.use(DEMO_STORE_PATH, demoStoreRouter({ sql: ctx.sql, logger: ctx.logger, astapaUrl: () => ctx.config.publicUrl }));
  }
  app.use("/api", (_req, res) => sendError(res, new DomainError("not_found", "No such endpoint")));

  if (opts.remixBuild) {
    const publicDir = opts.publicDir ?? path.resolve("public");
    app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(publicDir, { maxAge: "1h" }));
    // Pages reach the services only through the load context (server/remix).
    const services = createRemixServices(ctx);
    // Remix's errors and render errors become one JSON log line (app/entry.server.tsx).
    const reportError = (err: unknown, where: { method: string; path: string }) => ctx.logger.error({ ...where, err }, "page error");
    const loadContext = (req: express.Request): AppLoadContext => ({ services, clientIp: req.ip, reportError });
    // The buyer's callback page and its data route share verify's public limits (docs/api.md#rate-limits).
    app.use(callbackPageLimits(limits));
    app.use(refuseCrossOriginPageForms);
    // Production mode whatever NODE_ENV says: no error is serialised into a page with its stack.
    app.all("*", createRequestHandler({ build: opts.remixBuild, getLoadContext: loadContext, mode: "production" }));
  }

  // Last resort: nothing may answer with an HTML stack trace; a malformed request is a 4xx.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(res, clientErrorOf(err) ?? err));
  return app;
}

/**
 * The HTTP server's listener: the public verify endpoint, which every waiting buyer polls
 * every 3 s, is answered ahead of Express (measured: ~1.5x the throughput); everything else
 * goes through the Express app. Both share the rate limits and the request log.
 */
export function createRequestListener(ctx: PlatformContext, opts: { remixBuild?: ServerBuild; publicDir?: string } = {}) {
  const limits = createRateLimits(ctx);
  const app = createHttpApp(ctx, { ...opts, limits });
  const verify = createVerifyHandler(ctx, limits);
  const notification = createMidtransNotificationHandler(ctx, limits);
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "";
    if (req.method === "GET" && url.startsWith(VERIFY_PATH) && (url.length === VERIFY_PATH.length || url[VERIFY_PATH.length] === "?")) {
      startRequestLog(ctx.logger, req, res, VERIFY_PATH, ctx.metrics);
      void verify(req, res);
      return;
    }
    // Midtrans's notifications too (measured: bench/RESULTS.md, session 5).
    if (isPlainMidtransNotification(req)) {
      startRequestLog(ctx.logger, req, res, MIDTRANS_NOTIFICATION_PATH, ctx.metrics);
      notification(req, res);
      return;
    }
    app(req, res);
  };
}
