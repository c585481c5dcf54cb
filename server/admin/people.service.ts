import { randomBytes } from "node:crypto";
import { z } from "zod";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { insertAdmin } from "./admin-users.queries";
import { adminEmailSchema, adminPasswordSchema } from "./admin-users.service";
import { writeAudit, type Actor } from "./audit.service";
import { hashPassword, verifyPassword } from "./passwords";
import { roles, type Role } from "./permissions";
import * as q from "./people.queries";
import { chargeLoginAttempt } from "./rate-limit";
import { revokeAdminSessions } from "./sessions.queries";
import { sha256, type AdminSession } from "./sessions.service";

/** How long an invitation link works. */
export const INVITE_TTL_MS = 72 * 3600_000;
/** How long a password-reset link works. */
export const RESET_TTL_MS = 24 * 3600_000;

/** A person of the console (an admin) as the People page shows them. */
export interface Person {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  last_login_at: string | null;
  disabled_at: string | null;
}

export interface OpenInvite {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  expires_at: string;
}

/** A one-time link, shown once to the owner who made it (only its hash is stored). */
export interface OneTimeLink {
  url: string;
  expires_at: string;
}

const roleSchema = z.enum(roles);
const adminRef = z.object({ adminId: z.string().trim().min(1).max(100) });
export const inviteInput = z.object({ email: adminEmailSchema, role: roleSchema });
export const setRoleInput = adminRef.extend({ role: roleSchema });
export const adminRefInput = adminRef;
export const inviteRefInput = z.object({ inviteId: z.string().trim().min(1).max(100) });
export const changeOwnPasswordInput = z.object({ currentPassword: z.string().max(1024), newPassword: adminPasswordSchema });
export const acceptLinkInput = z.object({ token: z.string().min(1).max(200), password: adminPasswordSchema });

const asRole = (r: string | null): Role => ((roles as readonly string[]).includes(r ?? "") ? (r as Role) : "viewer");
const toPerson = (r: q.PersonRow): Person => ({
  id: r.id,
  email: r.email,
  role: asRole(r.role),
  created_at: r.created_at.toISOString(),
  last_login_at: r.last_login_at?.toISOString() ?? null,
  disabled_at: r.disabled_at?.toISOString() ?? null,
});

const linkUrl = (ctx: PlatformContext, token: string) => `${ctx.config.publicUrl.replace(/\/$/, "")}/admin/invite/${token}`;

export async function listPeople(ctx: PlatformContext): Promise<{ people: Person[]; invites: OpenInvite[] }> {
  const [people, invites] = await Promise.all([q.listPeople(ctx.sql), q.listOpenInvites(ctx.sql, ctx.now())]);
  return {
    people: people.map(toPerson),
    invites: invites.map((i) => ({
      id: i.id,
      email: i.email,
      role: asRole(i.role),
      created_at: i.created_at.toISOString(),
      expires_at: i.expires_at.toISOString(),
    })),
  };
}

/**
 * An owner invites a person: a one-time link (INVITE_TTL_MS) where they choose a password and
 * become an admin with `role`. A newer invitation for the same e-mail replaces the older one.
 */
export async function invitePerson(ctx: PlatformContext, actor: Actor, input: z.output<typeof inviteInput>): Promise<OneTimeLink> {
  const token = randomBytes(32).toString("base64url");
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
  await ctx.sql.begin(async (tx) => {
    const [taken] = await tx`select 1 from admin_users where email = ${input.email}`;
    if (taken) throw new DomainError("validation_failed", "This person already has an account", { email: "already has an account" });
    await q.revokeOpenTokens(tx, "invite", input.email, now);
    const id = newId("atk");
    await q.insertAdminToken(tx, {
      id,
      kind: "invite",
      tokenHash: sha256(token),
      email: input.email,
      role: input.role,
      adminId: null,
      createdBy: actor.adminId,
      createdAt: now,
      expiresAt,
    });
    await writeAudit(tx, actor, { action: "admin.invite", targetType: "admin_invite", targetId: id, details: { email: input.email, role: input.role } });
  });
  return { url: linkUrl(ctx, token), expires_at: expiresAt.toISOString() };
}

