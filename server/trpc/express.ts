import { createExpressMiddleware } from "@trpc/server/adapters/express";
import type { PlatformContext } from "../platform/context";
import { infoFromExpress } from "../http/request-info";
import { createTrpcContext } from "./context";
import { appRouter } from "./router";

/** `/api/trpc`: the admin console's API over HTTP (session cookie; mutations same-origin only). */
export function trpcHandler(ctx: PlatformContext) {
  return createExpressMiddleware({
    router: appRouter,
    createContext: ({ req }) => createTrpcContext(ctx, infoFromExpress(req)),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") ctx.logger.error({ path, err: error.cause?.message ?? error.message }, "trpc error");
    },
  });
}
