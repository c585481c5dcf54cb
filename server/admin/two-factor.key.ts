/**
 * The key that encrypts admins' TOTP secrets at rest (AES-256-GCM; docs/decisions/0019-two-factor.md).
 * A TOTP secret is needed to check a code, so it cannot be hashed like a password; it is encrypted
 * under a key that is not in the database, so a copy of the database (a dump, a backup) does not
 * give anyone the second factor.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export const TWO_FACTOR_KEY_FILE = "admin-totp.key";

/** ADMIN_TOTP_KEY as configured: 32 bytes, written as base64 (44 characters) or hex (64). Null: not a key. */
export function parseTwoFactorKey(text: string): Buffer | null {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, "base64") : null;
  return key?.length === 32 ? key : null;
}

/**
 * The configured key, else the one kept in `<dataDir>/admin-totp.key` (created on first use, mode
 * 0600, the way the embedded database keeps its data there). Several processes starting at once
 * agree on one file: it is written under a temporary name and linked into place, which fails when
 * another process was first, and then that one's key is read.
 */
export function loadTwoFactorKey(opts: { configured?: string; dataDir: string }): { key: Buffer; source: "config" | "file" | "generated" } {
  if (opts.configured) {
    const key = parseTwoFactorKey(opts.configured);
    if (!key) throw new Error("ADMIN_TOTP_KEY must be 32 bytes written as base64 or hex (e.g. `openssl rand -base64 32`)");
    return { key, source: "config" };
  }
  const file = path.resolve(opts.dataDir, TWO_FACTOR_KEY_FILE);
  const existing = readKeyFile(file);
  if (existing) return { key: existing, source: "file" };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}`;
  writeFileSync(tmp, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
  const key = readKeyFile(file);
  if (!key) throw new Error(`${file} does not hold a 32-byte key`);
  return { key, source: "generated" };
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const key = parseTwoFactorKey(text);
  if (!key) throw new Error(`${file} does not hold a 32-byte key`);
  return key;
}

/**
 * AES-256-GCM with a random 96-bit IV; the admin's id is the additional authenticated data, so a
 * ciphertext moved to another admin's row does not decrypt. `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export function encryptSecret(key: Buffer, plaintext: string, adminId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(adminId, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ct].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The plaintext, or throws when the key, the admin or the ciphertext is not the one it was made with. */
export function decryptSecret(key: Buffer, stored: string, adminId: string): string {
  const [v, iv, tag, ct] = stored.split(".");
  if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("unknown TOTP secret format");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(adminId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
