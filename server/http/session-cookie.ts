/**
 * The admin console's session cookie: its name, the Set-Cookie values that open and clear
 * it, and reading its token from a Cookie header. Transport code: the session itself
 * (token hash, expiry, revocation) belongs to server/admin/sessions.service.ts.
 */
import { SESSION_ABSOLUTE_MS } from "../admin/sessions.service";

export const SESSION_COOKIE = "astapa_admin";

/** The session token from a Cookie header. */
export function readSessionToken(cookieHeader: string | null | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,200}$/.test(v) ? v : null;
    }
  }
  return null;
}

const secureFlag = (publicUrl: string) => (publicUrl.startsWith("https:") ? "; Secure" : "");

export function sessionCookie(token: string, publicUrl: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_ABSOLUTE_MS / 1000}${secureFlag(publicUrl)}`;
}

export function clearedSessionCookie(publicUrl: string): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secureFlag(publicUrl)}`;
}
