import { formatRupiah } from "../money";

export { formatRupiah };

const JAKARTA_OFFSET_MS = 7 * 3600_000;

/** "2026-03-10 17:05:09 WIB": Asia/Jakarta (UTC+7, no DST), the zone named. Same on server and browser. */
export function formatWIB(iso: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (!iso) return "—";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const j = new Date(t + JAKARTA_OFFSET_MS).toISOString();
  return `${j.slice(0, 10)} ${j.slice(11, opts.seconds === false ? 16 : 19)} WIB`;
}

/** "2026-03-10" → "10 Mar" (chart labels). */
export function shortDay(day: string): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const [, m, d] = day.split("-").map(Number);
  return `${d} ${months[m - 1]}`;
}

export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  return `${(rate * 100).toFixed(1).replace(/\.0$/, "")}%`;
}

export const formatCount = (n: number) => new Intl.NumberFormat("id-ID").format(n);

/** Pretty JSON when the text is JSON, else the text. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The Jakarta calendar day (YYYY-MM-DD) of an instant. */
export function jakartaDate(iso: string): string {
  return new Date(Date.parse(iso) + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);
}

/** An ISO 8601 instant inside free text (a server message, an audit detail): `2026-11-27T11:37:37.085Z`, `…+07:00`. */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;

/** Free text with every ISO instant in it shown as WIB (`formatWIB`), so a page never mixes the two. */
export function withWibTimes(text: string): string;
export function withWibTimes(text: string | null | undefined): string | null | undefined;
export function withWibTimes(text: string | null | undefined): string | null | undefined {
  return text ? text.replace(ISO_INSTANT, (iso) => formatWIB(iso)) : text;
}
