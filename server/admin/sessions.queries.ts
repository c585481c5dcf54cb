import type { Db } from "../db/connect";

export interface SessionJoinRow {
  id: string;
  admin_id: string;
  email: string;
  /** The admin's role now (read with every request: a role change applies at once). */
  role: string;
  last_seen_at: Date;
  expires_at: Date;
}

export async function insertSession(
  db: Db,
  s: { id: string; adminId: string; tokenHash: string; createdAt: Date; expiresAt: Date; ip: string; userAgent: string | null },
): Promise<void> {
  await db`insert into admin_sessions (id, admin_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
           values (${s.id}, ${s.adminId}, ${s.tokenHash}, ${s.createdAt}, ${s.createdAt}, ${s.expiresAt}, ${s.ip}, ${s.userAgent})`;
}

/** A live (not revoked) session of an enabled admin, by its token's hash. Expiry is the caller's to judge. */
export async function findLiveSession(db: Db, tokenHash: string): Promise<SessionJoinRow | undefined> {
  const [row] = await db<SessionJoinRow[]>`
    select s.id, s.admin_id, a.email, a.role, s.last_seen_at, s.expires_at
    from admin_sessions s join admin_users a on a.id = s.admin_id
    where s.token_hash = ${tokenHash} and s.revoked_at is null and a.disabled_at is null`;
  return row;
}

export async function touchSession(db: Db, id: string, at: Date): Promise<void> {
  await db`update admin_sessions set last_seen_at = ${at} where id = ${id}`;
}

/** Revokes the session with this token's hash; returns it with its admin, or undefined when none was live. */
export async function revokeSession(db: Db, tokenHash: string, at: Date): Promise<{ id: string; admin_id: string; email: string } | undefined> {
  const [row] = await db<{ id: string; admin_id: string; email: string }[]>`
    update admin_sessions s set revoked_at = ${at}
    from admin_users a
    where s.token_hash = ${tokenHash} and s.revoked_at is null and a.id = s.admin_id
    returning s.id, s.admin_id, a.email`;
  return row;
}

/** Ends every live session of an admin (disabled, password reset or changed); `except` keeps one (the caller's own). Returns how many. */
export async function revokeAdminSessions(db: Db, adminId: string, at: Date, except: string | null = null): Promise<number> {
  const rows = await db`update admin_sessions set revoked_at = ${at}
                        where admin_id = ${adminId} and revoked_at is null and (${except}::text is null or id <> ${except})
                        returning id`;
  return rows.length;
}
