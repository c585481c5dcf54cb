import { gzipSync } from "node:zlib";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "../testing/platform";
import { postJson, readAnswer } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";

// POST /api/midtrans/notification is answered ahead of Express (server/runtime/http-app.ts):
// the same answers as the Express route for what only the plain handler reads itself — the
// body's size bound, a body sent in chunks — and compressed bodies still inflated by Express.

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;

beforeAll(async () => {
  t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
  m = await t.createMerchant({ webhook_url: "http://127.0.0.1:9/unused" });
});
afterAll(async () => t?.close());

const URL_PATH = "/api/midtrans/notification";
const stored = async () => Number((await t.sql`select count(*)::int as n from midtrans_notifications`)[0].n);

/** A pending payment paid by card in the simulator (created with a dead notification URL: only the test's notifications arrive). */
async function paidPayment() {
  const id = `rest-ntf-${Date.now().toString(36)}-${seq++}`;
  const publicUrl = t.platform.ctx.config.publicUrl;
  t.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount: 75000,
    order_id: id,
    buyer_email: "buyer@example.com",
  }).finally(() => (t.platform.ctx.config.publicUrl = publicUrl));
  expect(r.status).toBe(201);
  const [row] = await t.sql<{ mid: string }[]>`select midtrans_order_id as mid from purchases where id = ${r.json.purchase_id}`;
  await t.simulator.pay(row.mid, { type: "bank_transfer", bank: "bca" });
  return row.mid;
}

function signed(order_id: string, extra: Record<string, unknown> = {}) {
  const body: Record<string, unknown> = { order_id, status_code: "201", gross_amount: "75000.00", transaction_status: "pending", ...extra };
  body.signature_key = midtransSignature(order_id, "201", "75000.00", TEST_SERVER_KEY);
  return body;
}

/** Sends `chunks` with Transfer-Encoding: chunked (no Content-Length), one write each. */
function postChunked(chunks: Buffer[]): Promise<{ status: number; json: { error?: { code?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${URL_PATH}`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString("utf8")) }));
    });
    // The server may close once it has answered, before every chunk is written.
    req.on("error", (err) => (String(err).includes("EPIPE") || String(err).includes("ECONNRESET") ? undefined : reject(err)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("POST /api/midtrans/notification, ahead of Express", () => {
  it("a genuine notification is applied, answered as JSON with a request id", async () => {
    const mid = await paidPayment();
    const r = await postJson(`${t.url}${URL_PATH}`, signed(mid));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(r.headers.get("x-request-id")).toMatch(/.+/);
    expect(r.json).toMatchObject({ received: true, outcome: "applied" });
  });

  it("a body over 16 KB is refused with 413 payload_too_large and nothing is stored: announced, or sent in chunks", async () => {
    const before = await stored();
    const big = JSON.stringify({ ...signed("nobody"), padding: "x".repeat(17 * 1024) });
    const announced = await postJson(`${t.url}${URL_PATH}`, big);
    expect(announced.status).toBe(413);
    expect(announced.json.error.code).toBe("payload_too_large");
    const chunked = await postChunked([Buffer.from(big.slice(0, 8000)), Buffer.from(big.slice(8000, 16000)), Buffer.from(big.slice(16000))]);
    expect(chunked.status).toBe(413);
    expect(chunked.json.error?.code).toBe("payload_too_large");
    expect(await stored()).toBe(before);
  });

  it("a body of exactly 16 KB sent in chunks is read whole (here: not JSON, refused 400 and stored as rejected)", async () => {
    const before = await stored();
    const body = Buffer.alloc(16 * 1024, "y");
    const r = await postChunked([body.subarray(0, 5000), body.subarray(5000)]);
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe("invalid_json");
    const [last] = await t.sql`select body_bytes, outcome from midtrans_notifications order by id desc limit 1`;
    expect(last).toMatchObject({ body_bytes: 16 * 1024, outcome: "rejected" });
    expect(await stored()).toBe(before + 1);
  });

  it("a gzip-compressed notification is still inflated (by Express's body parser) and applied", async () => {
    const mid = await paidPayment();
    const res = await fetch(`${t.url}${URL_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(signed(mid))),
    });
    const r = await readAnswer(res);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ received: true, outcome: "applied" });
  });

  it("other methods still answer 405 with Allow: POST", async () => {
    const r = await readAnswer(await fetch(`${t.url}${URL_PATH}`));
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
  });
});
