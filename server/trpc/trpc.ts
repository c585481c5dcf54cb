import { initTRPC, TRPCError } from "@trpc/server";
import type { PlatformContext } from "../platform/context";
import { isDomainError, type ErrorCode } from "../lib/errors";
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

const trpcCodeOf: Partial<Record<ErrorCode, TrpcCode>> = {
  not_found: "NOT_FOUND",
  item_not_found: "NOT_FOUND",
  item_not_editable: "CONFLICT",
  item_inactive: "CONFLICT",
  validation_failed: "BAD_REQUEST",
  order_id_taken: "CONFLICT",
  invalid_state: "CONFLICT",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  rate_limited: "TOO_MANY_REQUESTS",
  gateway_error: "BAD_GATEWAY",
  environment_unavailable: "SERVICE_UNAVAILABLE",
  service_unavailable: "SERVICE_UNAVAILABLE",
};

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        domainCode: isDomainError(cause) ? cause.code : undefined,
        fields: isDomainError(cause) ? (cause.fields ?? null) : null,
      },
    };
  },
});

/** Domain errors become tRPC errors once, here. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isDomainError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf[cause.code] ?? "INTERNAL_SERVER_ERROR", message: cause.message, cause });
  }
  return result;
});

/** Every procedure of the admin console: a signed-in admin, and same-origin for mutations. */
const requireAdmin = t.middleware(({ ctx, type, next }) => {
  if (!ctx.admin) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to the admin console" });
  if (type === "mutation" && !ctx.sameOrigin) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Cross-origin request refused" });
  }
  const actor: Actor = { adminId: ctx.admin.adminId, email: ctx.admin.email, ip: ctx.ip };
  return next({ ctx: { admin: ctx.admin, actor } });
});

export const router = t.router;
/** Not used by the router: every procedure is an adminProcedure (a test walks them all). */
// Not exported: every procedure of the console goes through requireAdmin.
const baseProcedure = t.procedure.use(mapDomainErrors);
export const adminProcedure = baseProcedure.use(requireAdmin);
export const createCallerFactory = t.createCallerFactory;
