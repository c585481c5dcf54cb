import { z } from "zod";
import type { Environment } from "../midtrans/gateway";
import { publicStatuses, type MidtransStatus, type PurchaseStatus } from "./lifecycle";
import { MAX_AMOUNT_IDR } from "../lib/money";
import { findUnstorable, MAX_JSON_DEPTH } from "../lib/validation";
import { ORDER_ID_PATTERN } from "./order-id";

export { MAX_AMOUNT_IDR };
export const METADATA_MAX_KEYS = 50;
export const METADATA_MAX_VALUE_CHARS = 500;
export const METADATA_MAX_BYTES = 8 * 1024;
export { ORDER_ID_PATTERN };
export const DIRECT_ITEM_ID = "__direct__";

export const orderIdSchema = z
  .string({ error: "order_id is required and must be a string" })
  .min(1, "order_id is required")
  .max(50, "order_id must be at most 50 characters")
  .regex(ORDER_ID_PATTERN, "order_id may contain only letters, digits, '-', '_', '~' and '.'");

const valueLength = (v: unknown) => (typeof v === "string" ? v.length : JSON.stringify(v)?.length ?? 0);

export const metadataSchema = z
  .record(z.string(), z.unknown(), { error: "metadata must be a JSON object" })
  .superRefine((m, ctx) => {
    // What PostgreSQL's jsonb cannot store first (docs/api.md#limits-on-text-json-and-dates): the walk is iterative and
    // bounds the nesting, so the JSON.stringify below never meets a value deep enough to overflow.
    const unstorable = findUnstorable(m, { maxDepth: MAX_JSON_DEPTH - 1, root: ["metadata"] });
    if (unstorable) {
      ctx.addIssue({ code: "custom", path: unstorable.path, message: unstorable.message });
      return;
    }
    const keys = Object.keys(m);
    if (keys.length > METADATA_MAX_KEYS) ctx.addIssue({ code: "custom", message: `metadata may have at most ${METADATA_MAX_KEYS} keys` });
    for (const k of keys) {
      if (k.length > 100) ctx.addIssue({ code: "custom", message: `metadata key '${k.slice(0, 20)}…' is longer than 100 characters` });
      if (valueLength(m[k]) > METADATA_MAX_VALUE_CHARS) {
        ctx.addIssue({ code: "custom", path: [k], message: `metadata.${k} is longer than ${METADATA_MAX_VALUE_CHARS} characters` });
      }
    }
    if (Buffer.byteLength(JSON.stringify(m), "utf8") > METADATA_MAX_BYTES) {
      ctx.addIssue({ code: "custom", message: `metadata is larger than ${METADATA_MAX_BYTES} bytes` });
    }
  });

