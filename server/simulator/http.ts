import express, { type ErrorRequestHandler, type Express } from "express";
import { apiRoutes, jsonBody } from "./api-routes";
import { controlRoutes } from "./control-routes";
import type { SimulatorEngine } from "./engine";
import type { FaultInjector } from "./faults";
import type { Notifier, SimLogger } from "./notifier";
import { uiRoutes } from "./ui-routes";

/** Where API faults apply: the Snap API and the Core API. Not /snap/v4 (payment page), /__sim or /dashboard. */
export const FAULTY_API_PATHS = ["/snap/v1", "/v2"];

export function createApp(engine: SimulatorEngine, notifier: Notifier, logger: SimLogger, faults: FaultInjector): Express {
  const app = express();
  app.disable("x-powered-by");
  // The body is read before any fault: like Midtrans, a call that was fully sent is processed
  // even when its client hangs up during the delay (the answer is lost, the transaction is not).
  app.use(FAULTY_API_PATHS, jsonBody);
  // Then faults, so a faulted call has no effect and a delayed one sees the state after its delay.
  app.use(FAULTY_API_PATHS, faults.apiMiddleware());
  // Deadlines pass between requests: settle them first so every answer reflects the current time.
  app.use((_req, _res, next) => {
    engine.expireOverdue();
    next();
  });
  app.use(apiRoutes(engine));
  app.use(uiRoutes(engine, notifier, faults));
  app.use(controlRoutes(engine, notifier, faults));
  app.use((_req, res) => void res.status(404).json({ error_messages: ["Not found"] }));

  const onError: ErrorRequestHandler = (err: { status?: number; type?: string; message?: string }, req, res, _next) => {
    // body-parser errors: oversized (413) or malformed (400) bodies.
    const status = typeof err.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.warn({ err: err.message, path: req.path }, "simulator request failed");
    const message =
      err.type === "entity.too.large" ? "Request body exceeds the 16 KB limit" : status === 500 ? "Internal simulator error" : (err.message ?? "Bad request");
    res.status(status).json(req.path.startsWith("/v2/") ? { status_code: String(status), status_message: message } : { error_messages: [message] });
  };
  app.use(onError);
  return app;
}
