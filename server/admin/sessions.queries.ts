import type { Db } from "../db/connect";

export interface SessionJoinRow {
  id: string;
  admin_id: string;
  email: string;
  /** The admin's role now (read with every request: a role change applies at once). */
  role: string;
  last_seen_at: Date;
  expires_at: Date;
  /** The password was right, the second factor is still to come (docs/decisions/0019-two-factor.md). */
  second_factor_pending: boolean;
  /** The admin has two-factor sign-in enabled now. */
  two_factor_enabled: boolean;
}

export async function insertSession(
  db: Db,
  s: { id: string; adminId: string; tokenHash: string; createdAt: Date; expiresAt: Date; ip: string; userAgent: string | null; secondFactorPending?: boolean },
): Promise<void> {
  await db`insert into admin_sessions (id, admin_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent, second_factor_pending)
           values (${s.id}, ${s.adminId}, ${s.tokenHash}, ${s.createdAt}, ${s.createdAt}, ${s.expiresAt}, ${s.ip}, ${s.userAgent}, ${s.secondFactorPending ?? false})`;
}

/** A live (not revoked) session of an enabled admin, by its token's hash. Expiry is the caller's to judge. */
export async function findLiveSession(db: Db, tokenHash: string): Promise<SessionJoinRow | undefined> {
  const [row] = await db<SessionJoinRow[]>`
    select s.id, s.admin_id, a.email, a.role, s.last_seen_at, s.expires_at, s.second_factor_pending,
           exists (select 1 from admin_two_factor f where f.admin_id = a.id and f.enabled_at is not null) as two_factor_enabled
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

/**
 * The second step of a sign-in succeeded: the pending session becomes a full one under a new token
 * (the pending token stops working), with its absolute expiry counted from now. Undefined when it
 * was no longer pending (used, revoked) or had expired.
 */
export async function completePendingSession(
  db: Db,
  s: { id: string; newTokenHash: string; now: Date; expiresAt: Date },
): Promise<{ id: string } | undefined> {
  const [row] = await db<{ id: string }[]>`
    update admin_sessions set token_hash = ${s.newTokenHash}, second_factor_pending = false, created_at = ${s.now}, last_seen_at = ${s.now}, expires_at = ${s.expiresAt}
    where id = ${s.id} and second_factor_pending and revoked_at is null and expires_at > ${s.now}
    returning id`;
  return row;
}

export interface OwnSessionRow {
  id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/** An admin's signed-in sessions not revoked and not past `now`'s absolute expiry (idle expiry is the caller's to judge), newest first. */
export async function listAdminSessions(db: Db, adminId: string, now: Date): Promise<OwnSessionRow[]> {
  return db<OwnSessionRow[]>`
    select id, created_at, last_seen_at, expires_at, ip, user_agent from admin_sessions
    where admin_id = ${adminId} and revoked_at is null and not second_factor_pending and expires_at > ${now}
    order by last_seen_at desc, id limit 100`;
}

/** Revokes one session of an admin by its id; whether it was live. */
export async function revokeAdminSessionById(db: Db, adminId: string, id: string, at: Date): Promise<boolean> {
  const rows = await db`update admin_sessions set revoked_at = ${at} where id = ${id} and admin_id = ${adminId} and revoked_at is null returning id`;
  return rows.length === 1;
}
