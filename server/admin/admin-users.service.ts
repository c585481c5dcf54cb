import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { parseInput } from "../lib/validation";
import type { PlatformContext } from "../platform/context";
import * as q from "./admin-users.queries";
import { systemActor, writeAudit, type Actor } from "./audit.service";
import { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./passwords";

export interface AdminUser {
  id: string;
  email: string;
  created_at: string;
  last_login_at: string | null;
}

export type { AdminUserRow } from "./admin-users.queries";

export const toAdminUser = (r: Pick<q.AdminUserRow, "id" | "email" | "created_at" | "last_login_at">): AdminUser => ({
  id: r.id,
  email: r.email,
  created_at: r.created_at.toISOString(),
  last_login_at: r.last_login_at?.toISOString() ?? null,
});

const EMAIL_MESSAGE = "must be an e-mail address";
export const adminEmailSchema = z.string({ error: EMAIL_MESSAGE }).trim().toLowerCase().max(320, EMAIL_MESSAGE).pipe(z.email(EMAIL_MESSAGE));
export const adminPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH);
export const adminInput = z.object({ email: adminEmailSchema, password: adminPasswordSchema });

export async function listAdmins(db: Db): Promise<AdminUser[]> {
  return (await q.listActiveAdmins(db)).map(toAdminUser);
}

/** Creates an admin (e-mail unique, case-insensitive; password ≥ 12 characters, scrypt-hashed). */
export async function createAdmin(db: Db, input: { email: string; password: string }, actor: Actor): Promise<AdminUser> {
  // The CLI, the bootstrap and tests call this directly (no transport schema in front): the rules are checked here.
  const { email, password } = parseInput(adminInput, input, "Invalid admin");
  const row = await q.insertAdmin(db, { id: newId("adm"), email, password_hash: await hashPassword(password) });
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
  if ((await q.countAdmins(ctx.sql)) > 0) return { created: false };
  const generatedPassword = opts.password ? undefined : generatePassword();
  const password = opts.password || generatedPassword || "";
  const email = opts.email || "admin@localhost";
  // "admin@localhost" is not a valid e-mail for z.email(); accept it for the bootstrap only.
  let admin: AdminUser | null;
  try {
    admin =
      email === "admin@localhost"
        ? await insertBootstrapAdmin(ctx.sql, email, password)
        : await createAdmin(ctx.sql, { email, password }, systemActor("bootstrap"));
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
  const valid = parseInput(adminPasswordSchema, password, "ADMIN_PASSWORD");
  const row = await q.insertAdmin(db, { id: newId("adm"), email, password_hash: await hashPassword(valid) });
  if (!row) return null;
  await writeAudit(db, systemActor("bootstrap"), { action: "admin.create", targetType: "admin", targetId: row.id, details: { email } });
  return toAdminUser(row);
}
