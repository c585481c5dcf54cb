import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { findAdminByEmail, recordAdminLogin } from "./admin-users.queries";
import { writeAudit, type Actor } from "./audit.service";
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from "./passwords";
import { chargeLoginAttempt } from "./rate-limit";
import * as q from "./sessions.queries";
import { isRole, requiresTwoFactor, type Role } from "./permissions";
import { findTwoFactor } from "./two-factor.queries";
import { setAdminPassword } from "./people.queries";

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000;
/** How long the second step of a sign-in may take after the password (docs/decisions/0019-two-factor.md). */
export const SECOND_FACTOR_PENDING_MS = 5 * 60_000;
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
  /** Two-factor sign-in is enabled for this admin. */
  twoFactorEnabled: boolean;
  /**
   * The role requires two-factor sign-in and none is enrolled: the session may do nothing but
   * enrol (server/trpc/trpc.ts refuses everything else with `two_factor_enrolment_required`).
   */
  twoFactorEnrolmentRequired: boolean;
}

/** A sign-in waiting for its second factor (the password was right). */
export interface PendingSignIn {
  sessionId: string;
  adminId: string;
  email: string;
  expiresAt: string;
}

function toAdminSession(r: { sessionId: string; adminId: string; email: string; role: string; expiresAt: Date; twoFactorEnabled: boolean }): AdminSession {
  const role = roleOf(r.role);
  return {
    sessionId: r.sessionId,
    adminId: r.adminId,
    email: r.email,
    role,
    expiresAt: r.expiresAt.toISOString(),
    twoFactorEnabled: r.twoFactorEnabled,
    twoFactorEnrolmentRequired: requiresTwoFactor(role) && !r.twoFactorEnabled,
  };
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

export type LoginOutcome =
  | { token: string; secondFactorPending: false; session: AdminSession }
  | { token: string; secondFactorPending: true; pending: PendingSignIn };

/**
 * Checks e-mail and password and opens a session. Failed attempts are rate-limited per
 * (e-mail, IP) and per IP (server/admin/rate-limit.ts); unknown e-mail and wrong password answer
 * the same and cost the same.
 * An admin with two-factor sign-in gets a pending session (SECOND_FACTOR_PENDING_MS) that opens
 * nothing until completeSecondFactor (server/admin/two-factor.service.ts) turns it into a full one.
 * Returns the raw token for the cookie (only its sha256 is stored).
 */
export async function login(ctx: PlatformContext, input: LoginInput): Promise<LoginOutcome> {
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
  const sessionId = newId("ses");
  const rehash = needsRehash(admin.password_hash) ? await hashPassword(password) : null;
  const twoFactor = await findTwoFactor(ctx.sql, admin.id);
  if (twoFactor?.enabled_at) {
    const pendingUntil = new Date(now.getTime() + SECOND_FACTOR_PENDING_MS);
    await q.insertSession(ctx.sql, {
      id: sessionId,
      adminId: admin.id,
      tokenHash: sha256(token),
      createdAt: now,
      expiresAt: pendingUntil,
      ip,
      userAgent: (input.userAgent ?? "").slice(0, 300) || null,
      secondFactorPending: true,
    });
    // The password was right: its hash is upgraded now (the second step does not see the password).
    if (rehash) await setAdminPassword(ctx.sql, admin.id, rehash);
    return { token, secondFactorPending: true, pending: { sessionId, adminId: admin.id, email: admin.email, expiresAt: pendingUntil.toISOString() } };
  }
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
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
  return {
    token,
    secondFactorPending: false,
    session: toAdminSession({ sessionId, adminId: admin.id, email: admin.email, role: admin.role, expiresAt, twoFactorEnabled: false }),
  };
}

/** The session a cookie token belongs to, or null (unknown, revoked, idle too long, past its absolute expiry, admin disabled). */
export async function resolveSession(ctx: PlatformContext, token: string | null | undefined): Promise<AdminSession | null> {
  if (!token || token.length > 200) return null;
  const row = await q.findLiveSession(ctx.sql, sha256(token));
  if (!row || row.second_factor_pending) return null;
  const now = ctx.now().getTime();
  if (row.expires_at.getTime() <= now || row.last_seen_at.getTime() + SESSION_IDLE_MS <= now) return null;
  if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await q.touchSession(ctx.sql, row.id, new Date(now));
  }
  return toAdminSession({ sessionId: row.id, adminId: row.admin_id, email: row.email, role: row.role, expiresAt: row.expires_at, twoFactorEnabled: row.two_factor_enabled });
}

