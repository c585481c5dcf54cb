import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { findAdminByEmail, recordAdminLogin } from "./admin-users.queries";
import { writeAudit } from "./audit.service";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./passwords";
import { chargeLoginAttempt } from "./rate-limit";
import * as q from "./sessions.queries";
import { isRole, type Role } from "./permissions";

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000;
/** last_seen_at is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;

/** The signed-in admin of a request. */
export interface AdminSession {
  sessionId: string;
  adminId: string;
  email: string;
  /** The admin's role (server/admin/permissions.ts), as stored when the request arrived. */
  role: Role;
  expiresAt: string;
}

/** A stored role this version does not know (written by a newer one) reads as the least: viewer. */
const roleOf = (r: string): Role => (isRole(r) ? r : "viewer");

export const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

export interface LoginInput {
  email: unknown;
  password: unknown;
  ip: string;
  userAgent?: string | null;
}

/**
 * Checks e-mail and password and opens a session. Failed attempts are rate-limited per
 * (e-mail, IP) and per IP (server/admin/rate-limit.ts); unknown e-mail and wrong password answer
 * the same and cost the same.
 * Returns the raw token for the cookie (only its sha256 is stored).
 */
export async function login(ctx: PlatformContext, input: LoginInput): Promise<{ token: string; session: AdminSession }> {
  const email = typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 320) : "";
  const password = typeof input.password === "string" ? input.password : "";
  const ip = input.ip || "unknown";
  // Counted as a failure before the password is checked (given back on success): parallel
  // attempts never cost more than the limit in password hashes and audit rows.
  const attempt = await chargeLoginAttempt(ctx, email, ip);
  const admin = email ? await findAdminByEmail(ctx.sql, email) : undefined;
  const ok = await verifyPassword(password, admin?.password_hash ?? (await dummyPasswordHash()));
  if (!admin || !ok || admin.disabled_at) {
    await writeAudit(ctx.sql, { adminId: null, email: null, ip }, { action: "admin.login_failed", details: { email: email.slice(0, 200) } });
    throw new DomainError("unauthorized", "Wrong e-mail or password.");
  }
  await attempt.succeeded();

  const token = randomBytes(32).toString("base64url");
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  const sessionId = newId("ses");
  const rehash = needsRehash(admin.password_hash) ? await hashPassword(password) : null;
  await ctx.sql.begin(async (tx) => {
    await q.insertSession(tx, {
      id: sessionId,
      adminId: admin.id,
      tokenHash: sha256(token),
      createdAt: now,
      expiresAt,
      ip,
      userAgent: (input.userAgent ?? "").slice(0, 300) || null,
    });
    await recordAdminLogin(tx, admin.id, now, rehash);
    await writeAudit(tx, { adminId: admin.id, email: admin.email, ip }, { action: "admin.login", targetType: "admin", targetId: admin.id });
  });
  return { token, session: { sessionId, adminId: admin.id, email: admin.email, role: roleOf(admin.role), expiresAt: expiresAt.toISOString() } };
}

/** The session a cookie token belongs to, or null (unknown, revoked, idle too long, past its absolute expiry, admin disabled). */
export async function resolveSession(ctx: PlatformContext, token: string | null | undefined): Promise<AdminSession | null> {
  if (!token || token.length > 200) return null;
  const row = await q.findLiveSession(ctx.sql, sha256(token));
  if (!row) return null;
  const now = ctx.now().getTime();
  if (row.expires_at.getTime() <= now || row.last_seen_at.getTime() + SESSION_IDLE_MS <= now) return null;
  if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await q.touchSession(ctx.sql, row.id, new Date(now));
  }
  return { sessionId: row.id, adminId: row.admin_id, email: row.email, role: roleOf(row.role), expiresAt: row.expires_at.toISOString() };
}

export async function logout(ctx: PlatformContext, token: string | null | undefined, ip?: string | null): Promise<void> {
  if (!token || token.length > 200) return;
  await ctx.sql.begin(async (tx) => {
    const row = await q.revokeSession(tx, sha256(token), ctx.now());
    if (row) await writeAudit(tx, { adminId: row.admin_id, email: row.email, ip }, { action: "admin.logout", targetType: "admin", targetId: row.admin_id });
  });
}
