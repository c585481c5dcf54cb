import { reserveWithCustomPlans, type Sql } from "../db/connect";
import { paymentExportQuery } from "../payments/payment-list.queries";
import type { PaymentFilters } from "../payments/payment-list.schema";
import type { PlatformContext } from "../platform/context";
import { type Actor, writeAudit } from "./audit.service";

export const CSV_COLUMNS = [
  "purchase_id",
  "order_id",
  "project_id",
  "project_name",
  "environment",
  "status",
  "midtrans_status",
  "payment_type",
  "amount",
  "currency",
  "refunded_amount",
  "buyer_email",
  "buyer_name",
  "item_name",
  "created_at",
  "paid_at",
] as const;

const JAKARTA_OFFSET_MS = 7 * 3600_000;

/**
 * An instant as ISO 8601 in WIB with its offset, to the second: `2026-11-27T18:37:37+07:00`, the
 * same wall-clock time the console shows (Asia/Jakarta is UTC+7 all year, no daylight saving;
 * docs/api.md#console-csv-export).
 */
export function isoWib(d: Date): string {
  return `${new Date(d.getTime() + JAKARTA_OFFSET_MS).toISOString().slice(0, 19)}+07:00`;
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; and a cell
 * that a spreadsheet would read as a formula (= + - @, tab, CR) is prefixed with `'`.
 * An instant is written in WIB with its offset (`isoWib`).
 */
export function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : value instanceof Date ? isoWib(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(",")}\r\n`;

/**
 * The filtered list as CSV, newest first, streamed: rows come through a server-side cursor
 * 1000 at a time, and each chunk is yielded as one string (never the whole file in memory).
 */
export async function* paymentsCsv(sql: Sql, filters: PaymentFilters): AsyncGenerator<string> {
  yield csvLine([...CSV_COLUMNS]);
  const { db, release } = await reserveWithCustomPlans(sql);
  try {
    for await (const rows of paymentExportQuery(db, filters).cursor(1000)) {
      let chunk = "";
      for (const r of rows) {
        chunk += csvLine([
          r.id, r.order_id, r.project_id, r.project_name, r.environment, r.status, r.midtrans_status, r.payment_type,
          r.amount, r.currency, r.refunded_amount, r.buyer_email, r.buyer_name, r.item_name, r.created_at, r.paid_at,
        ]);
      }
      yield chunk;
    }
  } finally {
    await release();
  }
}

/** "Export CSV" in the console: audited (with the filters), then the rows as a stream. */
export async function exportPaymentsCsv(ctx: PlatformContext, actor: Actor, filters: PaymentFilters): Promise<AsyncGenerator<string>> {
  await writeAudit(ctx.sql, actor, { action: "payments.export_csv", details: { filters } });
  return paymentsCsv(ctx.sql, filters);
}
