// Server-side entry points of the admin console for Remix loaders and actions. They reach the
// server through the load context (`context.services`, server/remix); from server/ this module
// imports only types, so the Remix build holds no server code.
import { redirect } from "@remix-run/node";
import type { AppLoadContext } from "@remix-run/node";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { inferRouterInputs } from "@trpc/server";
import type { AdminSession } from "../server/admin/sessions.service";
import type { AdminCaller } from "../server/trpc/context";
import type { AppRouter } from "../server/trpc/router";

export type { AdminCaller, AdminSession };

/** Only redirect back inside the console (never to another site). */
export function safeNext(next: string | null | undefined): string {
  return next && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith("//") ? next : "/admin";
}

/**
 * The signed-in admin of a page request and a tRPC caller acting as them (pages render on the
 * server through the same procedures the browser calls). Redirects to the login page otherwise.
 */
export async function requireAdmin(request: Request, context: AppLoadContext): Promise<{ admin: AdminSession; caller: AdminCaller }> {
  const session = await context.services.admin.session(request, context.clientIp);
  if (!session) {
    const url = new URL(request.url);
    throw redirect(`/admin/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
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

type PaymentListInput = inferRouterInputs<AppRouter>["payments"]["list"];
type PaymentFilterKey = Exclude<keyof PaymentListInput, "cursor" | "limit">;
/** How each filter travels in the page's query string: text as is, amounts as whole numbers. */
const FILTER_KINDS: { [K in PaymentFilterKey]-?: NonNullable<PaymentListInput[K]> extends number ? "number" : "text" } = {
  projectId: "text",
  environment: "text",
  status: "text",
  midtransStatus: "text",
  createdFrom: "text",
  createdTo: "text",
  amountMin: "number",
  amountMax: "number",
  q: "text",
};

/**
 * The payment list's filters from the page's query string (its filter form and the CSV link);
 * empty values are unset. The keys are checked against the procedure's input type; the values
 * are validated by the procedure (an invalid one answers BAD_REQUEST).
 */
export function filtersFromSearchParams(sp: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(FILTER_KINDS)) {
    const v = sp.get(key)?.trim();
    if (!v) continue;
    out[key] = kind === "number" && /^\d+$/.test(v) ? Number(v) : v;
  }
  return out;
}

export type LoginOutcome = { ok: true; headers: Headers; next: string } | { ok: false; status: number; error: string };

/** POST /admin/login: same-origin form, rate-limited login, session cookie. */
export async function loginAction(request: Request, context: AppLoadContext): Promise<LoginOutcome> {
  const r = await context.services.admin.login(request, context.clientIp);
  if (!r.ok) return r;
  return { ok: true, headers: new Headers({ "Set-Cookie": r.setCookie }), next: safeNext(r.next) };
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
