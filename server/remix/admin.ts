import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { httpStatusOf } from "../http/errors";
import { infoFromFetch, isSameOrigin } from "../http/request-info";
import { clearedSessionCookie, readSessionToken, sessionCookie } from "../http/session-cookie";
import { login, logout, type AdminSession } from "../admin/sessions.service";
import { createCaller, createTrpcContext, type AdminCaller } from "../trpc/context";

/** The signed-in admin of a page request, and a tRPC caller acting as them. */
export interface AdminPageSession {
  admin: AdminSession;
  caller: AdminCaller;
}

/** The outcome of the sign-in form: the session cookie and the form's `next`, or what to show. */
export type LoginResult = { ok: true; setCookie: string; next: string } | { ok: false; status: number; error: string };

const formText = (v: FormDataEntryValue | null): string => (typeof v === "string" ? v : "");

/**
 * Pages render on the server through the same procedures the browser calls: the caller
 * carries the request's session, IP and CSRF verdict, exactly like /api/trpc.
 */
export async function adminPageSession(platform: PlatformContext, request: Request, clientIp?: string): Promise<AdminPageSession | null> {
  const ctx = await createTrpcContext(platform, infoFromFetch(request, clientIp));
  return ctx.admin ? { admin: ctx.admin, caller: createCaller(ctx) } : null;
}

/** POST /admin/login: same-origin form, rate-limited login, session cookie. */
export async function loginFromForm(platform: PlatformContext, request: Request, clientIp?: string): Promise<LoginResult> {
  const info = infoFromFetch(request, clientIp);
  if (!isSameOrigin(info, platform.config.publicUrl)) return { ok: false, status: 403, error: "This form must be sent from the console's own page." };
  const form = await request.formData();
  try {
    const { token } = await login(platform, {
      email: formText(form.get("email")),
      password: formText(form.get("password")),
      ip: clientIp ?? "unknown",
      userAgent: info.userAgent,
    });
    return { ok: true, setCookie: sessionCookie(token, platform.config.publicUrl), next: formText(form.get("next")) };
  } catch (e) {
    if (isDomainError(e) && (e.code === "unauthorized" || e.code === "rate_limited")) {
      return { ok: false, status: httpStatusOf[e.code], error: e.message };
    }
    throw e;
  }
}

/** POST /admin/logout: revokes the session; the Set-Cookie that clears it, or null for a cross-origin form. */
export async function logoutFromForm(platform: PlatformContext, request: Request, clientIp?: string): Promise<string | null> {
  const info = infoFromFetch(request, clientIp);
  if (!isSameOrigin(info, platform.config.publicUrl)) return null;
  await logout(platform, readSessionToken(info.cookie), clientIp);
  return clearedSessionCookie(platform.config.publicUrl);
}
