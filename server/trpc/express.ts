import { createExpressMiddleware } from "@trpc/server/adapters/express";
import { TRPCError } from "@trpc/server";
import { toDomainError } from "../http/errors";
import type { PlatformContext } from "../platform/context";
import { infoFromExpress } from "../http/request-info";
import { createTrpcContext } from "./context";
import { appRouter } from "./router";

/** `/api/trpc`: the admin console's API over HTTP (session cookie; mutations same-origin only). */
export function trpcHandler(ctx: PlatformContext) {
  return createExpressMiddleware({
    router: appRouter,
    createContext: async ({ req }) => {
      try {
        return await createTrpcContext(ctx, infoFromExpress(req));
      } catch (err) {
        // The session lookup could not reach the database: 503 (with Retry-After), not 500.
        const e = toDomainError(err);
        if (e.code === "service_unavailable") throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: e.message, cause: e });
        throw err;
      }
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") ctx.logger.error({ path, err: error.cause?.message ?? error.message }, "trpc error");
    },
  });
}
