import type { Db } from "./types";

// The plan cache setting of a connection (server/db/connect.ts withCustomPlans and
// reserveWithCustomPlans). Plain functions, not async: each statement is built when called,
// so a caller can queue it ahead of another query on the same connection.

/** Custom plans until the end of the current transaction (SET LOCAL). */
export const forceCustomPlansInTransaction = (tx: Db) => tx`set local plan_cache_mode = force_custom_plan`;

/** Custom plans for the rest of this connection's session (a reserved connection). */
export const forceCustomPlans = (db: Db) => db`set plan_cache_mode = force_custom_plan`;

/** Back to the server's default plan choice. */
export const resetPlanCacheMode = (db: Db) => db`reset plan_cache_mode`;
