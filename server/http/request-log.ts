import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../config/logger";
import type { Metrics } from "../platform/metrics";
import { retryAfterOnUnavailable } from "./deadline";

const SAFE_ID = /^[A-Za-z0-9._-]{8,100}$/;
const failures = new WeakMap<ServerResponse, unknown>();

/** Attach an unexpected error to the response, for its log line (never sent to the client). */
export const recordFailure = (res: ServerResponse, err: unknown) =>
  failures.set(res, err instanceof Error ? { name: err.name, message: err.message, code: (err as { code?: string }).code, stack: err.stack } : String(err));

/**
 * Request lines have a fixed shape with nothing secret in it, so they skip the redaction pass
 * (measured: 9 → 4 µs a line; every verify poll writes one).
 */
const requestLoggers = new WeakMap<Logger, Logger>();
function requestLogger(logger: Logger): Logger {
  let plain = requestLoggers.get(logger);
  if (!plain) {
    plain = logger.child({}, { redact: [] });
    requestLoggers.set(logger, plain);
  }
  return plain;
}

/** Methods as metric labels: the standard ones, anything else is "other" (a bounded set). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * One JSON line per request: id, method, path (no query string, no body), status,
 * duration. Never headers or bodies, so no secret can leak through here.
 * With `metrics`, the request is also counted in astapa_http_request_duration_seconds under its
 * route pattern (`route()`, read when the answer is sent), never the raw path with its ids.
 */
export function startRequestLog(parent: Logger, req: IncomingMessage, res: ServerResponse, path: string, metrics?: Metrics, route?: () => string): void {
  const logger = requestLogger(parent);
  const start = process.hrtime.bigint();
  const incoming = req.headers["x-request-id"];
  const id = typeof incoming === "string" && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader("X-Request-Id", id);
  retryAfterOnUnavailable(res);
  res.on("finish", () => {
    const duration_ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (metrics) {
      const method = req.method && METHODS.has(req.method) ? req.method : "other";
      metrics.httpRequestDuration.observe({ method, route: route ? route() : path, status: String(res.statusCode) }, duration_ms / 1000);
    }
    // A one-time invitation/reset link is a secret until used (server/admin/people.service.ts): never logged.
    const line = { req_id: id, method: req.method, path: path.replace(/^\/admin\/invite\/[^/]+/, "/admin/invite/:token"), status: res.statusCode, duration_ms: Math.round(duration_ms * 10) / 10 };
    const err = failures.get(res);
    if (err) logger.error({ ...line, err }, "request failed");
    else logger.info(line, "request");
  });
}

export function requestLog(logger: Logger, metrics?: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    startRequestLog(logger, req, res, req.originalUrl.split("?")[0], metrics, () => routeLabel(req));
    next();
  };
}

/**
 * The route pattern an Express request was answered by (a bounded label): the matched route's
 * path (`/api/items/:id`), `/api/trpc` for the console's API, `(page)` for Remix pages,
 * `(static)` for files under /build, `(unmatched)` for the rest (other static files, 404s).
 */
export function routeLabel(req: Request): string {
  const path = req.originalUrl.split("?")[0];
  if (path === "/api/trpc" || path.startsWith("/api/trpc/")) return "/api/trpc";
  const route: unknown = req.route;
  const pattern = route && typeof route === "object" && "path" in route ? route.path : undefined;
  if (pattern === "*") return "(page)";
  if (typeof pattern === "string") return `${req.baseUrl}${pattern}`;
  if (path.startsWith("/build/")) return "(static)";
  return "(unmatched)";
}
