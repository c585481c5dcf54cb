import type { Db } from "../db/connect";

// The expiry flags of a purchase (db/migrations/0010_lifecycle_events.sql): written only by
// `applyPurchaseTransition` (server/payments/transition.ts, in `writePurchaseTransition`'s one
// statement), read by apply-status (with the row's lock) and the console (here).

export interface ExpiryFlags {
  /** The purchase's `expire` is Astapa's own (its Snap page lapsed unused), not Midtrans's. */
  expired_by_astapa: boolean;
  /** Set when Midtrans reported a payment after Astapa had expired the purchase: flagged for operators. */
  settled_after_expiry_at: Date | null;
}

export async function findExpiryFlags(db: Db, purchaseId: string): Promise<ExpiryFlags | undefined> {
  const [row] = await db<ExpiryFlags[]>`
    select expired_by_astapa, settled_after_expiry_at from purchases where id = ${purchaseId}`;
  return row;
}
