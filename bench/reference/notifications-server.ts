// Reference for the notifications scenario: what one signed Midtrans notification costs when
// written minimally (node:http + postgres.js), so the platform's overhead reads as a ratio.
// It does the same work as the platform's path (docs/api.md#post-apimidtransnotification):
// checks the signature, confirms with Get Status on the same simulator, and records the same
// rows — the notification, the purchase's new status, its history row, the `item.purchased`
// outbox event (with its NOTIFY) — in ONE statement, hence one transaction and one round trip.
// It handles only what the bench sends (pending -> settlement; a repeat changes nothing): no
// state machine, no rejections stored, no refunds.
import { createServer } from "node:http";
import postgres from "postgres";
import { midtransSignature } from "../../server/midtrans/signature";
import { newId } from "../../server/lib/ids";

if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is required (the reference shares the platform's PostgreSQL)");
const sql = postgres(process.env.DATABASE_URL, { max: 10, types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } } });
const port = Number(process.env.PORT ?? 4103);
const serverKey = process.env.MIDTRANS_SIMULATOR_SERVER_KEY ?? "";
const simulatorUrl = process.env.MIDTRANS_SIMULATOR_URL ?? "";
const auth = `Basic ${Buffer.from(`${serverKey}:`).toString("base64")}`;

const answer = (res: import("node:http").ServerResponse, status: number, body: string) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body);
};

let loggedError = false;
createServer((req, res) => {
  if (req.url === "/healthz") return void res.end("ok");
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    try {
      const raw = Buffer.concat(chunks).toString("utf8");
      const n = JSON.parse(raw) as Record<string, string>;
      if (midtransSignature(n.order_id, n.status_code, n.gross_amount, serverKey) !== n.signature_key) {
        return answer(res, 401, '{"error":{"code":"invalid_signature"}}');
      }
      const r = await fetch(`${simulatorUrl}/v2/${encodeURIComponent(n.order_id)}/status`, { headers: { authorization: auth, accept: "application/json" } });
      const t = (await r.json()) as Record<string, string>;
      // A card's `capture` (fraud accepted) is paid, as the platform's state machine has it (server/payments/lifecycle.ts).
      const settled = t.transaction_status === "settlement" || (t.transaction_status === "capture" && (t.fraud_status ?? "accept") === "accept");
      const status = settled ? "settlement" : t.transaction_status;
      const [row] = await sql<{ applied: boolean }[]>`
        with p as (
          select * from purchases where midtrans_order_id = ${n.order_id} for update
        ), u as (
          update purchases pu set status = ${status}, midtrans_status = ${t.transaction_status},
            fraud_status = ${t.fraud_status ?? null}, payment_type = ${t.payment_type ?? null},
            midtrans_transaction_id = ${t.transaction_id ?? null},
            paid_at = case when ${settled} then coalesce(pu.paid_at, now()) else pu.paid_at end, updated_at = now()
          from p where pu.id = p.id and p.midtrans_status is distinct from ${t.transaction_status}
          returning pu.*, p.status as from_status
        ), nt as (
          insert into midtrans_notifications (raw_body, body_sha256, body_bytes, headers, order_id, transaction_status, status_code,
            outcome, signature_valid, purchase_id, environment)
          select ${raw}, encode(sha256(convert_to(${raw}, 'UTF8')), 'hex'), ${Buffer.byteLength(raw)}, '{}'::jsonb, ${n.order_id},
            ${n.transaction_status}, ${n.status_code}, case when exists (select 1 from u) then 'applied' else 'duplicate' end, true, p.id, p.environment
          from p
          returning id
        ), h as (
          insert into purchase_status_history (purchase_id, from_status, to_status, midtrans_status, fraud_status, source, notification_id)
          select u.id, u.from_status, u.status, u.midtrans_status, u.fraud_status, 'notification', (select id from nt) from u
        ), e as (
          insert into webhook_events (id, project_id, purchase_id, environment, event_type, dedupe_key, payload, status, next_attempt_at)
          select ${newId("msg")}, u.project_id, u.id, u.environment, 'item.purchased', 'item.purchased',
            jsonb_build_object('event', 'item.purchased', 'order_id', u.order_id, 'item_id', u.item_id,
              'item_name', coalesce(u.item_name, 'Order ' || u.order_id), 'buyer_email', u.buyer_email, 'buyer_name', coalesce(u.buyer_name, ''),
              'amount', u.amount, 'currency', u.currency, 'paid_at', to_char(u.paid_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              'metadata', u.metadata, 'purchase_id', u.id, 'environment', u.environment),
            case when we.url is not null then 'pending' else 'no_endpoint' end, case when we.url is not null then now() end
          from u left join webhook_endpoints we on we.project_id = u.project_id and we.environment = u.environment
          where ${settled}
          on conflict (purchase_id, dedupe_key) do nothing
          returning status
        )
        select exists (select 1 from u) as applied, (select count(pg_notify('astapa_webhook_events', '')::text) from e where status = 'pending') as notified`;
      answer(res, 200, JSON.stringify({ outcome: row?.applied ? "applied" : "duplicate" }));
    } catch (e) {
      if (!loggedError) console.error(`notifications-server.ts error:`, e);
      loggedError = true;
      answer(res, 500, JSON.stringify({ error: { code: "internal", message: String(e) } }));
    }
  });
}).listen(port, "127.0.0.1");
