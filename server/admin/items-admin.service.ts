import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import { lockItem } from "../items/items.queries";
import { createItem, listItems, updateItem } from "../items/items.service";
import { itemInput, SENTINEL_ITEM_ID, type ItemRow } from "../items/items.schema";
import { findProject } from "../projects/projects.queries";
import { writeAudit, type Actor } from "./audit.service";

/** An item as the console shows it (never the sentinel): the row, times as ISO strings. */
export type ItemView = Omit<ItemRow, "is_sentinel" | "created_at" | "updated_at"> & { created_at: string; updated_at: string };

const toView = (i: ItemRow): ItemView => ({
  id: i.id,
  project_id: i.project_id,
  name: i.name,
  description: i.description,
  // bigint columns may come back as strings: the console works in plain numbers of rupiah.
  price: Number(i.price),
  active: i.active,
  price_overridable: i.price_overridable,
  min_price: i.min_price === null ? null : Number(i.min_price),
  max_price: i.max_price === null ? null : Number(i.max_price),
  created_at: i.created_at.toISOString(),
  updated_at: i.updated_at.toISOString(),
});

const id = z.string().trim().min(1).max(100);
export const itemListInput = z.object({ projectId: id });
export const itemCreateInput = z.object({ projectId: id, item: itemInput });
export const itemUpdateInput = z.object({ projectId: id, itemId: id, item: itemInput });

const auditFields = ["name", "description", "price", "active", "price_overridable", "min_price", "max_price"] as const;
const snapshot = (v: ItemView) => Object.fromEntries(auditFields.map((k) => [k, v[k]]));

async function requireProject(db: Db, projectId: string): Promise<void> {
  if (!(await findProject(db, projectId))) throw new DomainError("not_found", "No such project");
}

/** All of a project's items (active or not), newest first; the `__direct__` sentinel excluded. */
export async function listItemsAsAdmin(db: Db, { projectId }: z.output<typeof itemListInput>): Promise<ItemView[]> {
  await requireProject(db, projectId);
  return (await listItems(db, projectId, { activeOnly: false })).map(toView);
}

export async function createItemAsAdmin(ctx: PlatformContext, actor: Actor, { projectId, item }: z.output<typeof itemCreateInput>): Promise<ItemView> {
  return ctx.sql.begin(async (tx) => {
    await requireProject(tx, projectId);
    const created = toView(await createItem(tx, projectId, item));
    await writeAudit(tx, actor, { action: "item.create", targetType: "project", targetId: projectId, details: { item_id: created.id, ...snapshot(created) } });
    return created;
  });
}

/** Replaces an item's fields. Existing purchases keep their own amount and name. */
export async function updateItemAsAdmin(ctx: PlatformContext, actor: Actor, { projectId, itemId, item }: z.output<typeof itemUpdateInput>): Promise<ItemView> {
  if (itemId === SENTINEL_ITEM_ID) throw new DomainError("item_not_editable", "The __direct__ item cannot be edited");
  return ctx.sql.begin(async (tx) => {
    const row = await lockItem(tx, projectId, itemId);
    if (!row) throw new DomainError("item_not_found", "No such item in this project");
    const before = toView(row);
    const after = toView(await updateItem(tx, projectId, itemId, item));
    const diff = Object.fromEntries(auditFields.filter((k) => before[k] !== after[k]).map((k) => [k, { from: before[k], to: after[k] }]));
    await writeAudit(tx, actor, { action: "item.update", targetType: "project", targetId: projectId, details: { item_id: itemId, changes: diff } });
    return after;
  });
}
