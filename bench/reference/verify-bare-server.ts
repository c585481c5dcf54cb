// The physical limit for the verify scenario: a bare node:http server in its own process
// answering the same bytes as the platform (its answers fetched once at start, from the file
// ANSWERS_FILE: order id → JSON body) with the same headers, and no database at all.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const answers = new Map<string, Buffer>(
  Object.entries(JSON.parse(readFileSync(process.env.ANSWERS_FILE!, "utf8")) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v)]),
);
const notFound = Buffer.from('{"error":{"code":"not_found","message":"No payment with this order_id"}}');
const port = Number(process.env.PORT ?? 4103);

createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/healthz") return void res.end("ok");
  const body = answers.get(url.searchParams.get("order_id") ?? "");
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.setHeader("Access-Control-Max-Age", "86400");
  res.setHeader("Cache-Control", "no-store");
  res.statusCode = body ? 200 : 404;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", (body ?? notFound).length);
  res.end(body ?? notFound);
}).listen(port, "127.0.0.1");
