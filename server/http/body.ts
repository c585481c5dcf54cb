import express, { type NextFunction, type Request, type Response } from "express";
import { DomainError } from "../lib/errors";
import { assertStorable } from "../lib/validation";
import { sendError } from "./errors";

/** Largest body any JSON endpoint accepts (Midtrans's own cap is 16 KB too). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Reads the raw body (bounded) for every content type; parsing is the route's choice. */
export const rawBody = [
  express.raw({ type: () => true, limit: MAX_BODY_BYTES }),
  (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (err as { type?: string })?.type;
    if (type === "entity.too.large") return sendError(res, new DomainError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes`));
    if (type) return sendError(res, new DomainError("invalid_json", "The body could not be read"));
    next(err);
  },
];

export const bodyBytes = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
export const bodyText = (req: Request): string => bodyBytes(req).toString("utf8");

/**
 * A JSON object body, or a DomainError: wrong content type, malformed JSON, not an object, or
 * `validation_failed` for what PostgreSQL cannot store (a NUL or lone surrogate in any string or
 * key, nesting deeper than MAX_JSON_DEPTH: server/lib/validation.ts, docs/api.md#limits-on-text-json-and-dates).
 */
export function parseJsonObject(req: Request): Record<string, unknown> {
  if (!req.is("application/json")) {
    throw new DomainError("unsupported_content_type", "Send the body as JSON with Content-Type: application/json");
  }
  let value: unknown;
  try {
    value = JSON.parse(bodyText(req));
  } catch {
    throw new DomainError("invalid_json", "The body is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new DomainError("invalid_json", "The body must be a JSON object");
  }
  assertStorable(value);
  return value as Record<string, unknown>;
}

/** 405 with Allow for any other method on a known path. */
export function methodNotAllowed(allow: string[]) {
  return (_req: Request, res: Response) => {
    res.setHeader("Allow", allow.join(", "));
    sendError(res, new DomainError("method_not_allowed", `Use ${allow.join(" or ")} on this path`));
  };
}
