// Reference for the verify scenario: a minimal node:http + postgres.js server answering
// the same query with the same JSON, so the platform's overhead can be read as a ratio.
import { createServer } from "node:http";
import postgres from "postgres";
import { buildStoreRedirectUrl } from "../../server/payments/redirect";
import { startEmbeddedDatabase } from "../../server/db/connect";

// PostgreSQL when DATABASE_URL is set; otherwise the embedded database in DATA_DIR, as the
// platform opens it (the bench's fallback when no PostgreSQL is reachable).
const sql = process.env.DATABASE_URL
  ? postgres(process.env.DATABASE_URL, { max: 10, types: { bigint: { to: 20, from: [20], serialize: String, parse: Number } } })
  : (await startEmbeddedDatabase({ dataDir: process.env.DATA_DIR })).sql;
const port = Number(process.env.PORT ?? 4100);

createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/healthz") return void res.end("ok");
  const orderId = url.searchParams.get("order_id") ?? "";
  const [row] = await sql`
    select p.order_id, p.status, p.amount, p.currency, p.item_name, p.paid_at, p.refunded_amount, p.snap_expires_at,
           p.metadata->>'store_name' as store_name, p.metadata->>'store_slug' as store_slug, pr.store_url_template
    from purchases p join projects pr on pr.id = p.project_id where p.order_id = ${orderId}`;
  if (!row) {
    res.writeHead(404, { "content-type": "application/json" });
    return void res.end('{"error":{"code":"not_found"}}');
  }
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*" });
  res.end(
    JSON.stringify({
      order_id: row.order_id,
      status: row.status,
      store_name: row.store_name,
      redirect_url: buildStoreRedirectUrl(row.store_url_template, row.store_slug),
      amount: row.amount,
      currency: row.currency,
      item_name: row.item_name,
      paid_at: row.paid_at ? new Date(row.paid_at).toISOString().replace(/\.\d{3}Z$/, "Z") : null,
      refunded_amount: row.refunded_amount,
      expires_at: row.snap_expires_at ? new Date(row.snap_expires_at).toISOString().replace(/\.\d{3}Z$/, "Z") : null,
    }),
  );
}).listen(port, "127.0.0.1");
