import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { PlatformContext } from "../platform/context";
import { DomainError, isDomainError, type ErrorCode } from "../lib/errors";
import { can, maskBuyerEmails, type Permission } from "../admin/permissions";
import { validationError } from "../lib/validation";
import type { Actor } from "../admin/audit.service";
import type { AdminSession } from "../admin/sessions.service";

export interface TrpcContext {
  platform: PlatformContext;
  /** The signed-in admin (session cookie), or null. */
  admin: AdminSession | null;
  /** The client's IP (audit log). */
  ip: string | null;
  /**
   * False when an HTTP request's Origin/Referer is another site: mutations are refused (CSRF).
   * In-process callers (Remix loaders, tests) check their own request and pass true.
   */
  sameOrigin: boolean;
}

type TrpcCode = ConstructorParameters<typeof TRPCError>[0]["code"];

/**
 * The one place where domain error codes become tRPC codes: total over every code (the
 * compiler refuses a missing one), and the same HTTP statuses as the REST map
 * (server/http/errors.ts) once tRPC turns them into responses.
 */
export const trpcCodeOf: Record<ErrorCode, TrpcCode> = {
  invalid_json: "BAD_REQUEST",
  unsupported_content_type: "BAD_REQUEST",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  validation_failed: "BAD_REQUEST",
  invalid_client: "UNAUTHORIZED",
  invalid_signature: "UNAUTHORIZED",
  not_found: "NOT_FOUND",
  item_not_found: "NOT_FOUND",
  item_inactive: "CONFLICT",
  item_not_editable: "CONFLICT",
  idempotency_key_reused: "CONFLICT",
  method_not_allowed: "METHOD_NOT_SUPPORTED",
  order_id_taken: "CONFLICT",
  ambiguous_order_id: "CONFLICT",
  request_in_progress: "CONFLICT",
  internal_error: "INTERNAL_SERVER_ERROR",
  gateway_error: "BAD_GATEWAY",
  environment_unavailable: "SERVICE_UNAVAILABLE",
  service_unavailable: "SERVICE_UNAVAILABLE",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  two_factor_enrolment_required: "FORBIDDEN",
  rate_limited: "TOO_MANY_REQUESTS",
  invalid_state: "CONFLICT",
  payment_not_paid: "CONFLICT",
  already_fully_refunded: "CONFLICT",
  refund_amount_exceeds_remaining: "UNPROCESSABLE_CONTENT",
  refund_not_supported: "UNPROCESSABLE_CONTENT",
  webhook_endpoint_missing: "CONFLICT",
};

/** The domain error a failed call stands for: a service's own, or `validation_failed` for a zod input error. */
function domainErrorOf(error: TRPCError): DomainError | null {
  if (isDomainError(error.cause)) return error.cause;
  // A procedure's input failed its zod schema: tRPC hands the ZodError over as the cause.
  if (error.code === "BAD_REQUEST" && error.cause instanceof z.ZodError) return validationError(error.cause);
  return null;
}

const t = initTRPC.context<TrpcContext>().meta<ProcedureMeta>().create({
  // Never development mode, whatever NODE_ENV says: tRPC would put the stack (with the server's
  // file paths) into every error answer.
  isDev: false,
  /**
   * What the console receives: the domain code and per-field messages (`{ "path.to.field": "…" }`),
   * zod input errors flattened the same way as a service's `validation_failed`. Never a stack,
   * and an unexpected error's own message (a driver's, with names and paths) stays in the log:
   * the answer says "Internal error".
   */
  errorFormatter({ shape, error }) {
    const domain = domainErrorOf(error);
    const { stack: _stack, ...data } = shape.data;
    const unexpected = !domain && error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: domain ? domain.message : unexpected ? "Internal error" : shape.message,
      data: {
        ...data,
        domainCode: domain?.code,
        fields: domain?.fields ?? null,
      },
    };
  },
});

/**
 * Errors become tRPC errors once, here: a service's DomainError, and a zod input error as
 * `validation_failed` with per-field messages (server/lib/validation.ts), both keeping the
 * DomainError as the cause (tests and in-process callers see the same code and fields).
 */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const domain = domainErrorOf(result.error);
    if (domain) throw new TRPCError({ code: trpcCodeOf[domain.code], message: domain.message, cause: domain });
  }
  return result;
});

/** What a procedure declares about itself: the permission it needs (server/admin/permissions.ts). */
export interface ProcedureMeta {
  permission?: Permission;
  /**
   * Open to a session whose role requires two-factor sign-in before it is enrolled (the enrolment
   * procedures). Every other procedure refuses such a session with `two_factor_enrolment_required`.
   */
  openBeforeEnrolment?: boolean;
}

/**
 * Every procedure of the admin console: a signed-in admin whose role (read fresh from the
 * database with the session, so a role change applies to the next request) grants the
 * procedure's permission, and same-origin for mutations. A procedure that declares no
 * permission refuses every call (and the role × procedure test fails on it).
 * Roles without `buyers.read` get answers with buyers' e-mail addresses masked; answers about
 * admins themselves (`account.self`, `people.manage`) are not masked.
 */
const requirePermission = t.middleware(async ({ ctx, meta, type, next }) => {
  if (!ctx.admin) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to the admin console" });
  const permission = meta?.permission;
  if (!permission) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "This procedure declares no permission" });
  if (!can(ctx.admin.role, permission)) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Your role does not allow this", cause: new DomainError("forbidden", "Your role does not allow this") });
  }
  // docs/decisions/0019-two-factor.md: an owner or finance person without a second factor may only enrol.
  if (ctx.admin.twoFactorEnrolmentRequired && !meta?.openBeforeEnrolment) {
    const message = "Set up two-factor sign-in first: your role requires it.";
    throw new TRPCError({ code: "FORBIDDEN", message, cause: new DomainError("two_factor_enrolment_required", message) });
  }
  if (type === "mutation" && !ctx.sameOrigin) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Cross-origin request refused" });
  }
  const actor: Actor = { adminId: ctx.admin.adminId, email: ctx.admin.email, ip: ctx.ip };
  const result = await next({ ctx: { admin: ctx.admin, actor } });
  const masked = result.ok && !can(ctx.admin.role, "buyers.read") && permission !== "account.self" && permission !== "people.manage";
  return masked ? { ...result, data: maskBuyerEmails(result.data) } : result;
});

export const router = t.router;
// Not exported: every procedure of the console is a procedureFor(permission) (a test walks them all).
const baseProcedure = t.procedure.use(mapDomainErrors);
const adminProcedure = baseProcedure.use(requirePermission);
/** The procedure builder of the console: `procedureFor("payments.refund").input(…).mutation(…)`. */
export const procedureFor = (permission: Permission, opts: { openBeforeEnrolment?: boolean } = {}) => adminProcedure.meta({ permission, ...opts });
export const createCallerFactory = t.createCallerFactory;
