import express, { type Express } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/express";
import type { PlatformContext } from "../platform/context";
import { pingDatabase } from "../db/health.queries";
import { shopPaymentsRouter } from "../rest/shop-payments.routes";
import { midtransNotificationsRouter } from "../rest/midtrans-notifications.routes";
import { itemsRouter } from "../rest/items.routes";
import { refundsRouter } from "../rest/refunds.routes";
import { eventsRouter } from "../rest/events.routes";
import { trpcHandler } from "../trpc/express";
import { adminCsvExport } from "../rest/admin-csv-export.routes";
import { createRemixServices } from "../remix/services";
import { DomainError } from "../lib/errors";
import { sendError } from "../http/errors";
import { requestLog, startRequestLog } from "../http/request-log";
import { createRateLimits, type RateLimits } from "../http/rate-limit";
import { callbackPageLimits } from "../http/public-limits";
import { createVerifyHandler, VERIFY_PATH } from "../rest/verify.handler";

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
  app.use(requestLog(ctx.logger));

  app.get("/healthz", async (_req, res) => {
    try {
      await pingDatabase(ctx.sql);
      res.json({ ok: true });
    } catch (err) {
      sendError(res, err);
    }
  });
  const limits = opts.limits ?? createRateLimits(ctx.config.rateLimits);
  app.use(shopPaymentsRouter(ctx, limits));
  app.use(midtransNotificationsRouter(ctx, limits));
  app.use(itemsRouter(ctx, limits));
  app.use(refundsRouter(ctx, limits));
  app.use(eventsRouter(ctx, limits));
  app.use("/api/trpc", trpcHandler(ctx));
  app.get("/admin/export.csv", adminCsvExport(ctx));
  app.use("/api", (_req, res) => sendError(res, new DomainError("not_found", "No such endpoint")));

  if (opts.remixBuild) {
    const publicDir = opts.publicDir ?? path.resolve("public");
    app.use("/build", express.static(path.join(publicDir, "build"), { immutable: true, maxAge: "1y" }));
    app.use(express.static(publicDir, { maxAge: "1h" }));
    // Pages reach the services only through the load context (server/remix).
    const services = createRemixServices(ctx);
    const loadContext = (req: express.Request): AppLoadContext => ({ services, clientIp: req.ip });
    // The buyer's callback page and its data route share verify's public limits (docs/api.md#rate-limits).
    app.use(callbackPageLimits(limits));
    app.all("*", createRequestHandler({ build: opts.remixBuild, getLoadContext: loadContext }));
  }

  // Last resort: nothing may answer with an HTML stack trace.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => sendError(res, err));
  return app;
}

/**
 * The HTTP server's listener: the public verify endpoint, which every waiting buyer polls
 * every 3 s, is answered ahead of Express (measured: ~1.5x the throughput); everything else
 * goes through the Express app. Both share the rate limits and the request log.
 */
export function createRequestListener(ctx: PlatformContext, opts: { remixBuild?: ServerBuild; publicDir?: string } = {}) {
  const limits = createRateLimits(ctx.config.rateLimits);
  const app = createHttpApp(ctx, { ...opts, limits });
  const verify = createVerifyHandler(ctx, limits);
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "";
    if (req.method === "GET" && url.startsWith(VERIFY_PATH) && (url.length === VERIFY_PATH.length || url[VERIFY_PATH.length] === "?")) {
      startRequestLog(ctx.logger, req, res, VERIFY_PATH);
      void verify(req, res);
      return;
    }
    app(req, res);
  };
}
