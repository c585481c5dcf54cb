import type { Db } from "../db/connect";
import type { ItemInput, ItemRow } from "./items.schema";

export async function insertSentinelItem(db: Db, projectId: string): Promise<void> {
  await db`insert into items (project_id, id, name, price, active, is_sentinel)
           values (${projectId}, '__direct__', 'Shop payment', 1, false, true) on conflict do nothing`;
}

export async function insertItem(db: Db, projectId: string, id: string, i: ItemInput): Promise<ItemRow> {
  const [row] = await db<ItemRow[]>`
    insert into items (project_id, id, name, description, price, active, price_overridable, min_price, max_price)
    values (${projectId}, ${id}, ${i.name}, ${i.description}, ${i.price}, ${i.active}, ${i.price_overridable}, ${i.min_price}, ${i.max_price})
    returning *`;
  return row;
}

export async function updateItem(db: Db, projectId: string, id: string, i: ItemInput): Promise<ItemRow | undefined> {
  const [row] = await db<ItemRow[]>`
    update items set name = ${i.name}, description = ${i.description}, price = ${i.price}, active = ${i.active},
      price_overridable = ${i.price_overridable}, min_price = ${i.min_price}, max_price = ${i.max_price}, updated_at = now()
    where project_id = ${projectId} and id = ${id} and not is_sentinel
    returning *`;
  return row;
}

export async function findItem(db: Db, projectId: string, id: string): Promise<ItemRow | undefined> {
  const [row] = await db<ItemRow[]>`select * from items where project_id = ${projectId} and id = ${id}`;
  return row;
}

export async function listItems(db: Db, projectId: string, opts: { activeOnly: boolean }): Promise<ItemRow[]> {
  return db<ItemRow[]>`
    select * from items where project_id = ${projectId} and not is_sentinel ${opts.activeOnly ? db`and active` : db``}
    order by created_at desc, id limit 1000`;
}

/** The item row, locked until the caller's transaction ends. */
export async function lockItem(db: Db, projectId: string, id: string): Promise<ItemRow | undefined> {
  const [row] = await db<ItemRow[]>`select * from items where project_id = ${projectId} and id = ${id} for update`;
  return row;
}
