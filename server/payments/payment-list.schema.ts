import { z } from "zod";
import { calendarDaySchema, parseInput } from "../lib/validation";
import { midtransStatuses, purchaseStatuses } from "./lifecycle";

const optionalText = (max: number) => z.string().trim().max(max).transform((v) => (v ? v : undefined)).optional();

/** The payment list's filters (also the CSV export's, from the query string). */
export const paymentFiltersSchema = z.object({
  projectId: optionalText(100),
  environment: z.enum(["sandbox", "production"]).optional(),
  status: z.enum(purchaseStatuses).optional(),
  midtransStatus: z.enum(midtransStatuses).optional(),
  /** Jakarta calendar days, inclusive: real days of 2000-2100 (docs/api.md#limits-on-text-json-and-dates), so no date reaches SQL that PostgreSQL refuses. */
  createdFrom: calendarDaySchema("createdFrom").optional(),
  createdTo: calendarDaySchema("createdTo").optional(),
  amountMin: z.number().int().min(0).max(1e12).optional(),
  amountMax: z.number().int().min(0).max(1e12).optional(),
  /** Midtrans's payment_type (`bank_transfer`, `qris`, …): lowercase letters, digits and `_`. */
  paymentType: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{1,40}$/, "paymentType must be a Midtrans payment_type such as bank_transfer or qris")
    .optional(),
  /** What the dashboard's "needs attention" panel links to (attentionKinds). */
  attention: z.enum(["stale_pending", "settled_after_expiry", "amount_mismatch"], { error: "attention must be stale_pending, settled_after_expiry or amount_mismatch" }).optional(),
  /**
   * An order_id, Midtrans order id or purchase_id (exact), a buyer e-mail (case-insensitive
   * prefix), or, from SEARCH_MIN_FRAGMENT characters and unless it is an e-mail typed from its
   * start, a fragment of the order id, buyer e-mail, buyer name or item name (case-insensitive;
   * docs/api.md#console-payment-search).
   */
  q: optionalText(320),
});
/** Partial-text search needs this many characters (a trigram); shorter searches match exactly. */
export const SEARCH_MIN_FRAGMENT = 3;
export type AttentionFilter = NonNullable<PaymentFilters["attention"]>;
export type PaymentFilters = z.output<typeof paymentFiltersSchema>;

export const paymentListInput = paymentFiltersSchema.extend({
  cursor: z.string().max(300).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
/** A list request once validated (the transport parses with paymentListInput). */
export type PaymentListInput = z.output<typeof paymentListInput>;

/** Filters from a URL's query string (the pages' forms and the CSV link); empty values are unset. */
export function filtersFromSearchParams(sp: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(paymentFiltersSchema.shape)) {
    const v = sp.get(key)?.trim();
    if (!v) continue;
    out[key] = key === "amountMin" || key === "amountMax" ? (/^\d+$/.test(v) ? Number(v) : v) : v;
  }
  return out;
}

/** The filters of a query string's values (the CSV export's transport), or `validation_failed`. */
export function parseFilters(input: unknown): PaymentFilters {
  return parseInput(paymentFiltersSchema, input, "Invalid filter");
}

/** Midnight in Jakarta (UTC+7, no DST) of a YYYY-MM-DD day, as an instant. */
export function jakartaMidnight(day: string, plusDays = 0): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + plusDays, -7, 0, 0));
}
