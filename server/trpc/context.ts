import type { PlatformContext } from "../platform/context";
import { isSameOrigin, type AdminRequestInfo } from "../http/request-info";
import { readSessionToken } from "../http/session-cookie";
import { resolveSession } from "../admin/sessions.service";
import { appRouter } from "./router";
import { createCallerFactory, type TrpcContext } from "./trpc";

/** The tRPC context of an HTTP request: the admin from the session cookie, the IP, the CSRF verdict. */
export async function createTrpcContext(platform: PlatformContext, info: AdminRequestInfo): Promise<TrpcContext> {
  const admin = await resolveSession(platform, readSessionToken(info.cookie));
  return { platform, admin, ip: info.ip, sameOrigin: isSameOrigin(info, platform.config.publicUrl) };
}

export const createCaller = createCallerFactory(appRouter);
export type AdminCaller = ReturnType<typeof createCaller>;
