import type { Db } from "./types";

/** Resolves when the database answers a trivial query (health checks); throws when it does not. */
export async function pingDatabase(db: Db): Promise<void> {
  await db`select 1`;
}
