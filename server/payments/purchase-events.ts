import { toIsoSeconds } from "../lib/time";
import type { PurchaseRow } from "./payments.schema";

/** The `item.purchased` payload of docs/api.md; purchase_id and environment are compatible additions. */
export interface ItemPurchasedPayload {
  event: "item.purchased";
  order_id: string;
  item_id: string;
  item_name: string;
  buyer_email: string;
  /** "" when the merchant gave no name: docs/api.md types it as a string. */
  buyer_name: string;
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
    buyer_name: p.buyer_name ?? "",
    amount: p.amount,
    currency: p.currency,
    paid_at: toIsoSeconds(paidAt),
    metadata: p.metadata,
    purchase_id: p.id,
    environment: p.environment,
  };
}
