import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, unguessable identifier: `prefix_` + 24 base-36 characters (~124 bits). */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 36]; // 256 % 36 bias is irrelevant for ids
  return `${prefix}_${out}`;
}

/** A secret as base64url of 32 random bytes (256 bits). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}
