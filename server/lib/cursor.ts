import { DomainError } from "./errors";

/**
 * Keyset pagination cursor over (created_at, id). created_at travels as the database's
 * text with full microsecond precision: a JS Date would lose it and skip or repeat rows.
 */
export const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString("base64url");

export function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && !Number.isNaN(Date.parse(v[0]))) {
      return [v[0], v[1]];
    }
  } catch {
    /* fall through */
  }
  throw new DomainError("validation_failed", "Invalid cursor", { cursor: "invalid" });
}
