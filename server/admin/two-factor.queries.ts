import type { Db } from "../db/connect";

export interface TwoFactorRow {
  admin_id: string;
  secret_encrypted: string;
  created_at: Date;
  enabled_at: Date | null;
  last_time_step: string | null;
}

export async function findTwoFactor(db: Db, adminId: string): Promise<TwoFactorRow | undefined> {
  const [row] = await db<TwoFactorRow[]>`select admin_id, secret_encrypted, created_at, enabled_at, last_time_step::text from admin_two_factor where admin_id = ${adminId}`;
  return row;
}

/** Starts (or restarts) an enrolment: a new secret, not enabled. Does nothing when two-factor is already enabled; returns whether it wrote. */
export async function upsertPendingTwoFactor(db: Db, adminId: string, secretEncrypted: string, at: Date): Promise<boolean> {
  const rows = await db`
    insert into admin_two_factor (admin_id, secret_encrypted, created_at, enabled_at, last_time_step)
    values (${adminId}, ${secretEncrypted}, ${at}, null, null)
    on conflict (admin_id) do update set secret_encrypted = excluded.secret_encrypted, created_at = excluded.created_at, last_time_step = null
      where admin_two_factor.enabled_at is null
    returning admin_id`;
  return rows.length === 1;
}

/**
 * Accepts a TOTP code's time step once: raises last_time_step only when the step is newer than
 * every step accepted before (one statement: two requests with the same code, one wins).
 * `enabled`: the row must be enabled (sign-in, regenerate, disable) or not yet (enrolment).
 */
export async function acceptTimeStep(db: Db, adminId: string, timeStep: number, enabled: boolean): Promise<boolean> {
  const rows = await db`
    update admin_two_factor set last_time_step = ${timeStep}
    where admin_id = ${adminId} and (last_time_step is null or last_time_step < ${timeStep})
      and (enabled_at is not null) = ${enabled}
    returning admin_id`;
  return rows.length === 1;
}

export async function enableTwoFactor(db: Db, adminId: string, at: Date): Promise<boolean> {
  const rows = await db`update admin_two_factor set enabled_at = ${at} where admin_id = ${adminId} and enabled_at is null returning admin_id`;
  return rows.length === 1;
}

/** Removes an admin's two-factor secret and recovery codes; whether there was a secret. */
export async function deleteTwoFactor(db: Db, adminId: string): Promise<boolean> {
  await db`delete from admin_recovery_codes where admin_id = ${adminId}`;
  const rows = await db`delete from admin_two_factor where admin_id = ${adminId} returning enabled_at`;
  return rows.length === 1;
}

/** Replaces every recovery code of an admin (used or not) with these hashes. */
export async function replaceRecoveryCodes(db: Db, adminId: string, codes: { id: string; hash: string }[], at: Date): Promise<void> {
  await db`delete from admin_recovery_codes where admin_id = ${adminId}`;
  const rows = codes.map((c) => ({ id: c.id, admin_id: adminId, code_hash: c.hash, created_at: at }));
  if (rows.length) await db`insert into admin_recovery_codes ${db(rows)}`;
}

/** Uses a recovery code once: true when this statement used it (concurrent uses of one code: one wins). */
export async function consumeRecoveryCode(db: Db, adminId: string, codeHash: string, at: Date): Promise<boolean> {
  const rows = await db`
    update admin_recovery_codes set used_at = ${at}
    where admin_id = ${adminId} and code_hash = ${codeHash} and used_at is null
    returning id`;
  return rows.length === 1;
}

export async function countUnusedRecoveryCodes(db: Db, adminId: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from admin_recovery_codes where admin_id = ${adminId} and used_at is null`;
  return row.n;
}
