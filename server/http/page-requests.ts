import type { NextFunction, Request, Response } from "express";
import { DomainError } from "../lib/errors";
import { sendError } from "./errors";

/** The methods Remix checks the Origin of before running an action. */
const CHECKED_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The host an Origin header names ("null" for an opaque origin), or null when it is no URL at all. */
function originHost(origin: string): string | null {
  if (origin === "null") return origin;
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/**
 * A form sent to a page from another site answers 403 `forbidden` here, ahead of Remix: Remix's
 * own check (the Origin's host must be the X-Forwarded-Host or else the Host) throws, which
 * answers 500 and logs a stack trace. The rule is Remix's own, so nothing that passes here fails
 * there; the sign-in form also holds the origin to PUBLIC_URL (server/http/request-info.ts).
 */
export function refuseCrossOriginPageForms(req: Request, res: Response, next: NextFunction): void {
  const origin = req.headers.origin;
  const claimed = origin ? originHost(origin) : "";
  const forwarded = req.headers["x-forwarded-host"];
  const host = (typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : "") || req.headers.host;
  // No Origin, or one naming no host (file:, data:), is let through by Remix too.
  if (!CHECKED_METHODS.has(req.method) || claimed === "" || (claimed !== null && host && claimed === host)) {
    next();
    return;
  }
  sendError(res, new DomainError("forbidden", "Forms must be sent from this site's own pages"));
}

/**
 * Errors Express and its middleware raise for a malformed request carry a 4xx `status` (a path
 * that is not valid percent-encoding: URIError, status 400). They are the client's, not ours:
 * the same JSON error codes as everywhere else, never a 500.
 */
export function clientErrorOf(err: unknown): DomainError | null {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== "number" || status < 400 || status > 499) return null;
  if (status === 404) return new DomainError("not_found", "Not found");
  if (status === 405) return new DomainError("method_not_allowed", "Method not allowed");
  if (status === 413) return new DomainError("payload_too_large", "Request body too large");
  return new DomainError("validation_failed", err instanceof URIError ? "Malformed URL" : "Malformed request");
}