const optionalText = (max: number, name: string) =>
  z
    .string({ error: `${name} must be a string` })
    .trim()
    .max(max, `${name} must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

/**
 * How long the Snap page accepts payment, in minutes: 1 minute to 30 days (Midtrans Snap's
 * `expiry`, docs/api.md#expiry). Omitted: Snap's default, 24 hours.
 */
export const EXPIRY_MINUTES_MIN = 1;
export const EXPIRY_MINUTES_MAX = 30 * 24 * 60;
export const DEFAULT_EXPIRY_MINUTES = 24 * 60;
const expiryMinutesSchema = z
  .number({ error: "expiry_minutes must be a whole number of minutes" })
  .int("expiry_minutes must be a whole number of minutes")
  .min(EXPIRY_MINUTES_MIN, `expiry_minutes must be at least ${EXPIRY_MINUTES_MIN}`)
  .max(EXPIRY_MINUTES_MAX, `expiry_minutes must be at most ${EXPIRY_MINUTES_MAX} (30 days)`)
  .nullish()
  .transform((v) => v ?? null);

/** POST /api/platform/shop-payment body, as docs/api.md documents it. */
export const createShopPaymentInput = z.object({
  client_id: z.string({ error: "client_id is required" }).min(1, "client_id is required").max(200),
  client_secret: z.string({ error: "client_secret is required" }).min(1, "client_secret is required").max(200),
  amount: z
    .number({ error: "amount is required and must be an integer number of rupiah" })
    .int("amount must be a whole number of rupiah")
    .positive("amount must be positive")
    .max(MAX_AMOUNT_IDR, `amount must be at most ${MAX_AMOUNT_IDR}`),
  order_id: orderIdSchema,
  buyer_email: z.email({ error: "buyer_email must be a valid email address" }).max(254, "buyer_email is too long"),
  buyer_name: optionalText(255, "buyer_name"),
  item_name: optionalText(255, "item_name"),
  metadata: metadataSchema.nullish().transform((m) => m ?? {}),
  expiry_minutes: expiryMinutesSchema,
});
export type CreateShopPaymentInput = z.infer<typeof createShopPaymentInput>;

/** POST /api/platform/purchase body: an item from the project's catalog; Astapa makes the order_id. */
export const createItemPurchaseInput = z.object({
  client_id: createShopPaymentInput.shape.client_id,
  client_secret: createShopPaymentInput.shape.client_secret,
  item_id: z.string({ error: "item_id is required" }).min(1, "item_id is required").max(100),
  amount: createShopPaymentInput.shape.amount.nullish(),
  buyer_email: createShopPaymentInput.shape.buyer_email,
  buyer_name: createShopPaymentInput.shape.buyer_name,
  metadata: createShopPaymentInput.shape.metadata,
  expiry_minutes: expiryMinutesSchema,
});
export type CreateItemPurchaseInput = z.infer<typeof createItemPurchaseInput>;

/** Idempotency-Key header: what makes a retried item purchase the same purchase. */
export const idempotencyKeySchema = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

export interface PurchaseRow {
  id: string;
  project_id: string;
  environment: Environment;
  order_id: string;
  /** Set only when Midtrans knows the purchase by another id than order_id (a retried create). */
  midtrans_order_id: string | null;
  amount: number;
  currency: string;
  buyer_email: string;
  buyer_name: string | null;
  item_id: string;
  item_name: string | null;
  metadata: Record<string, unknown>;
  status: PurchaseStatus;
  midtrans_status: MidtransStatus | null;
  fraud_status: string | null;
  payment_type: string | null;
  midtrans_transaction_id: string | null;
  refunded_amount: number;
  snap_token: string | null;
  invoice_url: string | null;
  snap_expires_at: Date | null;
  create_error: string | null;
  created_at: Date;
  paid_at: Date | null;
  updated_at: Date;
}

// ---- answers: zod schemas, so the OpenAPI document (server/rest/openapi.ts) and the types are one ----

/** UTC ISO 8601 to the second, as `toIsoSeconds` writes it (`2026-05-06T10:00:00Z`). */
const isoSeconds = z.iso.datetime().meta({ example: "2026-05-07T10:00:00Z" });

/** The response of create: the three fields of docs/api.md, plus compatible extras. */
export const createShopPaymentResult = z.object({
  invoice_url: z.url().meta({ description: "Midtrans's Snap page: redirect the buyer here" }),
  order_id: z.string().meta({ description: "Your order_id" }),
  purchase_id: z.string().meta({ example: "pur_3k9x0qa7m2" }),
  status: z.literal("pending"),
  amount: z.number().int(),
  environment: z.enum(["sandbox", "production"] satisfies Environment[]),
  /** When the Snap page stops accepting payment (UTC ISO 8601). */
  expires_at: isoSeconds.meta({ description: "When the Snap page stops accepting payment (UTC ISO 8601)" }),
});
export type CreateShopPaymentResult = z.infer<typeof createShopPaymentResult>;

/** The response of an item purchase: create's, plus the item. */
export const itemPurchaseResult = createShopPaymentResult.extend({ item_id: z.string() });
export type ItemPurchaseResult = z.infer<typeof itemPurchaseResult>;

/** GET verify: public, no personal data. */
export const verifyResult = z.object({
  order_id: z.string(),
  status: z.enum(publicStatuses),
  store_name: z.string().nullable(),
  redirect_url: z.string().nullable(),
  amount: z.number().int(),
  currency: z.string(),
  item_name: z.string().nullable(),
  paid_at: isoSeconds.nullable(),
  /** Refunded so far (integer IDR), partial or full; 0 when none. */
  refunded_amount: z.number().int().meta({ description: "Refunded so far (integer IDR), partial or full; 0 when none" }),
  /** When the Snap page stops (or stopped) accepting payment (UTC ISO 8601); null when unknown. */
  expires_at: isoSeconds.nullable().meta({ description: "When the Snap page stops (or stopped) accepting payment; null when it was never created" }),
});
export type VerifyResult = z.infer<typeof verifyResult>;
