// The second step of a sign-in for Remix's pages (docs/decisions/0019-two-factor.md): what the
// pending sign-in is, and the code form that turns it into a full session.
import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { unstorableTextReason } from "../lib/validation";
import { httpStatusOf } from "../http/errors";
import { infoFromFetch, isSameOrigin } from "../http/request-info";
import { readSessionToken, sessionCookie } from "../http/session-cookie";
import { resolvePendingSignIn } from "../admin/sessions.service";
import { completeSecondFactor } from "../admin/two-factor.service";

export type SecondFactorResult = { ok: true; setCookie: string; next: string; usedRecoveryCode: boolean } | { ok: false; status: number; error: string };

const formText = (v: FormDataEntryValue | null): string => (typeof v === "string" ? v : "");

/** The e-mail of the sign-in this request's cookie holds while it waits for its second factor, or null. */
export async function pendingSignInEmail(platform: PlatformContext, request: Request): Promise<{ email: string; expiresAt: string } | null> {
  const pending = await resolvePendingSignIn(platform, readSessionToken(request.headers.get("cookie")));
  return pending ? { email: pending.email, expiresAt: pending.expiresAt } : null;
}

/** POST /admin/two-factor: same-origin form with a TOTP or recovery code; the full session's cookie. */
export async function secondFactorFromForm(platform: PlatformContext, request: Request, clientIp?: string): Promise<SecondFactorResult> {
  const info = infoFromFetch(request, clientIp);
  if (!isSameOrigin(info, platform.config.publicUrl)) return { ok: false, status: 403, error: "This form must be sent from the console's own page." };
  const form = await request.formData().catch(() => null);
  if (!form) return { ok: false, status: 400, error: "The form could not be read." };
  const code = formText(form.get("code")).slice(0, 64);
  if (unstorableTextReason(code)) return { ok: false, status: 400, error: "The code must not contain a NUL character or a broken Unicode character." };
  try {
    const r = await completeSecondFactor(platform, { token: readSessionToken(info.cookie), code, ip: clientIp ?? "unknown" });
    return { ok: true, setCookie: sessionCookie(r.token, platform.config.publicUrl), next: formText(form.get("next")), usedRecoveryCode: r.usedRecoveryCode };
  } catch (e) {
    if (isDomainError(e) && (e.code === "unauthorized" || e.code === "rate_limited" || e.code === "invalid_state")) {
      return { ok: false, status: httpStatusOf[e.code], error: e.message };
    }
    throw e;
  }
}
