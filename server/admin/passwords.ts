import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Admin passwords: scrypt (node:crypto) with a per-user random salt. The parameters are
 * stored with the hash (`scrypt$N$r$p$salt$hash`, base64), so they can be raised later
 * without invalidating existing passwords (needsRehash tells when to re-hash at login).
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * The parameters new hashes use: SCRYPT_PARAMS, unless ASTAPA_SCRYPT_COST (log2 of N, 4 to 20)
 * says otherwise. Tests set it low (vitest.config.ts, playwright.config.ts) so a login costs
 * milliseconds, not a fifth of a second; production refuses a cost below SCRYPT_PARAMS.
 * needsRehash compares against these, so a hash made cheaper than them is upgraded at login.
 */
export function scryptParamsFrom(env: Record<string, string | undefined>): ScryptParams {
  const raw = env.ASTAPA_SCRYPT_COST;
  if (raw === undefined || raw === "") return SCRYPT_PARAMS;
  const cost = Number(raw);
  if (!Number.isInteger(cost) || cost < 4 || cost > 20) {
    throw new Error(`Invalid configuration: ASTAPA_SCRYPT_COST must be an integer from 4 to 20 (log2 of scrypt's N), got "${raw}"`);
  }
  if (env.NODE_ENV === "production" && 2 ** cost < SCRYPT_PARAMS.N) {
    throw new Error(`Invalid configuration: ASTAPA_SCRYPT_COST=${raw} is below the production cost (${Math.log2(SCRYPT_PARAMS.N)}); it is meant for tests`);
  }
  return { ...SCRYPT_PARAMS, N: 2 ** cost };
}

const currentParams = scryptParamsFrom(process.env);
/** What hashPassword uses by default in this process (see scryptParamsFrom). */
export const scryptParams = (): ScryptParams => currentParams;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize("NFKC"), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

// 128 * N * r bytes, with room to spare (the default maxmem of 32 MiB is exactly N=2^15, r=8).
const maxmemFor = (N: number, r: number) => 256 * N * r + 1024 * 1024;

export async function hashPassword(password: string, params: ScryptParams = currentParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...params, maxmem: maxmemFor(params.N, params.r) });
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), key.toString("base64")].join("$");
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return null;
  const salt = Buffer.from(parts[4], "base64");
  const key = Buffer.from(parts[5], "base64");
  if (salt.length < 8 || key.length < 32) return null;
  return { N, r, p, salt, key };
}

/** Constant-time check. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h || password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await scrypt(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: maxmemFor(h.N, h.r) });
  return timingSafeEqual(key, h.key);
}

export function needsRehash(stored: string): boolean {
  const h = parseHash(stored);
  return !h || h.N < currentParams.N || h.r < currentParams.r || h.p < currentParams.p;
}

/** Hash of a password nobody knows: compared against for unknown e-mails so both failures cost the same. */
let dummy: Promise<string> | undefined;
export const dummyPasswordHash = () => (dummy ??= hashPassword(randomBytes(16).toString("hex")));

/** A readable random password for the first admin (printed once): 4 groups of 5, ~119 bits. */
export function generatePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(20);
  let out = "";
  for (let i = 0; i < 20; i++) {
    if (i > 0 && i % 5 === 0) out += "-";
    out += alphabet[bytes[i] % alphabet.length];
  }
  return out;
}
