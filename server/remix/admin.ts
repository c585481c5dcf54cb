import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { unstorableTextReason } from "../lib/validation";
import { httpStatusOf } from "../http/errors";
import { infoFromFetch, isSameOrigin } from "../http/request-info";
import { clearedSessionCookie, readSessionToken, sessionCookie } from "../http/session-cookie";
import { login, logout, type AdminSession } from "../admin/sessions.service";
import { permissionsOf, type Permission } from "../admin/permissions";
import { acceptLink, acceptLinkInput, linkInfo } from "../admin/people.service";
import { parseInput } from "../lib/validation";
import { createCaller, createTrpcContext, type AdminCaller } from "../trpc/context";

/** The signed-in admin of a page request, and a tRPC caller acting as them. */
export interface AdminPageSession {
  admin: AdminSession;
  caller: AdminCaller;
  /** What the admin's role allows (server/admin/permissions.ts): pages show only the actions it grants. */
  permissions: Permission[];
}

/** The outcome of the sign-in form: the session cookie and the form's `next`, or what to show. */
export type LoginResult = { ok: true; setCookie: string; next: string; /** The second step (a TOTP code) is still to come. */ secondFactor: boolean } | { ok: false; status: number; error: string };

const formText = (v: FormDataEntryValue | null): string => (typeof v === "string" ? v : "");

/**
 * Pages render on the server through the same procedures the browser calls: the caller
 * carries the request's session, IP and CSRF verdict, exactly like /api/trpc.
 */
export async function adminPageSession(platform: PlatformContext, request: Request, clientIp?: string): Promise<AdminPageSession | null> {
  const ctx = await createTrpcContext(platform, infoFromFetch(request, clientIp));
  return ctx.admin ? { admin: ctx.admin, caller: createCaller(ctx), permissions: permissionsOf(ctx.admin.role) } : null;
}

/** POST /admin/login: same-origin form, rate-limited login, session cookie. */
export async function loginFromForm(platform: PlatformContext, request: Request, clientIp?: string): Promise<LoginResult> {
  const info = infoFromFetch(request, clientIp);
  if (!isSameOrigin(info, platform.config.publicUrl)) return { ok: false, status: 403, error: "This form must be sent from the console's own page." };
  // A body that is not a form (wrong content type, broken multipart) is the client's error: 400, not 500.
  const form = await request.formData().catch(() => null);
  if (!form) return { ok: false, status: 400, error: "The sign-in form could not be read." };
  const email = formText(form.get("email"));
  const password = formText(form.get("password"));
  // Nothing PostgreSQL cannot store reaches the sign-in's lookups and audit row (docs/api.md#limits-on-text-json-and-dates).
  if (unstorableTextReason(email) || unstorableTextReason(password)) {
    return { ok: false, status: 400, error: "The e-mail and password must not contain a NUL character or a broken Unicode character." };
  }
  try {
    const { token, secondFactorPending } = await login(platform, {
      email,
      password,
      ip: clientIp ?? "unknown",
      userAgent: info.userAgent,
    });
    return { ok: true, setCookie: sessionCookie(token, platform.config.publicUrl), next: formText(form.get("next")), secondFactor: secondFactorPending };
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

/** What a one-time link (invitation or password reset) is for, or null when it no longer works. */
export const adminLinkInfo = (platform: PlatformContext, token: string) => linkInfo(platform, token);

export type AcceptLinkResult = { ok: true; kind: "invite" | "reset"; email: string } | { ok: false; status: number; error: string; fields?: Record<string, string> };

/** POST /admin/invite/<token>: same-origin form; sets the password of the invitation or reset. */
export async function acceptLinkFromForm(platform: PlatformContext, request: Request, token: string, clientIp?: string): Promise<AcceptLinkResult> {
  const info = infoFromFetch(request, clientIp);
  if (!isSameOrigin(info, platform.config.publicUrl)) return { ok: false, status: 403, error: "This form must be sent from the console's own page." };
  const form = await request.formData().catch(() => null);
  if (!form) return { ok: false, status: 400, error: "The form could not be read." };
  const password = formText(form.get("password"));
  if (password !== formText(form.get("confirm"))) return { ok: false, status: 400, error: "The two passwords differ.", fields: { confirm: "differs" } };
  try {
    const input = parseInput(acceptLinkInput, { token, password }, "Invalid password");
    const r = await acceptLink(platform, { ...input, ip: clientIp ?? null });
    return { ok: true, ...r };
  } catch (e) {
    if (isDomainError(e) && (e.code === "validation_failed" || e.code === "not_found")) {
      return { ok: false, status: httpStatusOf[e.code], error: e.message, ...(e.fields ? { fields: e.fields } : {}) };
    }
    throw e;
  }
}