export async function revokeInvite(ctx: PlatformContext, actor: Actor, inviteId: string): Promise<{ ok: true }> {
  await ctx.sql.begin(async (tx) => {
    const row = await q.revokeTokenById(tx, inviteId, ctx.now());
    if (row?.kind !== "invite") throw new DomainError("not_found", "No open invitation with this id");
    await writeAudit(tx, actor, { action: "admin.invite_revoke", targetType: "admin_invite", targetId: inviteId, details: { email: row.email } });
  });
  return { ok: true };
}

/** What an open link is for (the page asks before showing its form), or null when it no longer works. */
export async function linkInfo(ctx: PlatformContext, token: string): Promise<{ kind: "invite" | "reset"; email: string; role: Role | null } | null> {
  if (!token || token.length > 200) return null;
  const row = await q.findOpenToken(ctx.sql, sha256(token), ctx.now());
  return row ? { kind: row.kind, email: row.email, role: row.kind === "invite" ? asRole(row.role) : null } : null;
}

/**
 * Uses a link once: an invitation creates the admin with the invited role; a reset sets the
 * admin's new password and ends every session they had. Used, revoked, expired or unknown
 * links all answer the same `not_found`.
 */
export async function acceptLink(
  ctx: PlatformContext,
  input: { token: string; password: string; ip?: string | null },
): Promise<{ kind: "invite" | "reset"; email: string }> {
  const gone = () => new DomainError("not_found", "This link has expired or was already used. Ask an owner for a new one.");
  // A cheap lookup first: an unknown link costs no password hash (the page is public).
  if (input.token.length > 200 || !(await q.findOpenToken(ctx.sql, sha256(input.token), ctx.now()))) throw gone();
  const passwordHash = await hashPassword(input.password);
  const now = ctx.now();
  return ctx.sql.begin(async (tx) => {
    const row = await q.consumeToken(tx, sha256(input.token), now);
    if (!row) throw gone();
    if (row.kind === "invite") {
      const admin = await insertAdmin(tx, { id: newId("adm"), email: row.email, password_hash: passwordHash, role: asRole(row.role) });
      if (!admin) throw new DomainError("validation_failed", "This person already has an account", { email: "already has an account" });
      await q.setTokenAdmin(tx, row.id, admin.id);
      await writeAudit(
        tx,
        { adminId: admin.id, email: admin.email, ip: input.ip ?? null },
        { action: "admin.invite_accept", targetType: "admin", targetId: admin.id, details: { role: admin.role } },
      );
      return { kind: row.kind, email: row.email };
    }
    const admin = row.admin_id ? await q.findAdminById(tx, row.admin_id) : undefined;
    if (!admin) throw gone();
    await q.setAdminPassword(tx, admin.id, passwordHash);
    const ended = await revokeAdminSessions(tx, admin.id, now);
    await writeAudit(
      tx,
      { adminId: admin.id, email: admin.email, ip: input.ip ?? null },
      { action: "admin.password_reset", targetType: "admin", targetId: admin.id, details: { sessions_ended: ended } },
    );
    return { kind: row.kind, email: row.email };
  });
}

/** The person an owner acts on: exists, and is not the owner themself (nobody locks themself out). */
async function otherPerson(tx: Parameters<typeof q.findAdminById>[0], actor: Actor, adminId: string) {
  const admin = await q.findAdminById(tx, adminId);
  if (!admin) throw new DomainError("not_found", "No person with this id");
  if (admin.id === actor.adminId) throw new DomainError("invalid_state", "You cannot change your own role or disable yourself; ask another owner.");
  return admin;
}

/** Refuses a change that would leave no enabled owner. */
async function keepAnOwner(tx: Parameters<typeof q.findAdminById>[0], adminId: string): Promise<void> {
  const owners = await q.lockEnabledOwners(tx);
  if (owners.length === 1 && owners[0] === adminId) throw new DomainError("invalid_state", "The console needs at least one enabled owner.");
}

export async function setPersonRole(ctx: PlatformContext, actor: Actor, input: z.output<typeof setRoleInput>): Promise<Person> {
  return ctx.sql.begin(async (tx) => {
    const admin = await otherPerson(tx, actor, input.adminId);
    if (admin.role === "owner" && input.role !== "owner") await keepAnOwner(tx, admin.id);
    await q.setAdminRole(tx, admin.id, input.role);
    if (admin.role !== input.role) {
      await writeAudit(tx, actor, {
        action: "admin.role_change",
        targetType: "admin",
        targetId: admin.id,
        details: { email: admin.email, from: admin.role, to: input.role },
      });
    }
    return toPerson({ ...admin, role: input.role });
  });
}

