import type { z } from "zod";
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

/** Parses `input` with `schema`, or throws `validation_failed` with per-field messages. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, what);
  return parsed.data;
}
