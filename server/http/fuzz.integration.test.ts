import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "../testing/platform";
import { midtransSignature } from "../midtrans/signature";
import { createItem } from "../items/items.service";
import { itemInput } from "../items/items.schema";
import { readAnswer } from "../testing/http";
import { signedInAdmin } from "../testing/admin";
import { seedEvents } from "../testing/webhooks";
import { encodeCursor } from "../lib/cursor";

// Property-based fuzzing of every public endpoint: never a 5xx, always a JSON error with a
// stable code, and nothing written for a rejected request. FUZZ_RUNS sets the count
// (npm run test:resilience uses 10,000 per endpoint).
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let itemId: string;
let paidOrder: string;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let eventIds: string[];

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
  itemId = (await createItem(t.sql, m.project_id, itemInput.parse({ name: "Kopi", price: 18000, price_overridable: true, min_price: 1000, max_price: 100000 })))
    .id;
  paidOrder = `fuzz-paid-${Date.now()}`;
  const r = await fetch(`${t.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: m.client_id, client_secret: m.client_secret, amount: 50000, order_id: paidOrder, buyer_email: "a@b.co" }),
  });
  expect(r.status).toBe(201);
  admin = await signedInAdmin(t);
  eventIds = await seedEvents(t.sql, m.project_id, 2);
}, 60_000);
afterAll(async () => t?.close());

const counts = async () =>
  (
    await t.sql<{ p: number; h: number; e: number }[]>`
    select (select count(*) from purchases)::int as p, (select count(*) from purchase_status_history)::int as h,
           (select count(*) from webhook_events)::int as e`
  )[0];

const STABLE_CODES = new Set([
  "invalid_json",
  "unsupported_content_type",
  "payload_too_large",
  "validation_failed",
  "invalid_client",
  "order_id_taken",
  "request_in_progress",
  "not_found",
  "item_not_found",
  "item_inactive",
  "idempotency_key_reused",
  "invalid_signature",
  "gateway_error",
  "method_not_allowed",
  "environment_unavailable",
  "ambiguous_order_id",
  "forbidden",
  "payment_not_paid",
  "already_fully_refunded",
  "refund_amount_exceeds_remaining",
  "refund_not_supported",
  "webhook_endpoint_missing",
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
const extraHeaders = fc.dictionary(
  token.filter(
    (h) => !["content-length", "host", "connection", "transfer-encoding", "expect", "upgrade", "keep-alive", "te", "trailer"].includes(h.toLowerCase()),
  ),
  headerValue,
  { maxKeys: 3 },
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "",
  "application/xml",
);
// What PostgreSQL cannot store (docs/api.md#limits-on-text-json-and-dates): a NUL or a lone UTF-16 surrogate anywhere in a string.
const unstorableChar = fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\udc00\ud800");
const unstorableString = fc.tuple(fc.string({ maxLength: 10 }), unstorableChar, fc.string({ maxLength: 10 })).map(([a, c, b]) => a + c + b);
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  unstorableString,
  fc.constantFrom("", " ", "null", "0", "-1", "1e309", "<script>", "'; drop table purchases; --", "a".repeat(60)),
);
/** Every byte percent-encoded (encodeURIComponent throws on a lone surrogate; a NUL becomes %00). */
const percentEncode = (s: string) => [...Buffer.from(s, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
/** Dates as the console's filters take them: real, impossible (9999-99-99) and out of range. */
const dayish = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
    .map(([y, m, d]) => `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`),
  fc.constantFrom("9999-99-99", "2026-02-30", "1999-12-31", "2101-01-01", "2026-05-01"),
  weirdString,
);
/**
 * Nesting from a few levels to far past the limit (32): a marker, replaced by `[[…]]` in the JSON
 * text by `toJson` (JSON.stringify would overflow the stack on thousands of levels).
 */
const DEEP = "__fuzz_deep__";
const deepValue = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 6000 })).map((n) => ({ [DEEP]: n }));
const toJson = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (x && typeof x === "object" && DEEP in x ? `${DEEP}${x[DEEP]}` : x))?.replace(new RegExp(`"${DEEP}(\\d+)"`, "g"), (_m, n) =>
    "[".repeat(Number(n)).concat("]".repeat(Number(n))),
  ) ?? "null";
const amountish = fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(String), weirdString, fc.constant(null), fc.boolean(), fc.constant(75000));
const orderIdish = fc.oneof(weirdString, fc.stringMatching(/^[A-Za-z0-9_~.-]{1,50}$/), fc.integer());
const emailish = fc.oneof(weirdString, fc.emailAddress(), fc.constant("buyer@example.com"));
const metadataish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer()), { maxKeys: 60 }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), unstorableString), fc.oneof(weirdString, deepValue, fc.array(unstorableString, { maxLength: 2 })), {
    maxKeys: 4,
  }),
);

describe(`fuzzing (${RUNS} runs per endpoint)`, () => {
  it("POST /api/platform/shop-payment", async () => {
    const body = fc.oneof(
      fc
        .record(
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
        )
        .map(toJson),
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
          body: toJson(b),
        });
        expectWellFormed(r);
        if (r.status >= 400) expect(await counts()).toEqual(before);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("GET /api/platform/shop-payment/verify", async () => {
    const query = fc.oneof(
      weirdString.map((s) => `order_id=${percentEncode(s)}`),
      fc
        .tuple(fc.oneof(fc.constant(paidOrder), weirdString), fc.oneof(fc.constant(m.client_id), weirdString))
        .map(([o, c]) => `order_id=${percentEncode(o)}&client_id=${percentEncode(c)}`),
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
      fc
        .tuple(fc.constantFrom("order_id", "status_code", "gross_amount", "transaction_status", "signature_key"), fc.jsonValue())
        .map(([k, v]) => JSON.stringify({ ...genuine("settlement", "200", "50000.00"), [k]: v })),
      fc
        .record(
          { order_id: orderIdish, status_code: amountish, gross_amount: amountish, transaction_status: weirdString, signature_key: weirdString },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      // Genuine signatures over what PostgreSQL cannot store, and unstorable or deep extra fields.
      fc
        .tuple(unstorableString, fc.constantFrom("order_id", "transaction_status", "va_numbers", "payment_type"))
        .map(([v, k]) =>
          JSON.stringify(
            k === "order_id"
              ? { ...genuine("settlement", "200", "50000.00"), order_id: v, signature_key: midtransSignature(v, "200", "50000.00", TEST_SERVER_KEY) }
              : { ...genuine("settlement", "200", "50000.00"), [k]: v },
          ),
        ),
      deepValue.map((d) => toJson({ ...genuine("settlement", "200", "50000.00"), custom_field1: d })),
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

  it("POST /api/platform/shop-payment/refund", async () => {
    const body = fc.record(
      {
        client_id: fc.oneof(fc.constant(m.client_id), weirdString),
        client_secret: fc.oneof(fc.constant(m.client_secret), weirdString),
        order_id: fc.oneof(fc.constant(paidOrder), orderIdish),
        amount: fc.oneof(amountish, fc.constant(undefined)),
        reason: fc.oneof(weirdString, unstorableString, deepValue, fc.constant(undefined)),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.option(
          fc.oneof(
            weirdString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
            fc.constant("fuzz-refund"),
          ),
        ),
        async (b, key) => {
          // Never the genuine pair (a real refund would change the counts): the secret is always wrong or the key missing.
          const r = await send("/api/platform/shop-payment/refund", {
            method: "POST",
            headers: { "content-type": "application/json", ...(key !== null ? { "idempotency-key": key } : {}) },
            body: toJson({ ...b, client_secret: b.client_secret === m.client_secret && key !== null ? `${b.client_secret}x` : b.client_secret }),
          });
          expectWellFormed(r);
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("GET /api/platform/events and POST /api/platform/events/:id/resend", async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${m.client_id}:${m.client_secret}`).toString("base64")}` };
    const cursorish = fc.oneof(
      weirdString,
      fc
        .tuple(fc.oneof(dayish, weirdString), fc.oneof(fc.constantFrom(...eventIds), weirdString))
        .map(([ts, id]) => encodeCursor(`${ts}T00:00:00.000000Z`, id)),
      fc.tuple(weirdString, weirdString).map(([ts, id]) => encodeCursor(ts, id)),
    );
    const query = fc
      .record(
        {
          type: fc.oneof(weirdString, fc.constant("item.purchased")),
          order_id: weirdString,
          cursor: cursorish,
          limit: fc.oneof(weirdString, fc.integer().map(String)),
        },
        { requiredKeys: [] },
      )
      .map((q) =>
        Object.entries(q)
          .map(([k, v]) => `${k}=${percentEncode(v)}`)
          .join("&"),
      );
    await fc.assert(
      fc.asyncProperty(query, fc.oneof(fc.constantFrom(...eventIds), weirdString), async (q, id) => {
        expectWellFormed(await send(`/api/platform/events?${q}`, { headers: auth }));
        const r = await send(`/api/platform/events/${percentEncode(id)}/resend`, { method: "POST", headers: auth });
        expect(r.status, r.text).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it("the console: tRPC queries and mutations, the CSV export", async () => {
    const filters = fc.record(
      {
        q: weirdString,
        projectId: fc.oneof(fc.constant(m.project_id), weirdString),
        createdFrom: dayish,
        createdTo: dayish,
        status: weirdString,
        amountMin: fc.oneof(fc.integer(), weirdString),
        cursor: fc.oneof(
          weirdString,
          fc.tuple(dayish, weirdString).map(([d, id]) => encodeCursor(`${d}T00:00:00.000000Z`, id)),
        ),
      },
      { requiredKeys: [] },
    );
    const call = fc.oneof(
      filters.map((input) => ["payments.list", input] as const),
      fc.oneof(fc.record({ id: weirdString }), fc.record({ orderId: weirdString })).map((input) => ["payments.detail", input] as const),
      fc.record({ action: weirdString, targetId: weirdString, adminEmail: weirdString }, { requiredKeys: [] }).map((input) => ["audit.list", input] as const),
      fc
        .record({ cursor: weirdString, projectId: weirdString, state: weirdString, eventType: weirdString, q: weirdString }, { requiredKeys: [] })
        .map((input) => ["webhooks.list", input] as const),
      fc.record({ id: weirdString }).map((input) => ["webhooks.event", input] as const),
      fc.record({ projectId: fc.oneof(fc.constant(m.project_id), weirdString) }).map((input) => ["projects.get", input] as const),
    );
    const mutation = fc.oneof(
      fc
        .record(
          {
            name: weirdString,
            store_url_template: fc.oneof(
              weirdString,
              fc.constant("https://s.example.com/{store_slug}").chain((u) => unstorableString.map((x) => u + x)),
            ),
          },
          { requiredKeys: ["name"] },
        )
        .map((input) => ["projects.create", input] as const),
      fc
        .record({ name: weirdString, description: weirdString, price: amountish }, { requiredKeys: ["name"] })
        .map((item) => ["items.create", { projectId: m.project_id, item }] as const),
      fc.record({ purchaseId: weirdString, reason: weirdString }).map((input) => ["payments.refund", input] as const),
      fc
        .record(
          {
            before: fc.oneof(
              dayish.map((d) => `${d}T00:00:00Z`),
              weirdString,
            ),
            cursor: weirdString,
          },
          { requiredKeys: ["before"] },
        )
        .map((input) => ["webhooks.retryBatch", input] as const),
    );
    await fc.assert(
      fc.asyncProperty(call, mutation, filters, async ([qPath, qInput], [mPath, mInput], f) => {
        const q = await send(`/api/trpc/${qPath}?input=${encodeURIComponent(toJson(qInput))}`, { headers: { cookie: admin.cookie } });
        expect(q.status, q.text).toBeLessThan(500);
        const mu = await send(`/api/trpc/${mPath}`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie: admin.cookie, origin: t.url },
          body: toJson(mInput),
        });
        expect(mu.status, mu.text).toBeLessThan(500);
        // The export validates before its 200: a refusal is JSON, and a 200 is read to its end (never cut off).
        const csvQuery = Object.entries(f)
          .map(([k, v]) => `${k}=${percentEncode(String(v))}`)
          .join("&");
        const csv = await send(`/admin/export.csv?${csvQuery}`, { headers: { cookie: admin.cookie } });
        expect(csv.status, csv.text).toBeLessThan(500);
        if (csv.status !== 200) expect(csv.json?.error?.code, csv.text).toBe("validation_failed");
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
