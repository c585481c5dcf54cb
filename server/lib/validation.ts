import { z } from "zod";
import { DomainError } from "./errors";

type Issue = { path: PropertyKey[]; message: string };

/** Per-field messages of a zod error: `{ "metadata.key": "…" }`, the first message per field. */
export function zodFields(issues: readonly Issue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map(String).join(".") || "body";
    fields[key] ??= i.message;
  }
  return fields;
}

/** The one conversion of a zod error into the domain's `validation_failed` (every transport maps it once). */
export function validationError(error: { issues: readonly Issue[] }, what = "Invalid request"): DomainError {
  const fields = zodFields(error.issues);
  return new DomainError("validation_failed", `${what}: ${Object.values(fields)[0] ?? "invalid input"}`, fields);
}

/**
 * Parses `input` with `schema`, or throws `validation_failed` with per-field messages. What
 * PostgreSQL cannot store is refused first, anywhere in the input (`findUnstorable`), so no
 * schema ever sees a value nested deeper than MAX_JSON_DEPTH.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what?: string): z.output<S> {
  const unstorable = findUnstorable(input);
  if (unstorable) throw validationError({ issues: [unstorable] }, what);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, what);
  return parsed.data;
}

// ---- what PostgreSQL can store (docs/api.md#limits-on-text-json-and-dates) ------------------------------------------
//
// PostgreSQL's text and jsonb cannot hold U+0000 (NUL), and jsonb refuses a lone UTF-16 surrogate
// (`"\ud800"` in JSON; text would silently store U+FFFD instead). Every input is checked before it
// reaches a query: REST bodies and query strings through parseInput and parseJsonObject
// (server/http/body.ts), the console's procedures through `storable` (server/trpc/router.ts), the
// Midtrans notification through the rejected-notification path.

/** The deepest JSON any input may be: objects and arrays, the body itself counting as one level. */
export const MAX_JSON_DEPTH = 32;
/** Calendar days and instants are accepted in these years only (PostgreSQL's range is far wider; no payment is older or newer). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NUL = "\u0000";

/** Why PostgreSQL cannot store `s` as text or in jsonb (a NUL, a lone UTF-16 surrogate), or null. */
export function unstorableTextReason(s: string): string | null {
  if (s.includes(NUL)) return "must not contain a NUL character (\\u0000)";
  if (LONE_SURROGATE.test(s)) return "must not contain a lone UTF-16 surrogate (\\ud800-\\udfff)";
  return null;
}

/** `s` with every NUL and lone surrogate replaced by U+FFFD: for recording what was refused. */
export const toStorableText = (s: string): string => s.replaceAll(NUL, "\ufffd").replace(new RegExp(LONE_SURROGATE.source, "g"), "\ufffd");

type Key = string | number;
interface Frame {
  value: unknown;
  /** Containers above this value (the input itself is at depth 0). */
  depth: number;
  parent: Frame | null;
  key: Key | null;
}
const pathOf = (f: Frame): Key[] => {
  const path: Key[] = [];
  for (let at: Frame | null = f; at?.key != null; at = at.parent) path.push(at.key);
  return path.reverse();
};

/**
 * The first place in a JSON-like value that PostgreSQL cannot store, as a zod-like issue (path and
 * message), or null: a string or an object key with a NUL or a lone surrogate, or objects and
 * arrays nested more than `maxDepth` levels (the value itself is the first). Walks with an explicit
 * stack, never recursion, so no nesting can overflow the call stack; a too-deep value is named by
 * its first two path segments. `root`: where the value sits, for the messages only.
 */
export function findUnstorable(value: unknown, opts: { maxDepth?: number; root?: Key[] } = {}): { path: Key[]; message: string } | null {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const label = (path: Key[]) => [...(opts.root ?? []), ...path].join(".") || "body";
  const stack: Frame[] = [{ value, depth: 0, parent: null, key: null }];
  for (let f = stack.pop(); f; f = stack.pop()) {
    const v = f.value;
    if (typeof v === "string") {
      const reason = unstorableTextReason(v);
      if (reason) return { path: pathOf(f), message: `${label(pathOf(f))} ${reason}` };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    const depth = f.depth + 1;
    if (depth > maxDepth) {
      const path = pathOf(f).slice(0, 2);
      return { path, message: `${label(path)} is nested more than ${MAX_JSON_DEPTH} levels deep` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, parent: f, key: i });
      continue;
    }
    const entries = Object.entries(v);
    for (const [k] of entries) {
      const reason = unstorableTextReason(k);
      if (reason) return { path: pathOf(f), message: `a key of ${label(pathOf(f))} ${reason}` };
    }
    for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i][1], depth, parent: f, key: entries[i][0] });
  }
  return null;
}

/** Throws `validation_failed` naming the field when PostgreSQL cannot store `value` (findUnstorable). */
export function assertStorable(value: unknown, what?: string): void {
  const unstorable = findUnstorable(value);
  if (unstorable) throw validationError({ issues: [unstorable] }, what);
}

/**
 * `schema`, refusing what PostgreSQL cannot store anywhere in its output (findUnstorable): the
 * console's procedure inputs (server/trpc/router.ts). Same input and output types as `schema`.
 */
export function storable<S extends z.ZodType>(schema: S): S {
  const checked = schema.superRefine((value, ctx) => {
    const unstorable = findUnstorable(value);
    if (unstorable) ctx.addIssue({ code: "custom", path: unstorable.path, message: unstorable.message });
  });
  storableSchemas.add(checked);
  return checked;
}
const storableSchemas = new WeakSet<object>();
/** Was this schema made by `storable`? (A test walks every console procedure's inputs.) */
export const isStorableSchema = (schema: unknown): boolean => typeof schema === "object" && schema !== null && storableSchemas.has(schema);

/** A real calendar day `YYYY-MM-DD` (no 2026-02-30) in MIN_YEAR..MAX_YEAR, or the years given. */
export function isCalendarDay(day: string, years: { min: number; max: number } = { min: MIN_YEAR, max: MAX_YEAR }): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= years.min && y <= years.max && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** A `YYYY-MM-DD` calendar day field (isCalendarDay). */
export const calendarDaySchema = (name: string) =>
  z
    .string({ error: `${name} must be a date YYYY-MM-DD` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be a date YYYY-MM-DD`)
    .refine(isCalendarDay, `${name} must be a real day between ${MIN_YEAR}-01-01 and ${MAX_YEAR}-12-31`);

/** An ISO 8601 instant (`2026-05-01T03:00:00Z`, an offset allowed) on a real day in MIN_YEAR..MAX_YEAR. */
export const isoInstantSchema = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name} must be an ISO 8601 date and time` })
    .refine((s) => isCalendarDay(s.slice(0, 10)) && !Number.isNaN(Date.parse(s)), `${name} must be a real instant between ${MIN_YEAR} and ${MAX_YEAR}`);
