import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import { insertWebhookEvent } from "./webhooks.queries";

/** NOTIFY channel: wakes webhook workers in other processes (real PostgreSQL only). */
export const WEBHOOK_EVENTS_CHANNEL = "astapa_webhook_events";

/**
 * Writes the event into the outbox, inside the caller's transaction. The event takes its
 * purchase's environment, and goes to the project's endpoint for that environment (picked again
 * at every send); with no URL there it is kept as `no_endpoint`. The unique
 * (purchase_id, dedupe_key) makes a second event for the same transition impossible, whatever
 * races: `dedupe_key` defaults to the event type (one `item.purchased`, one `payment.expired`
 * per payment); each refund has its own (docs/api.md, "Webhooks"). Returns true when a new
 * event row was written.
 * A new deliverable event also NOTIFYs: PostgreSQL sends it at commit, so workers in other
 * processes wake exactly when the row becomes visible (and never for a rolled-back one).
 * `now` (default: the database's) is when the first attempt is due.
 */
export async function enqueueWebhookEvent(
  tx: Db,
  e: { project_id: string; purchase_id: string; event_type: string; dedupe_key?: string; payload: object; now?: Date },
): Promise<boolean> {
  const status = await insertWebhookEvent(tx, {
    id: newId("msg"),
    project_id: e.project_id,
    purchase_id: e.purchase_id,
    event_type: e.event_type,
    dedupe_key: e.dedupe_key ?? e.event_type,
    payload: e.payload,
    due: e.now ?? null,
    notifyChannel: WEBHOOK_EVENTS_CHANNEL,
  });
  return status !== null;
}

/** The field order of the documented payload (docs/api.md, "Webhooks: `item.purchased`"): jsonb does not keep key order, so it is restored when sending. */
const ITEM_PURCHASED_KEYS: readonly string[] = [
  "event",
  "order_id",
  "item_id",
  "item_name",
  "buyer_email",
  "buyer_name",
  "amount",
  "currency",
  "paid_at",
  "metadata",
  "purchase_id",
  "environment",
];

/** The exact JSON body sent (and signed) for a stored payload; the same bytes on every retry. */
export function serializeWebhookPayload(payload: Record<string, unknown>): string {
  if (payload.event !== "item.purchased") return JSON.stringify(payload);
  const ordered: Record<string, unknown> = {};
  for (const k of ITEM_PURCHASED_KEYS) if (k in payload) ordered[k] = payload[k];
  for (const [k, v] of Object.entries(payload)) if (!(k in ordered)) ordered[k] = v;
  return JSON.stringify(ordered);
}
