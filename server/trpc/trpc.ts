import { initTRPC, TRPCError } from "@trpc/server";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";

export interface TrpcContext {
  platform: PlatformContext;
}

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return { ...shape, data: { ...shape.data, domainCode: cause instanceof DomainError ? cause.code : undefined } };
  },
});

/** Domain errors become tRPC errors once, here. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const code = result.error.cause.code;
    const trpcCode =
      code === "not_found" ? "NOT_FOUND" : code === "validation_failed" ? "BAD_REQUEST" : code === "order_id_taken" ? "CONFLICT" : "INTERNAL_SERVER_ERROR";
    throw new TRPCError({ code: trpcCode, message: result.error.cause.message, cause: result.error.cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapDomainErrors);
export const createCallerFactory = t.createCallerFactory;
