import type { Db } from "../db/connect";

export interface AdminUserRow {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  created_at: Date;
  last_login_at: Date | null;
  disabled_at: Date | null;
}

/** `email` as stored: trimmed and lower-cased. */
export async function findAdminByEmail(db: Db, email: string): Promise<AdminUserRow | undefined> {
  const [row] = await db<AdminUserRow[]>`select * from admin_users where email = ${email}`;
  return row;
}

export async function countAdmins(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from admin_users`;
  return row.n;
}

export async function listActiveAdmins(db: Db): Promise<AdminUserRow[]> {
  return db<AdminUserRow[]>`select * from admin_users where disabled_at is null order by created_at`;
}

/** Undefined when the e-mail is taken (unique, stored lower-case). */
export async function insertAdmin(db: Db, a: { id: string; email: string; password_hash: string; role?: string }): Promise<AdminUserRow | undefined> {
  const [row] = await db<AdminUserRow[]>`
    insert into admin_users (id, email, password_hash, role) values (${a.id}, ${a.email}, ${a.password_hash}, ${a.role ?? "owner"})
    on conflict (email) do nothing
    returning *`;
  return row;
}

/** A successful sign-in: when, and the password's new hash when it was upgraded (null keeps it). */
export async function recordAdminLogin(db: Db, adminId: string, at: Date, rehash: string | null): Promise<void> {
  await db`update admin_users set last_login_at = ${at}, password_hash = coalesce(${rehash}, password_hash) where id = ${adminId}`;
}
