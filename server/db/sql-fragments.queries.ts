import type { Db } from "./connect";

/**
 * A timestamptz column as ISO-8601 UTC text with microseconds ("2026-03-10T10:05:09.123456Z"):
 * the timestamp half of a keyset cursor (server/lib/cursor.ts). Text keeps the database's full
 * precision, which a JS Date (milliseconds) would lose, skipping or repeating rows.
 * `column` is an identifier, optionally qualified ("p.created_at").
 */
export function utcIsoText(db: Db, column: string) {
  return db`to_char(${db(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
