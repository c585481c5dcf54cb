import type { ServerResponse } from "node:http";
import { recordFailure } from "./request-log";
import { RETRY_AFTER_SECONDS } from "./deadline";
import { DomainError, isDomainError, type ErrorCode } from "../lib/errors";

/** The one place where domain error codes become HTTP statuses. */
export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_json: 400,
  unsupported_content_type: 400,
  payload_too_large: 413,
  validation_failed: 400,
  invalid_client: 401,
  invalid_signature: 401,
  not_found: 404,
  item_not_found: 404,
  item_inactive: 409,
  item_not_editable: 409,
  idempotency_key_reused: 409,
  method_not_allowed: 405,
  order_id_taken: 409,
  ambiguous_order_id: 409,
  request_in_progress: 409,
  internal_error: 500,
  gateway_error: 502,
  environment_unavailable: 503,
  service_unavailable: 503,
  unauthorized: 401,
  forbidden: 403,
  two_factor_enrolment_required: 403,
  rate_limited: 429,
  invalid_state: 409,
  payment_not_paid: 409,
  already_fully_refunded: 409,
  refund_amount_exceeds_remaining: 422,
  refund_not_supported: 422,
  webhook_endpoint_missing: 409,
};

// postgres.js / node errors meaning "the database is not reachable right now".
const DB_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02",
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "57014", // query_canceled: statement_timeout (DB_STATEMENT_TIMEOUT_MS)
  "55P03", // lock_not_available: lock_timeout
]);


export function toDomainError(err: unknown): DomainError {
  if (isDomainError(err)) return err;
  const code = (err as { code?: string })?.code;
  if (code && DB_UNAVAILABLE.has(code)) {
    return new DomainError("service_unavailable", "The service is temporarily unavailable; retry shortly");
  }
  return new DomainError("internal_error", "Internal error");
}

export function errorBody(e: DomainError) {
  return { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}), ...(e.details ?? {}) } };
}

/** Writes a JSON answer on a plain node response (the fast path and Express alike). */
export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  res.end(payload);
}

/** Sends a JSON error; unexpected errors are logged (without request bodies) and become 500/503. */
export function sendError(res: ServerResponse, err: unknown): void {
  const e = toDomainError(err);
  if (e.code === "internal_error" || e.code === "service_unavailable") recordFailure(res, err);
  if (e.code === "service_unavailable") res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
  const retryAfter = e.details?.retry_after_seconds;
  if (typeof retryAfter === "number") res.setHeader("Retry-After", String(retryAfter));
  writeJson(res, httpStatusOf[e.code], errorBody(e));
}

/**
 * For Remix loaders and actions (server/remix/services.ts): a service that cannot reach the
 * database answers the page with 503 and Retry-After (its ErrorBoundary renders) instead of a 500.
 */
export async function unavailableAsResponse<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    // A service's error, or a console caller's tRPC error carrying it as its cause.
    const cause = err instanceof Error ? err.cause : undefined;
    if (toDomainError(err).code === "service_unavailable" || (isDomainError(cause) && cause.code === "service_unavailable")) {
      throw new Response("The service is temporarily unavailable; retry shortly", {
        status: 503,
        headers: { "Retry-After": String(RETRY_AFTER_SECONDS), "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    throw err;
  }
}
