import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "../testing/platform";
import { midtransSignature } from "../midtrans/signature";
import { createItem } from "../items/items.service";
import { itemInput } from "../items/items.schema";
import { readAnswer } from "../testing/http";

// Property-based fuzzing of every public endpoint: never a 5xx, always a JSON error with a
// stable code, and nothing written for a rejected request. FUZZ_RUNS sets the count
// (npm run test:resilience uses 10,000 per endpoint).
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let itemId: string;
let paidOrder: string;

beforeAll(async () => {
  t = await startTestPlatform({
    env: {
      RATE_LIMIT_CREATE_PER_CLIENT: "0",
      RATE_LIMIT_CREATE_PER_IP: "0",
      RATE_LIMIT_VERIFY_PER_IP: "0",
      RATE_LIMIT_NOT_FOUND_PER_IP: "0",
      RATE_LIMIT_ITEMS_PER_IP: "0",
      RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP: "0",
    },
  });
  m = await t.createMerchant();
  itemId = (await createItem(t.sql, m.project_id, itemInput.parse({ name: "Kopi", price: 18000, price_overridable: true, min_price: 1000, max_price: 100000 }))).id;
  paidOrder = `fuzz-paid-${Date.now()}`;
  const r = await fetch(`${t.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: m.client_id, client_secret: m.client_secret, amount: 50000, order_id: paidOrder, buyer_email: "a@b.co" }),
  });
  expect(r.status).toBe(201);
}, 60_000);
afterAll(async () => t?.close());

const counts = async () =>
  (await t.sql<{ p: number; h: number; e: number }[]>`
    select (select count(*) from purchases)::int as p, (select count(*) from purchase_status_history)::int as h,
           (select count(*) from webhook_events)::int as e`)[0];

const STABLE_CODES = new Set([
  "invalid_json", "unsupported_content_type", "payload_too_large", "validation_failed", "invalid_client", "order_id_taken",
  "request_in_progress", "not_found", "item_not_found", "item_inactive", "idempotency_key_reused", "invalid_signature",
  "gateway_error", "method_not_allowed", "environment_unavailable", "ambiguous_order_id",
]);

const send = async (path: string, init: RequestInit) => readAnswer(await fetch(`${t.url}${path}`, init));

function expectWellFormed(r: Awaited<ReturnType<typeof readAnswer>>) {
  expect(r.status, r.text).toBeLessThan(500);
  expect(r.json, r.text).toBeDefined();
  if (r.status >= 400) {
    expect(STABLE_CODES.has(r.json.error?.code), r.text).toBe(true);
    expect(typeof r.json.error.message).toBe("string");
  }
}

const token = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const extraHeaders = fc.dictionary(token.filter((h) => !["content-length", "host", "connection", "transfer-encoding", "expect", "upgrade", "keep-alive", "te", "trailer"].includes(h.toLowerCase())), headerValue, { maxKeys: 3 });
const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "", "application/xml");
const weirdString = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("", " ", "null", "0", "-1", "1e309", "<script>", "'; drop table purchases; --", "a".repeat(60)));
const amountish = fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), weirdString, fc.constant(null), fc.boolean(), fc.constant(75000));
const orderIdish = fc.oneof(weirdString, fc.stringMatching(/^[A-Za-z0-9_~.-]{1,50}$/), fc.integer());
const emailish = fc.oneof(weirdString, fc.emailAddress(), fc.constant("buyer@example.com"));
const metadataish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 60 }));

describe(`fuzzing (${RUNS} runs per endpoint)`, () => {
  it("POST /api/platform/shop-payment", async () => {
    const body = fc.oneof(
      fc.record(
        {
          client_id: fc.oneof(fc.constant(m.client_id), weirdString),
          client_secret: fc.oneof(fc.constant(m.client_secret), weirdString),
          amount: amountish,
          order_id: orderIdish,
          buyer_email: emailish,
          buyer_name: fc.oneof(weirdString, fc.integer(), fc.constant(null)),
          item_name: fc.oneof(weirdString, fc.constant(undefined)),
          metadata: metadataish,
        },
        { requiredKeys: [] },
      ).map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, extraHeaders, async (b, ct, headers) => {
        const before = await counts();
        const r = await send("/api/platform/shop-payment", { method: "POST", headers: { ...headers, ...(ct ? { "content-type": ct } : {}) }, body: b });
        expectWellFormed(r);
        if (r.status >= 400) expect(await counts()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("POST /api/platform/purchase", async () => {
    const body = fc.record(
      {
        client_id: fc.oneof(fc.constant(m.client_id), weirdString),
        client_secret: fc.oneof(fc.constant(m.client_secret), weirdString),
        item_id: fc.oneof(fc.constant(itemId), fc.constant("__direct__"), weirdString, fc.integer()),
        amount: fc.oneof(amountish, fc.constant(undefined)),
        buyer_email: emailish,
        metadata: metadataish,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, extraHeaders, fc.option(weirdString.filter((s) => /^[\x20-\x7e]*$/.test(s))), async (b, ct, headers, key) => {
        const before = await counts();
        const r = await send("/api/platform/purchase", {
          method: "POST",
          headers: { ...headers, ...(ct ? { "content-type": ct } : {}), ...(key !== null ? { "idempotency-key": key } : {}) },
          body: JSON.stringify(b),
        });
        expectWellFormed(r);
        if (r.status >= 400) expect(await counts()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("GET /api/platform/shop-payment/verify", async () => {
    const query = fc.oneof(
      weirdString.map((s) => `order_id=${encodeURIComponent(s)}`),
      fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 4 }).map((kv) => new URLSearchParams(kv).toString()),
      fc.constant(`order_id=${paidOrder}`),
      fc.string().map((s) => s.replace(/[#\s]/g, "")),
    );
    await fc.assert(
      fc.asyncProperty(query, extraHeaders, async (q, headers) => {
        const r = await send(`/api/platform/shop-payment/verify?${q}`, { headers });
        expectWellFormed(r);
        if (r.status === 200) expect(["pending", "settlement", "cancel", "expire", "refund"]).toContain(r.json.status);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("POST /api/midtrans/notification", async () => {
    const genuine = (status: string, code: string, gross: string) => ({
      order_id: paidOrder,
      status_code: code,
      gross_amount: gross,
      transaction_status: status,
      signature_key: midtransSignature(paidOrder, code, gross, TEST_SERVER_KEY),
    });
    const body = fc.oneof(
      // Tampered genuine notifications: one field changed after signing.
      fc.tuple(fc.constantFrom("order_id", "status_code", "gross_amount", "transaction_status", "signature_key"), fc.jsonValue()).map(([k, v]) =>
        JSON.stringify({ ...genuine("settlement", "200", "50000.00"), [k]: v }),
      ),
      fc.record({ order_id: orderIdish, status_code: amountish, gross_amount: amountish, transaction_status: weirdString, signature_key: weirdString }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, contentType, extraHeaders, async (b, ct, headers) => {
        const before = await counts();
        const r = await send("/api/midtrans/notification", { method: "POST", headers: { ...headers, ...(ct ? { "content-type": ct } : {}) }, body: b });
        expectWellFormed(r);
        // Only a genuine signature may change anything (and the simulator says "pending").
        expect([200, 400, 401]).toContain(r.status);
        expect(await counts()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
