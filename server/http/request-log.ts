import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../config/logger";

const SAFE_ID = /^[A-Za-z0-9._-]{8,100}$/;

/**
 * One JSON line per request: id, method, path (no query string, no body), status,
 * duration. Never headers or bodies, so no secret can leak through here.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    const incoming = req.get("x-request-id");
    const id = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    res.on("finish", () => {
      const duration_ms = Number(process.hrtime.bigint() - start) / 1e6;
      const line = { req_id: id, method: req.method, path: req.originalUrl.split("?")[0], status: res.statusCode, duration_ms: Math.round(duration_ms * 10) / 10 };
      if (res.locals.error) logger.error({ ...line, err: res.locals.error }, "request failed");
      else logger.info(line, "request");
    });
    next();
  };
}