/** The sign-in a cookie token belongs to when it waits for its second factor, or null. */
export async function resolvePendingSignIn(ctx: PlatformContext, token: string | null | undefined): Promise<PendingSignIn | null> {
  if (!token || token.length > 200) return null;
  const row = await q.findLiveSession(ctx.sql, sha256(token));
  if (!row?.second_factor_pending || row.expires_at.getTime() <= ctx.now().getTime()) return null;
  return { sessionId: row.id, adminId: row.admin_id, email: row.email, expiresAt: row.expires_at.toISOString() };
}

/** One of an admin's own sessions, as the Account page lists them (times ISO 8601; the page shows WIB). */
export interface OwnSession {
  id: string;
  created_at: string;
  last_seen_at: string;
  /** When it ends unless used again (last seen + SESSION_IDLE_MS), capped by the absolute expiry. */
  idle_expires_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  /** The session this request came with. */
  current: boolean;
}

/** The admin's live sessions (not revoked, not idle too long, before their absolute expiry). */
export async function listOwnSessions(ctx: PlatformContext, session: AdminSession): Promise<OwnSession[]> {
  const now = ctx.now();
  const rows = await q.listAdminSessions(ctx.sql, session.adminId, now);
  return rows
    .map((r) => ({ r, idle: new Date(Math.min(r.last_seen_at.getTime() + SESSION_IDLE_MS, r.expires_at.getTime())) }))
    .filter(({ idle }) => idle.getTime() > now.getTime())
    .map(({ r, idle }) => ({
      id: r.id,
      created_at: r.created_at.toISOString(),
      last_seen_at: r.last_seen_at.toISOString(),
      idle_expires_at: idle.toISOString(),
      expires_at: r.expires_at.toISOString(),
      ip: r.ip,
      user_agent: r.user_agent,
      current: r.id === session.sessionId,
    }));
}

/** Signs one of the admin's own other sessions out (another device). Their current one is signed out with Sign out. */
export async function revokeOwnSession(ctx: PlatformContext, actor: Actor, session: AdminSession, sessionId: string): Promise<{ ok: true }> {
  if (sessionId === session.sessionId) throw new DomainError("invalid_state", "This is the session you are using: sign out instead.");
  await ctx.sql.begin(async (tx) => {
    if (!(await q.revokeAdminSessionById(tx, session.adminId, sessionId, ctx.now()))) throw new DomainError("not_found", "No live session of yours with this id");
    await writeAudit(tx, actor, { action: "admin.session_revoke", targetType: "admin_session", targetId: sessionId });
  });
  return { ok: true };
}

/** "Sign out everywhere else": every session of the admin but the one this request came with. */
export async function revokeOtherOwnSessions(ctx: PlatformContext, actor: Actor, session: AdminSession): Promise<{ ok: true; sessionsEnded: number }> {
  return ctx.sql.begin(async (tx) => {
    const ended = await q.revokeAdminSessions(tx, session.adminId, ctx.now(), session.sessionId);
    await writeAudit(tx, actor, { action: "admin.sessions_revoke_others", targetType: "admin", targetId: session.adminId, details: { sessions_ended: ended } });
    return { ok: true as const, sessionsEnded: ended };
  });
}

export async function logout(ctx: PlatformContext, token: string | null | undefined, ip?: string | null): Promise<void> {
  if (!token || token.length > 200) return;
  await ctx.sql.begin(async (tx) => {
    const row = await q.revokeSession(tx, sha256(token), ctx.now());
    if (row) await writeAudit(tx, { adminId: row.admin_id, email: row.email, ip }, { action: "admin.logout", targetType: "admin", targetId: row.admin_id });
  });
}
