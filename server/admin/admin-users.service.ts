import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { systemActor, writeAudit, type Actor } from "./audit.service";
import { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords";

export interface AdminUser {
  id: string;
  email: string;
  created_at: string;
  last_login_at: string | null;
}

export interface AdminUserRow {
  id: string;
  email: string;
  password_hash: string;
  created_at: Date;
  last_login_at: Date | null;
  disabled_at: Date | null;
}

export const toAdminUser = (r: Pick<AdminUserRow, "id" | "email" | "created_at" | "last_login_at">): AdminUser => ({
  id: r.id,
  email: r.email,
  created_at: r.created_at.toISOString(),
  last_login_at: r.last_login_at?.toISOString() ?? null,
});

export const adminEmailSchema = z.string().trim().toLowerCase().max(320).pipe(z.email());
export const adminPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);

export async function findAdminByEmail(db: Db, email: string): Promise<AdminUserRow | undefined> {
  const [row] = await db<AdminUserRow[]>`select * from admin_users where email = ${email.trim().toLowerCase()}`;
  return row;
}

export async function countAdmins(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from admin_users`;
  return row.n;
}

export async function listAdmins(db: Db): Promise<AdminUser[]> {
  const rows = await db<AdminUserRow[]>`select * from admin_users where disabled_at is null order by created_at`;
  return rows.map(toAdminUser);
}

/** Creates an admin (e-mail unique, case-insensitive; password ≥ 12 characters, scrypt-hashed). */
export async function createAdmin(db: Db, input: { email: unknown; password: unknown }, actor: Actor): Promise<AdminUser> {
  const email = adminEmailSchema.safeParse(input.email);
  const password = adminPasswordSchema.safeParse(input.password);
  if (!email.success || !password.success) {
    const fields: Record<string, string> = {};
    if (!email.success) fields.email = "must be an e-mail address";
    if (!password.success) fields.password = password.error.issues[0]?.message ?? "invalid";
    throw new DomainError("validation_failed", `Invalid admin: ${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(", ")}`, fields);
  }
  const password_hash = await hashPassword(password.data);
  const [row] = await db<AdminUserRow[]>`
    insert into admin_users (id, email, password_hash) values (${newId("adm")}, ${email.data}, ${password_hash})
    on conflict (email) do nothing
    returning *`;
  if (!row) throw new DomainError("validation_failed", "An admin with this e-mail already exists", { email: "already exists" });
  await writeAudit(db, actor, { action: "admin.create", targetType: "admin", targetId: row.id, details: { email: row.email } });
  return toAdminUser(row);
}

export type FirstAdminResult =
  | { created: false }
  | { created: true; admin: AdminUser; /** Set when no password was given: print it once. */ generatedPassword?: string };

/**
 * On a platform without any admin, creates the first one: from the given e-mail/password
 * (ADMIN_EMAIL / ADMIN_PASSWORD), else `admin@localhost` with a generated password that the
 * caller prints once. Does nothing when an admin exists.
 */
export async function ensureFirstAdmin(
  ctx: PlatformContext,
  opts: { email?: string | null; password?: string | null } = {},
): Promise<FirstAdminResult> {
  if ((await countAdmins(ctx.sql)) > 0) return { created: false };
  const generatedPassword = opts.password ? undefined : generatePassword();
  const email = opts.email || "admin@localhost";
  // "admin@localhost" is not a valid e-mail for z.email(); accept it for the bootstrap only.
  let admin: AdminUser | null;
  try {
    admin =
      email === "admin@localhost"
        ? await insertBootstrapAdmin(ctx.sql, email, opts.password || generatedPassword!)
        : await createAdmin(ctx.sql, { email, password: opts.password || generatedPassword }, systemActor("bootstrap"));
  } catch (e) {
    // Another process starting at the same time created it first.
    if (e instanceof DomainError && e.fields?.email === "already exists") return { created: false };
    throw e;
  }
  if (!admin) return { created: false };
  ctx.logger.info({ email: admin.email }, "first admin created");
  return { created: true, admin, ...(generatedPassword ? { generatedPassword } : {}) };
}

async function insertBootstrapAdmin(db: Db, email: string, password: string): Promise<AdminUser | null> {
  const parsed = adminPasswordSchema.safeParse(password);
  if (!parsed.success) throw new DomainError("validation_failed", `ADMIN_PASSWORD ${parsed.error.issues[0]?.message}`);
  const [row] = await db<AdminUserRow[]>`
    insert into admin_users (id, email, password_hash) values (${newId("adm")}, ${email}, ${await hashPassword(password)})
    on conflict (email) do nothing
    returning *`;
  if (!row) return null;
  await writeAudit(db, systemActor("bootstrap"), { action: "admin.create", targetType: "admin", targetId: row.id, details: { email } });
  return toAdminUser(row);
}
