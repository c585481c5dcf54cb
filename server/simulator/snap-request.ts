import { parseMidtransTime, unitToMs } from "./time";
import type { CustomerDetails, ItemDetail } from "./types";

export interface SnapRequest {
  order_id: string;
  gross_amount: number;
  expiry_time: Date;
  finish_url: string | null;
  customer_details: CustomerDetails | null;
  item_details: ItemDetail[];
}

export type SnapRequestResult = { ok: true; request: SnapRequest } | { ok: false; errors: string[] };

const ORDER_ID = /^[A-Za-z0-9\-_~.]+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DEFAULT_EXPIRY_MS = 24 * 3_600_000;
const MAX_NOTIFICATION_URLS = 3;

/** Validates a Snap create-transaction body the way Midtrans does, with Midtrans-like messages. */
export function parseSnapRequest(body: unknown, now: Date): SnapRequestResult {
  const errors: string[] = [];
  const root = asRecord(body) ?? {};
  const details = asRecord(root.transaction_details) ?? {};

  const orderId = details.order_id;
  if (orderId === undefined || orderId === null || orderId === "") {
    errors.push("transaction_details.order_id is required");
  } else if (typeof orderId !== "string" && typeof orderId !== "number") {
    errors.push("transaction_details.order_id must be a string");
  } else if (String(orderId).length > 50) {
    errors.push("transaction_details.order_id must not be longer than 50 characters");
  } else if (!ORDER_ID.test(String(orderId))) {
    errors.push("transaction_details.order_id may only contain letters, digits, '-', '_', '~' and '.'");
  }

  const grossAmount = parseAmount("transaction_details.gross_amount", details.gross_amount, errors, { min: 1 });
  const items = parseItems(root.item_details, errors);
  if (grossAmount !== undefined && items && sumItems(items) !== grossAmount) {
    errors.push("transaction_details.gross_amount is not equal to the sum of item_details");
  }

  const customer = parseCustomer(root.customer_details, errors);
  const finishUrl = parseFinishUrl(root.callbacks, errors);
  const expiryTime = parseExpiry(root.expiry, now, errors);

  if (errors.length > 0 || grossAmount === undefined || expiryTime === undefined) return { ok: false, errors };
  return {
    ok: true,
    request: {
      order_id: String(orderId),
      gross_amount: grossAmount,
      expiry_time: expiryTime,
      finish_url: finishUrl,
      customer_details: customer,
      item_details: items ?? [],
    },
  };
}

/** X-Override-Notification replaces the account URL, X-Append-Notification adds; up to 3 URLs each. */
export function notificationUrls(override: string | undefined, append: string | undefined): string[] {
  const urls = [...splitUrls(override), ...splitUrls(append)];
  return [...new Set(urls)];
}

function splitUrls(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((u) => u.trim())
    .filter(isHttpUrl)
    .slice(0, MAX_NOTIFICATION_URLS);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** IDR amounts are whole numbers; numeric strings are accepted like Midtrans does. */
function parseAmount(field: string, value: unknown, errors: string[], opts: { min?: number }): number | undefined {
  if (value === undefined || value === null || value === "") {
    errors.push(`${field} is required`);
    return undefined;
  }
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    errors.push(`${field} must be a number`);
    return undefined;
  }
  if (opts.min !== undefined && n < opts.min) {
    errors.push(`${field} must be equal to or greater than ${opts.min === 1 ? "0.01" : opts.min}`);
    return undefined;
  }
  if (!Number.isInteger(n)) {
    errors.push(`${field} must be an integer for currency IDR`);
    return undefined;
  }
  return n;
}

function parseItems(value: unknown, errors: string[]): ItemDetail[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    errors.push("item_details must be an array");
    return undefined;
  }
  const before = errors.length;
  const items = value.map((raw, i): ItemDetail => {
    const item = asRecord(raw) ?? {};
    const field = `item_details[${i}]`;
    // Negative prices are allowed: merchants use them for discounts.
    const price = parseAmount(`${field}.price`, item.price, errors, {});
    const quantity = parseAmount(`${field}.quantity`, item.quantity, errors, { min: 1 });
    if (typeof item.name !== "string" || item.name.trim() === "") errors.push(`${field}.name is required`);
    return {
      ...(item.id !== undefined ? { id: String(item.id) } : {}),
      name: String(item.name ?? ""),
      price: price ?? 0,
      quantity: quantity ?? 0,
    };
  });
  return errors.length === before ? items : undefined;
}

function sumItems(items: ItemDetail[]): number {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}

function parseCustomer(value: unknown, errors: string[]): CustomerDetails | null {
  const raw = asRecord(value);
  if (!raw) return null;
  const customer: CustomerDetails = {};
  for (const key of ["first_name", "last_name", "email", "phone"] as const) {
    const v = raw[key];
    if (typeof v === "string" || typeof v === "number") customer[key] = String(v);
  }
  if (customer.email !== undefined && !EMAIL.test(customer.email)) errors.push("customer_details.email format is invalid");
  return customer;
}

function parseFinishUrl(value: unknown, errors: string[]): string | null {
  const finish = asRecord(value)?.finish;
  if (finish === undefined || finish === null || finish === "") return null;
  if (typeof finish !== "string" || !isHttpUrl(finish)) {
    errors.push("callbacks.finish format is invalid");
    return null;
  }
  return finish;
}

function parseExpiry(value: unknown, now: Date, errors: string[]): Date | undefined {
  const expiry = asRecord(value);
  if (!expiry) return new Date(now.getTime() + DEFAULT_EXPIRY_MS);
  const unitMs = typeof expiry.unit === "string" ? unitToMs(expiry.unit) : undefined;
  const duration = Number(expiry.duration);
  const start = typeof expiry.start_time === "string" ? parseMidtransTime(expiry.start_time) : now;
  let ok = true;
  if (unitMs === undefined) ok = fail(errors, "expiry.unit must be one of second, minute, hour, day");
  if (!Number.isInteger(duration) || duration <= 0) ok = fail(errors, "expiry.duration must be a positive integer");
  if (start === undefined) ok = fail(errors, "expiry.start_time format must be yyyy-MM-dd HH:mm:ss Z");
  return ok ? new Date(start!.getTime() + duration * unitMs!) : undefined;
}

function fail(errors: string[], message: string): false {
  errors.push(message);
  return false;
}
