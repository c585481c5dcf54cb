import type { Db } from "../db/connect";
import { newId } from "../lib/ids";

/** NOTIFY channel: wakes webhook workers in other processes (real PostgreSQL only). */
export const WEBHOOK_EVENTS_CHANNEL = "astapa_webhook_events";

/**
 * Writes the event into the outbox, inside the caller's transaction. The unique
 * (purchase_id, event_type) makes a second `item.purchased` for a payment impossible,
 * whatever races. Returns true when a new event row was written.
 * A new deliverable event also NOTIFYs: PostgreSQL sends it at commit, so workers in other
 * processes wake exactly when the row becomes visible (and never for a rolled-back one).
 * `now` (default: the database's) is when the first attempt is due.
 */
export async function enqueueWebhookEvent(
  tx: Db,
  e: { project_id: string; purchase_id: string; event_type: string; payload: object; hasEndpoint: boolean; now?: Date },
): Promise<boolean> {
  const due = e.now ?? tx`now()`;
  const insert = tx`
    insert into webhook_events (id, project_id, purchase_id, event_type, payload, status, next_attempt_at)
    values (${newId("msg")}, ${e.project_id}, ${e.purchase_id}, ${e.event_type}, ${tx.json(e.payload as never)},
            ${e.hasEndpoint ? "pending" : "no_endpoint"}, ${e.hasEndpoint ? due : null})
    on conflict (purchase_id, event_type) do nothing
    returning id`;
  // Same statement, no extra round trip; pg_notify runs only for an inserted row. Harmless on
  // embedded PGlite, where nobody can LISTEN (the in-process wake-up covers it).
  const rows = e.hasEndpoint
    ? await tx`with ins as (${insert}) select id, pg_notify(${WEBHOOK_EVENTS_CHANNEL}, '')::text as notified from ins`
    : await insert;
  return rows.length > 0;
}

/** The seed page's field order: jsonb does not keep key order, so it is restored when sending. */
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
