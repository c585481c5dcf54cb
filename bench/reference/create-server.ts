// Reference for the create scenario: what one create costs when written minimally (node:http +
// postgres.js): authenticates the credential with the same hash check (SHA-256, constant-time),
// claims the order id with one insert (its unique index), calls Snap on the same simulator with
// keep-alive, and records the result in one statement with its history row. Three round trips,
// as the platform's create. No validation beyond what the bench sends, no idempotent replays.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import postgres from "postgres";
import { newId } from "../../server/lib/ids";
import { newMidtransOrderId } from "../../server/payments/order-id";

if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is required (the reference shares the platform's PostgreSQL)");
const sql = postgres(process.env.DATABASE_URL, { max: 10, types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } } });
const port = Number(process.env.PORT ?? 4104);
const serverKey = process.env.MIDTRANS_SIMULATOR_SERVER_KEY ?? "";
const simulatorUrl = process.env.MIDTRANS_SIMULATOR_URL ?? "";
const publicUrl = process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`;
const auth = `Basic ${Buffer.from(`${serverKey}:`).toString("base64")}`;
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

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
      const b = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const [cred] = await sql<{ project_id: string; environment: string; secret_hash: string; revoked_at: Date | null }[]>`
        select project_id, environment, secret_hash, revoked_at from api_credentials where client_id = ${b.client_id}`;
      if (!cred || cred.revoked_at || !timingSafeEqual(Buffer.from(cred.secret_hash, "hex"), sha256(String(b.client_secret)))) {
        return answer(res, 401, '{"error":{"code":"invalid_client"}}');
      }
      const id = newId("pur");
      const midtransOrderId = newMidtransOrderId(b.order_id);
      const [claimed] = await sql`
        insert into purchases (id, project_id, environment, order_id, midtrans_order_id, amount, buyer_email, buyer_name, item_id, item_name, metadata, status)
        values (${id}, ${cred.project_id}, ${cred.environment}, ${b.order_id}, ${midtransOrderId}, ${b.amount}, ${b.buyer_email}, ${b.buyer_name ?? null},
                '__direct__', ${b.item_name ?? null}, ${JSON.stringify(b.metadata ?? {})}::text::jsonb, 'creating')
        on conflict do nothing
        returning id`;
      if (!claimed) return answer(res, 409, '{"error":{"code":"duplicate_order_id"}}');
      const r = await fetch(`${simulatorUrl}/snap/v1/transactions`, {
        method: "POST",
        headers: {
          authorization: auth,
          "content-type": "application/json",
          accept: "application/json",
          "x-override-notification": `${publicUrl}/notification`,
        },
        body: JSON.stringify({
          transaction_details: { order_id: midtransOrderId, gross_amount: b.amount },
          customer_details: { email: b.buyer_email, ...(b.buyer_name ? { first_name: b.buyer_name } : {}) },
          item_details: [{ id: "__direct__", price: b.amount, quantity: 1, name: String(b.item_name ?? `Order ${b.order_id}`).slice(0, 50) }],
          callbacks: { finish: `${publicUrl}/purchase/callback` },
          custom_field1: id,
          expiry: { unit: "minutes", duration: 60 },
        }),
      });
      const snap = (await r.json()) as { token: string; redirect_url: string };
      const expiresAt = new Date(Date.now() + 60 * 60_000);
      await sql`
        with u as (
          update purchases set snap_token = ${snap.token}, invoice_url = ${snap.redirect_url}, snap_expires_at = ${expiresAt},
            status = case when status = 'creating' then 'pending' else status end, updated_at = now()
          where id = ${id} returning id, status
        )
        insert into purchase_status_history (purchase_id, from_status, to_status, source) select id, 'creating', status, 'create' from u`;
      answer(res, 201, JSON.stringify({ invoice_url: snap.redirect_url, order_id: b.order_id, purchase_id: id, status: "pending", amount: b.amount }));
    } catch (e) {
      if (!loggedError) console.error(`create-server.ts error:`, e);
      loggedError = true;
      answer(res, 500, JSON.stringify({ error: { code: "internal", message: String(e) } }));
    }
  });
}).listen(port, "127.0.0.1");
