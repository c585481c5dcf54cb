import type { Db } from "../db/connect";
import type { AdminUserRow } from "./admin-users.queries";

export type PersonRow = Omit<AdminUserRow, "password_hash">;

/** Every admin, enabled first, then by creation. */
export async function listPeople(db: Db): Promise<PersonRow[]> {
  return db<PersonRow[]>`select id, email, role, created_at, last_login_at, disabled_at from admin_users
                         order by disabled_at is not null, created_at, id`;
}

export async function findAdminById(db: Db, id: string): Promise<AdminUserRow | undefined> {
  const [row] = await db<AdminUserRow[]>`select * from admin_users where id = ${id}`;
  return row;
}

/** Locks the enabled owners (a role change or a disable must leave at least one). */
export async function lockEnabledOwners(db: Db): Promise<string[]> {
  const rows = await db<{ id: string }[]>`select id from admin_users where role = 'owner' and disabled_at is null order by id for update`;
  return rows.map((r) => r.id);
}

export async function setAdminRole(db: Db, id: string, role: string): Promise<void> {
  await db`update admin_users set role = ${role} where id = ${id}`;
}

export async function setAdminDisabled(db: Db, id: string, at: Date | null): Promise<void> {
  await db`update admin_users set disabled_at = ${at} where id = ${id}`;
}

export async function setAdminPassword(db: Db, id: string, passwordHash: string): Promise<void> {
  await db`update admin_users set password_hash = ${passwordHash} where id = ${id}`;
}

export interface AdminTokenRow {
  id: string;
  kind: "invite" | "reset";
  email: string;
  role: string | null;
  admin_id: string | null;
  created_by: string | null;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export async function insertAdminToken(
  db: Db,
  t: {
    id: string;
    kind: "invite" | "reset";
    tokenHash: string;
    email: string;
    role: string | null;
    adminId: string | null;
    createdBy: string | null;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db`insert into admin_tokens (id, kind, token_hash, email, role, admin_id, created_by, created_at, expires_at)
           values (${t.id}, ${t.kind}, ${t.tokenHash}, ${t.email}, ${t.role}, ${t.adminId}, ${t.createdBy}, ${t.createdAt}, ${t.expiresAt})`;
}

/** Revokes the still-open links of one kind for an e-mail (a newer link replaces them); returns how many. */
export async function revokeOpenTokens(db: Db, kind: "invite" | "reset", email: string, at: Date): Promise<number> {
  const rows = await db`update admin_tokens set revoked_at = ${at}
                        where kind = ${kind} and email = ${email} and used_at is null and revoked_at is null returning id`;
  return rows.length;
}

export async function revokeTokenById(db: Db, id: string, at: Date): Promise<AdminTokenRow | undefined> {
  const [row] = await db<AdminTokenRow[]>`update admin_tokens set revoked_at = ${at}
                                          where id = ${id} and used_at is null and revoked_at is null
                                          returning id, kind, email, role, admin_id, created_by, created_at, expires_at, used_at, revoked_at`;
  return row;
}

/** A link that can still be used (not used, not revoked, not expired at `now`), by its token's hash. */
export async function findOpenToken(db: Db, tokenHash: string, now: Date): Promise<AdminTokenRow | undefined> {
  const [row] = await db<AdminTokenRow[]>`
    select id, kind, email, role, admin_id, created_by, created_at, expires_at, used_at, revoked_at from admin_tokens
    where token_hash = ${tokenHash} and used_at is null and revoked_at is null and expires_at > ${now}`;
  return row;
}

/** Uses a link once: the row when this call used it, undefined when it was used, revoked or expired already. */
export async function consumeToken(db: Db, tokenHash: string, now: Date): Promise<AdminTokenRow | undefined> {
  const [row] = await db<AdminTokenRow[]>`
    update admin_tokens set used_at = ${now}
    where token_hash = ${tokenHash} and used_at is null and revoked_at is null and expires_at > ${now}
    returning id, kind, email, role, admin_id, created_by, created_at, expires_at, used_at, revoked_at`;
  return row;
}

export async function setTokenAdmin(db: Db, id: string, adminId: string): Promise<void> {
  await db`update admin_tokens set admin_id = ${adminId} where id = ${id}`;
}

/** Invitations not yet accepted, revoked or expired. */
export async function listOpenInvites(db: Db, now: Date): Promise<AdminTokenRow[]> {
  return db<AdminTokenRow[]>`
    select id, kind, email, role, admin_id, created_by, created_at, expires_at, used_at, revoked_at from admin_tokens
    where kind = 'invite' and used_at is null and revoked_at is null and expires_at > ${now}
    order by created_at desc limit 200`;
}
