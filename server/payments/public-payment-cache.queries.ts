import type { Db } from "../db/connect";

/** A NOTIFY on verify's cache channel (the LISTEN's heartbeat: server/payments/public-payment-invalidation.ts). */
export async function notifyPublicPayments(db: Db, channel: string, payload: string): Promise<void> {
  await db`select pg_notify(${channel}, ${payload})`;
}
