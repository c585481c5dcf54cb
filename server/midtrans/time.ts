/**
 * Midtrans sends `YYYY-MM-DD HH:MM:SS` in Asia/Jakarta (UTC+7, no DST) without an offset.
 * Returns the UTC instant, or null when the value is absent or malformed.
 */
export function parseJakartaTime(value: unknown): Date | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const utc = Date.UTC(y, mo - 1, d, h - 7, mi, s);
  const date = new Date(utc);
  // Reject impossible calendar values (2026-02-31) that Date.UTC would roll over.
  const check = new Date(utc + 7 * 3600_000);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return date;
}

/** Format an instant as Midtrans does: `YYYY-MM-DD HH:MM:SS +0700` when withOffset. */
export function formatJakartaTime(date: Date, withOffset = false): string {
  const j = new Date(date.getTime() + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  const s = `${j.getUTCFullYear()}-${p(j.getUTCMonth() + 1)}-${p(j.getUTCDate())} ${p(j.getUTCHours())}:${p(j.getUTCMinutes())}:${p(j.getUTCSeconds())}`;
  return withOffset ? `${s} +0700` : s;
}