/** Disables a person and ends every session they have, at once (their next request is signed out). */
export async function disablePerson(ctx: PlatformContext, actor: Actor, adminId: string): Promise<Person> {
  const now = ctx.now();
  return ctx.sql.begin(async (tx) => {
    const admin = await otherPerson(tx, actor, adminId);
    if (admin.disabled_at) return toPerson(admin);
    if (admin.role === "owner") await keepAnOwner(tx, admin.id);
    await q.setAdminDisabled(tx, admin.id, now);
    const ended = await revokeAdminSessions(tx, admin.id, now);
    await writeAudit(tx, actor, { action: "admin.disable", targetType: "admin", targetId: admin.id, details: { email: admin.email, sessions_ended: ended } });
    return toPerson({ ...admin, disabled_at: now });
  });
}

export async function enablePerson(ctx: PlatformContext, actor: Actor, adminId: string): Promise<Person> {
  return ctx.sql.begin(async (tx) => {
    const admin = await otherPerson(tx, actor, adminId);
    if (!admin.disabled_at) return toPerson(admin);
    await q.setAdminDisabled(tx, admin.id, null);
    await writeAudit(tx, actor, { action: "admin.enable", targetType: "admin", targetId: admin.id, details: { email: admin.email } });
    return toPerson({ ...admin, disabled_at: null });
  });
}

/** A one-time password-reset link for another person (RESET_TTL_MS); their password works until it is used. */
export async function resetPersonPassword(ctx: PlatformContext, actor: Actor, adminId: string): Promise<OneTimeLink> {
  const token = randomBytes(32).toString("base64url");
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + RESET_TTL_MS);
  await ctx.sql.begin(async (tx) => {
    const admin = await otherPerson(tx, actor, adminId);
    if (admin.disabled_at) throw new DomainError("invalid_state", "Enable this person before resetting their password.");
    await q.revokeOpenTokens(tx, "reset", admin.email, now);
    const id = newId("atk");
    await q.insertAdminToken(tx, {
      id,
      kind: "reset",
      tokenHash: sha256(token),
      email: admin.email,
      role: null,
      adminId: admin.id,
      createdBy: actor.adminId,
      createdAt: now,
      expiresAt,
    });
    await writeAudit(tx, actor, { action: "admin.password_reset_link", targetType: "admin", targetId: admin.id, details: { email: admin.email } });
  });
  return { url: linkUrl(ctx, token), expires_at: expiresAt.toISOString() };
}

/**
 * Anyone changes their own password, giving the current one (wrong guesses count against the
 * sign-in limits). Their other sessions end; the one they are using stays.
 */
export async function changeOwnPassword(
  ctx: PlatformContext,
  actor: Actor,
  session: AdminSession,
  input: z.output<typeof changeOwnPasswordInput>,
): Promise<{ ok: true; sessionsEnded: number }> {
  const ip = actor.ip ?? "unknown";
  const attempt = await chargeLoginAttempt(ctx, session.email, ip);
  const admin = await q.findAdminById(ctx.sql, session.adminId);
  if (!admin || !(await verifyPassword(input.currentPassword, admin.password_hash))) {
    await writeAudit(ctx.sql, actor, { action: "admin.password_change_failed", targetType: "admin", targetId: session.adminId });
    throw new DomainError("validation_failed", "The current password is wrong", { currentPassword: "is wrong" });
  }
  await attempt.succeeded();
  const passwordHash = await hashPassword(input.newPassword);
  const now = ctx.now();
  return ctx.sql.begin(async (tx) => {
    await q.setAdminPassword(tx, admin.id, passwordHash);
    const ended = await revokeAdminSessions(tx, admin.id, now, session.sessionId);
    await writeAudit(tx, actor, { action: "admin.password_change", targetType: "admin", targetId: admin.id, details: { other_sessions_ended: ended } });
    return { ok: true as const, sessionsEnded: ended };
  });
}
