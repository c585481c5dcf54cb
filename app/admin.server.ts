// Server-side entry points of the admin console for Remix loaders and actions. `.server`
// keeps this module (and with it postgres, node:crypto, the services) out of the browser bundle.
import { redirect } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";
import { TRPCError } from "@trpc/server";
import { infoFromFetch, isSameOrigin } from "../server/http/request-info";
import { clearedSessionCookie, login, logout, readSessionToken, sessionCookie } from "../server/admin/sessions.service";
import { createCaller, createTrpcContext, type AdminCaller } from "../server/trpc/context";
import type { AdminSession } from "../server/admin/sessions.service";
import { isDomainError } from "../server/lib/errors";

declare module "@remix-run/node" {
  interface AppLoadContext {
    /** The client's IP as Express saw it (login rate limiting, audit log). */
    clientIp?: string;
  }
}

export type { AdminCaller, AdminSession };
export { filtersFromSearchParams } from "../server/admin/payments-admin.service";

/** Only redirect back inside the console (never to another site). */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/admin";
}

/**
 * The signed-in admin of a page request and a tRPC caller acting as them (pages render on the
 * server through the same procedures the browser calls). Redirects to the login page otherwise.
 */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<{ admin: AdminSession; caller: AdminCaller }> {
  const ctx = await createTrpcContext(context.platform, infoFromFetch(request, context.clientIp));
  if (!ctx.admin) {
    const url = new URL(request.url);
    throw redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return { admin: ctx.admin, caller: createCaller(ctx) };
}

/** Runs a caller call in a loader; tRPC errors become HTTP responses (404 page, 400…). */
export async function load<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TRPCError) {
      const status = e.code === "NOT_FOUND" ? 404 : e.code === "BAD_REQUEST" ? 400 : e.code === "UNAUTHORIZED" ? 401 : e.code === "FORBIDDEN" ? 403 : 500;
      if (status !== 500) throw new Response(e.message, { status, statusText: e.message });
    }
    throw e;
  }
}

export const isBadRequest = (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST";

export type LoginOutcome = { ok: true; headers: Headers; next: string } | { ok: false; status: number; error: string };

/** POST /admin/login: same-origin form, rate-limited login, session cookie. */
export async function loginAction(request: Request, context: AppLoadContext): Promise<LoginOutcome> {
  const info = infoFromFetch(request, context.clientIp);
  if (!isSameOrigin(info, context.platform.config.publicUrl)) return { ok: false, status: 403, error: "This form must be sent from the console's own page." };
  const form = await request.formData();
  try {
    const { token } = await login(context.platform, {
      email: form.get("email"),
      password: form.get("password"),
      ip: context.clientIp ?? "unknown",
      userAgent: info.userAgent,
    });
    const headers = new Headers({ "Set-Cookie": sessionCookie(token, context.platform.config.publicUrl) });
    return { ok: true, headers, next: safeNext(String(form.get("next") ?? "")) };
  } catch (e) {
    if (isDomainError(e) && (e.code === "unauthorized" || e.code === "rate_limited")) {
      return { ok: false, status: e.code === "rate_limited" ? 429 : 401, error: e.message };
    }
    throw e;
  }
}

/** POST /admin/logout: revokes the session and clears the cookie. */
export async function logoutAction(request: Request, context: AppLoadContext): Promise<Headers | null> {
  const info = infoFromFetch(request, context.clientIp);
  if (!isSameOrigin(info, context.platform.config.publicUrl)) return null;
  await logout(context.platform, readSessionToken(info.cookie), context.clientIp);
  return new Headers({ "Set-Cookie": clearedSessionCookie(context.platform.config.publicUrl) });
}

/** Already signed in? (the login page then goes straight to the console) */
export async function currentAdmin(request: Request, context: AppLoadContext): Promise<AdminSession | null> {
  return (await createTrpcContext(context.platform, infoFromFetch(request, context.clientIp))).admin;
}
