import { DomainError } from "./errors";
import { isCalendarDay, unstorableTextReason } from "./validation";

const isCursorTime = (ts: string) =>
  /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$/.test(ts) && isCalendarDay(ts.slice(0, 10), { min: 1, max: 9999 });

/**
 * Keyset pagination cursor over (created_at, id). created_at travels as the database's
 * text with full microsecond precision: a JS Date would lose it and skip or repeat rows.
 */
export const encodeCursor = (ts: string, id: string) => Buffer.from(JSON.stringify([ts, id])).toString("base64url");

export function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
    // Only what encodeCursor writes (utcIsoText: a real day, microseconds, UTC) and an id
    // PostgreSQL can store: a forged cursor never reaches SQL (docs/api.md#limits-on-text-json-and-dates).
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && isCursorTime(v[0])) {
      if (v[1].length <= 100 && !unstorableTextReason(v[1])) return [v[0], v[1]];
    }
  } catch {
    /* fall through */
  }
  throw new DomainError("validation_failed", "Invalid cursor", { cursor: "invalid" });
}
