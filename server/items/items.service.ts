import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import * as q from "./items.queries";
import { type ItemInput, type ItemRow, type PublicItem, SENTINEL_ITEM_ID, toPublicItem } from "./items.schema";

/** `item` is validated by the caller (itemInput). */
export async function createItem(db: Db, projectId: string, item: ItemInput): Promise<ItemRow> {
  return q.insertItem(db, projectId, newId("item", 20), item);
}

/** Later price changes never touch existing purchases: they keep their own amount and name. */
export async function updateItem(db: Db, projectId: string, itemId: string, item: ItemInput): Promise<ItemRow> {
  if (itemId === SENTINEL_ITEM_ID) throw new DomainError("item_not_editable", "The __direct__ item cannot be edited");
  const row = await q.updateItem(db, projectId, itemId, item);
  if (!row) throw new DomainError("item_not_found", "No such item in this project");
  return row;
}

export async function listItems(db: Db, projectId: string, opts: { activeOnly: boolean }): Promise<ItemRow[]> {
  return q.listItems(db, projectId, opts);
}

/** GET /api/platform/items: the project's active catalog, as merchants see it (docs/api.md). */
export async function listPublicItems(db: Db, projectId: string): Promise<PublicItem[]> {
  return (await q.listItems(db, projectId, { activeOnly: true })).map(toPublicItem);
}

/** The item a buyer may pay for now: this project's, active, and not the sentinel. */
export async function findPurchasableItem(db: Db, projectId: string, itemId: unknown): Promise<ItemRow> {
  const item = typeof itemId === "string" && itemId.length <= 100 ? await q.findItem(db, projectId, itemId) : undefined;
  if (!item || item.is_sentinel) throw new DomainError("item_not_found", "No such item in this project");
  if (!item.active) throw new DomainError("item_inactive", "This item is not for sale at the moment");
  return item;
}

/** The amount charged: the item's price, or an allowed override within its bounds. */
export function chargedAmount(item: ItemRow, requested: number | null | undefined): number {
  if (requested === undefined || requested === null) return item.price;
  if (!item.price_overridable) {
    throw new DomainError("validation_failed", "This item's price cannot be overridden", { amount: "not allowed for this item" });
  }
  if ((item.min_price !== null && requested < item.min_price) || (item.max_price !== null && requested > item.max_price)) {
    const bounds = `between ${item.min_price ?? 1} and ${item.max_price ?? "the maximum"}`;
    throw new DomainError("validation_failed", `amount must be ${bounds}`, { amount: `must be ${bounds}` });
  }
  return requested;
}

export { insertSentinelItem } from "./items.queries";
