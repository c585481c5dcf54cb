import { z } from "zod";
import { MAX_AMOUNT_IDR } from "../lib/money";

export const SENTINEL_ITEM_ID = "__direct__";

const price = z.number({ error: "must be an integer number of rupiah" }).int("must be a whole number of rupiah").positive("must be positive").max(MAX_AMOUNT_IDR);

export const itemInput = z
  .object({
    name: z.string().trim().min(1, "name is required").max(200),
    description: z.string().trim().max(2000).nullish().transform((v) => v || null),
    price,
    active: z.boolean().default(true),
    price_overridable: z.boolean().default(false),
    min_price: price.nullish().transform((v) => v ?? null),
    max_price: price.nullish().transform((v) => v ?? null),
  })
  .refine((i) => i.min_price === null || i.max_price === null || i.min_price <= i.max_price, {
    message: "min_price must not exceed max_price",
    path: ["min_price"],
  });
export type ItemInput = z.infer<typeof itemInput>;

export interface ItemRow {
  project_id: string;
  id: string;
  name: string;
  description: string | null;
  price: number;
  active: boolean;
  price_overridable: boolean;
  min_price: number | null;
  max_price: number | null;
  is_sentinel: boolean;
  created_at: Date;
  updated_at: Date;
}

/** What merchants see of an item over REST (a zod schema: the OpenAPI document is built from it, server/rest/openapi.ts). */
export const publicItem = z.object({
  item_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  price: z.number().int(),
  currency: z.literal("IDR"),
  price_overridable: z.boolean(),
  min_price: z.number().int().nullable().meta({ description: "null unless price_overridable" }),
  max_price: z.number().int().nullable().meta({ description: "null unless price_overridable" }),
});
export type PublicItem = z.infer<typeof publicItem>;

/** `GET /api/platform/items`: the project's active items, newest first. */
export const publicItemList = z.object({ items: z.array(publicItem) });
export type PublicItemList = z.infer<typeof publicItemList>;

export const toPublicItem = (i: ItemRow): PublicItem => ({
  item_id: i.id,
  name: i.name,
  description: i.description,
  price: i.price,
  currency: "IDR",
  price_overridable: i.price_overridable,
  min_price: i.price_overridable ? i.min_price : null,
  max_price: i.price_overridable ? i.max_price : null,
});
