/**
 * A database row as an API answer carries it: every Date (nullable or not) as ISO 8601 text.
 * Answers are derived from their rows with this, so a column added to a row reaches the answer's type.
 */
export type WithIsoDates<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
