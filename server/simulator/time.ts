const JAKARTA_OFFSET_MS = 7 * 60 * 60 * 1000;

/** Midtrans writes times as "YYYY-MM-DD HH:MM:SS" in Asia/Jakarta (UTC+7, no DST) without an offset. */
export function formatJakartaTime(date: Date): string {
  return new Date(date.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

const MIDTRANS_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** Parse Snap's `expiry.start_time` ("2024-05-01 10:00:00 +0700"); undefined when malformed. */
export function parseMidtransTime(value: string): Date | undefined {
  const m = MIDTRANS_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === "-" ? -1 : 1);
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMs;
  const date = new Date(utc);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const UNIT_MS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Milliseconds for a Snap expiry unit ("minute", "minutes", "hour", ...); undefined for unknown units. */
export function unitToMs(unit: string): number | undefined {
  return UNIT_MS[unit.toLowerCase().replace(/s$/, "")];
}
