/** `2026-05-06T10:00:00Z`: UTC ISO 8601 without milliseconds (the webhook and verify format, docs/api.md). */
export function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
