import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import { toIsoSeconds } from "../midtrans/time";
import type { PurchaseRow } from "../payments/payments.schema";

/** The seed page's `item.purchased` payload; purchase_id and environment are compatible additions. */
export interface ItemPurchasedPayload {
  event: "item.purchased";
  order_id: string;
  item_id: string;
  item_name: string;
  buyer_email: string;
  buyer_name: string | null;
  amount: number;
  currency: string;
  paid_at: string;
  metadata: Record<string, unknown>;
  purchase_id: string;
  environment: string;
}

export function itemPurchasedPayload(p: PurchaseRow, itemName: string, paidAt: Date): ItemPurchasedPayload {
  return {
    event: "item.purchased",
    order_id: p.order_id,
    item_id: p.item_id,
    item_name: itemName,
    buyer_email: p.buyer_email,
    buyer_name: p.buyer_name,
    amount: p.amount,
    currency: p.currency,
    paid_at: toIsoSeconds(paidAt),
    metadata: p.metadata,
    purchase_id: p.id,
    environment: p.environment,
  };
}

/**
 * Writes the event into the outbox, inside the caller's transaction. The unique
 * (purchase_id, event_type) makes a second `item.purchased` for a payment impossible,
 * whatever races. Returns true when a new event row was written.
 */
export async function enqueueWebhookEvent(
  tx: Db,
  e: { project_id: string; purchase_id: string; event_type: string; payload: object; hasEndpoint: boolean },
): Promise<boolean> {
  const rows = await tx`
    insert into webhook_events (id, project_id, purchase_id, event_type, payload, status, next_attempt_at)
    values (${newId("msg")}, ${e.project_id}, ${e.purchase_id}, ${e.event_type}, ${tx.json(e.payload as never)},
            ${e.hasEndpoint ? "pending" : "no_endpoint"}, ${e.hasEndpoint ? tx`now()` : null})
    on conflict (purchase_id, event_type) do nothing
    returning id`;
  return rows.length > 0;
}
