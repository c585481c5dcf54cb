/**
 * Typed domain errors with stable codes. Services throw these; each transport maps
 * them once (REST: server/http/errors.ts, tRPC: server/trpc).
 */
export const errorCodes = [
  "invalid_json",
  "unsupported_content_type",
  "payload_too_large",
  "validation_failed",
  "invalid_client",
  "order_id_taken",
  "ambiguous_order_id",
  "request_in_progress",
  "not_found",
  "item_not_found",
  "item_inactive",
  "item_not_editable",
  "idempotency_key_reused",
  "method_not_allowed",
  "gateway_error",
  "environment_unavailable",
  "invalid_signature",
  "service_unavailable",
  "internal_error",
  "unauthorized",
  "forbidden",
  /** The role requires two-factor sign-in and none is enrolled yet: only enrolment is open (docs/decisions/0019-two-factor.md). */
  "two_factor_enrolment_required",
  "rate_limited",
  "invalid_state",
  "payment_not_paid",
  "already_fully_refunded",
  "refund_amount_exceeds_remaining",
  "refund_not_supported",
  "webhook_endpoint_missing",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
    /** Extra, safe-to-show details (e.g. Midtrans's own error messages). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** A DomainError? (One copy of the server code runs per process: app/ imports only types.) */
export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
