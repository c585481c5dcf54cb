// Server-side entry points of the admin console for Remix loaders and actions. They reach the
// server through the load context (`context.services`, server/remix); from server/ this module
// imports only types, so the Remix build holds no server code.
import { redirect } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { AdminSession } from "../server/admin/sessions.service";
import type { AdminCaller } from "../server/trpc/context";
import type { Permission } from "../server/admin/permissions";

export type { AdminCaller, AdminSession, Permission };

/** Only redirect back inside the console (never to another site). */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/admin";
}

/**
 * The signed-in admin of a page request and a tRPC caller acting as them (pages render on the
 * server through the same procedures the browser calls). Redirects to the login page otherwise.
 */
export async function requireAdmin(
  request: Request,
  context: AppLoadContext,
): Promise<{ admin: AdminSession; caller: AdminCaller; permissions: Permission[] }> {
  const session = await context.services.admin.session(request, context.clientIp);
  if (!session) {
    const url = new URL(request.url);
    throw redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  // The role requires two-factor sign-in and none is set up: the enrolment page is the only one open
  // (docs/decisions/0019-two-factor.md; the procedures refuse everything else too).
  if (session.admin.twoFactorEnrolmentRequired) throw redirect("/admin/two-factor/enrol");
  return session;
}

/**
 * The signed-in admin of the enrolment page, whether or not the role still waits for enrolment
 * (requireAdmin sends those here). Redirects to the login page when nobody is signed in.
 */
export async function requireAdminForEnrolment(request: Request, context: AppLoadContext) {
  const session = await context.services.admin.session(request, context.clientIp);
  if (!session) throw redirect("/admin/login?next=%2Fadmin%2Ftwo-factor%2Fenrol");
  return session;
}

/**
 * Runs a caller call in a loader; a tRPC error becomes the HTTP response its code stands for
 * (404 page, 400, 409, 429, 502, 503…), the same statuses /api/trpc answers with. Only an
 * internal error goes on to the error boundary as a 500.
 */
export async function load<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TRPCError && e.code !== "INTERNAL_SERVER_ERROR") {
      const status = getHTTPStatusCodeFromError(e);
      throw new Response(e.message, { status, statusText: e.message });
    }
    throw e;
  }
}

export const isBadRequest = (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST";

/**
 * The payment list's filters from the page's query string (its filter form and the CSV link),
 * read by the server as the CSV export reads them; the procedure validates the values.
 */
export const filtersFromSearchParams = (context: AppLoadContext, sp: URLSearchParams) => context.services.admin.paymentFilters(sp);

export type LoginOutcome = { ok: true; headers: Headers; next: string } | { ok: false; status: number; error: string };

/** POST /admin/login: same-origin form, rate-limited login, session cookie. */
export async function loginAction(request: Request, context: AppLoadContext): Promise<LoginOutcome> {
  const r = await context.services.admin.login(request, context.clientIp);
  if (!r.ok) return r;
  const next = safeNext(r.next);
  // Two-factor sign-in: the code page comes first, then `next`.
  return { ok: true, headers: new Headers({ "Set-Cookie": r.setCookie }), next: r.secondFactor ? `/admin/two-factor?next=${encodeURIComponent(next)}` : next };
}

/** A sign-in waiting for its second factor: whose (the code page shows it), or null. */
export const pendingSignIn = (request: Request, context: AppLoadContext) => context.services.admin.pendingSignIn(request);

/** POST /admin/two-factor: the code; the full session's cookie and where to go, or what to show. */
export async function secondFactorAction(request: Request, context: AppLoadContext): Promise<LoginOutcome & { usedRecoveryCode?: boolean }> {
  const r = await context.services.admin.secondFactor(request, context.clientIp);
  if (!r.ok) return r;
  return { ok: true, headers: new Headers({ "Set-Cookie": r.setCookie }), next: safeNext(r.next), usedRecoveryCode: r.usedRecoveryCode };
}

/** POST /admin/logout: revokes the session and clears the cookie. */
export async function logoutAction(request: Request, context: AppLoadContext): Promise<Headers | null> {
  const setCookie = await context.services.admin.logout(request, context.clientIp);
  return setCookie ? new Headers({ "Set-Cookie": setCookie }) : null;
}

/** Already signed in? (the login page then goes straight to the console) */
export async function currentAdmin(request: Request, context: AppLoadContext): Promise<AdminSession | null> {
  return (await context.services.admin.session(request, context.clientIp))?.admin ?? null;
}
