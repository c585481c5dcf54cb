import { z } from "zod";
import { parseInput } from "../lib/validation";
import { midtransStatuses, purchaseStatuses } from "./lifecycle";

const optionalText = (max: number) => z.string().trim().max(max).transform((v) => (v ? v : undefined)).optional();
const jakartaDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");

/** The payment list's filters (also the CSV export's, from the query string). */
export const paymentFiltersSchema = z.object({
  projectId: optionalText(100),
  environment: z.enum(["sandbox", "production"]).optional(),
  status: z.enum(purchaseStatuses).optional(),
  midtransStatus: z.enum(midtransStatuses).optional(),
  /** Jakarta calendar days, inclusive. */
  createdFrom: jakartaDate.optional(),
  createdTo: jakartaDate.optional(),
  amountMin: z.number().int().min(0).max(1e12).optional(),
  amountMax: z.number().int().min(0).max(1e12).optional(),
  /** An order_id, Midtrans order id or purchase_id (exact), or a buyer e-mail (case-insensitive prefix). */
  q: optionalText(320),
});
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
