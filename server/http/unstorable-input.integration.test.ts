import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson, readAnswer } from "../testing/http";
import { signedInAdmin } from "../testing/admin";
import { seedEvents } from "../testing/webhooks";
import { midtransSignature } from "../midtrans/signature";
import { createItem } from "../items/items.service";
import { itemInput } from "../items/items.schema";
import { encodeCursor } from "../lib/cursor";
import { loginFromForm } from "../remix/admin";

/**
 * Text and JSON that PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate, nesting deeper than
 * the documented limit, a date outside the calendar or the documented years) are refused with
 * 400 `validation_failed` naming the field, on every merchant endpoint, the Midtrans notification
 * and every console input (docs/api.md#limits-on-text-json-and-dates), and nothing is written. Each case answered 500
 * (or stored a mangled value) before the check.
 */
let t: TestPlatform;
type Merchant = Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let m: Merchant;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let itemId: string;
let paid: { orderId: string; purchaseId: string };
let seq = 0;
const orderId = (p = "un") => `${p}-${Date.now().toString(36)}-${seq++}`;
const NUL = "\u0000";
const LONE = "\ud800";

beforeAll(async () => {
  t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
  m = await t.createMerchant({ name: "Toko Unstorable" });
  admin = await signedInAdmin(t);
  itemId = (await createItem(t.sql, m.project_id, itemInput.parse({ name: "Kopi", price: 18000 }))).id;
  await seedEvents(t.sql, m.project_id, 2);
  const id = orderId("paid");
  const r = await postJson(`${t.url}/api/platform/shop-payment`, { ...creds(), amount: 50000, order_id: id, buyer_email: "a@b.co" });
  expect(r.status).toBe(201);
  await t.simulator.pay(id, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
  await waitFor(async () => (await t.sql`select status from purchases where id = ${r.json.purchase_id}`)[0]?.status === "settlement", { what: "settlement" });
  paid = { orderId: id, purchaseId: r.json.purchase_id };
}, 60_000);
afterAll(async () => t?.close());

const creds = () => ({ client_id: m.client_id, client_secret: m.client_secret });
const basic = () => ({ authorization: `Basic ${Buffer.from(`${m.client_id}:${m.client_secret}`).toString("base64")}` });
const counts = async () =>
  (
    await t.sql<{ p: number; r: number; n: number; i: number; pr: number; a: number }[]>`
    select (select count(*) from purchases)::int as p, (select count(*) from refunds)::int as r,
           (select count(*) from midtrans_notifications)::int as n, (select count(*) from items)::int as i,
           (select count(*) from projects)::int as pr, (select count(*) from admin_audit_log)::int as a`
  )[0];

/** The answer is 400 validation_failed, naming `field` when given. */
function expectRefused(r: Awaited<ReturnType<typeof readAnswer>>, field?: string) {
  expect(r.status, r.text).toBe(400);
  expect(r.json?.error?.code, r.text).toBe("validation_failed");
  if (field) expect(Object.keys(r.json.error.fields ?? {}), r.text).toContain(field);
}

/**
 * A value nested `depth` arrays deep, [[[…]]]: a marker in the object, replaced in its JSON text
 * (JSON.stringify itself would overflow the stack on 5,000 levels, as the server once did).
 */
const deepArray = (depth: number) => ({ [DEEP]: depth });
const DEEP = "__deep_array__";
const toJson = (body: unknown) =>
  JSON.stringify(body, (_k, v) => (v && typeof v === "object" && DEEP in v ? `${DEEP}${v[DEEP]}` : v)).replace(
    new RegExp(`"${DEEP}(\\d+)"`, "g"),
    (_m, n) => "[".repeat(Number(n)) + "]".repeat(Number(n)),
  );

describe("POST /api/platform/shop-payment refuses what PostgreSQL cannot store", () => {
  const create = (extra: Record<string, unknown>) =>
    postJson(`${t.url}/api/platform/shop-payment`, toJson({ ...creds(), amount: 10000, order_id: orderId(), buyer_email: "a@b.co", ...extra }));
  const cases: [string, Record<string, unknown>, string][] = [
    ["a NUL in buyer_name", { buyer_name: `Budi${NUL}` }, "buyer_name"],
    ["a NUL in item_name", { item_name: `Kopi${NUL}` }, "item_name"],
    ["a NUL in a metadata key", { metadata: { [`k${NUL}`]: "v" } }, "metadata"],
    ["a NUL in a metadata value", { metadata: { note: `a${NUL}b` } }, "metadata.note"],
    ["a NUL in a nested metadata value", { metadata: { note: { deeper: [`a${NUL}b`] } } }, "metadata.note.deeper.0"],
    ["a lone surrogate in a metadata value", { metadata: { note: `x${LONE}` } }, "metadata.note"],
    ["a lone surrogate in a metadata key", { metadata: { [`k${LONE}`]: "v" } }, "metadata"],
    ["a lone low surrogate in buyer_name", { buyer_name: "\udc00Budi" }, "buyer_name"],
    ["a 5,000-deep array in a metadata value", { metadata: { deep: deepArray(5000) } }, "metadata.deep"],
    ["nesting one level deeper than the limit (32)", { metadata: { deep: deepArray(31) } }, "metadata.deep"],
  ];
  for (const [name, extra, field] of cases) {
    it(`${name}: 400 validation_failed on ${field}, nothing stored`, async () => {
      const before = await counts();
      const r = await create(extra);
      expectRefused(r, field);
      expect(await counts()).toEqual(before);
    });
  }

  it("accepts nesting at the limit and a well-formed surrogate pair (emoji)", async () => {
    const r = await create({ buyer_name: "Budi 😀", metadata: { deep: deepArray(30), emoji: "☕😀" } });
    expect(r.status, r.text).toBe(201);
    const [row] = await t.sql<
      { buyer_name: string; metadata: { emoji: string } }[]
    >`select buyer_name, metadata from purchases where id = ${r.json.purchase_id}`;
    expect(row.buyer_name).toBe("Budi 😀");
    expect(row.metadata.emoji).toBe("☕😀");
  });

  it("a NUL in an unknown field is refused too (no NUL anywhere in a body)", async () => {
    expectRefused(await create({ [`x${NUL}`]: 1 }));
    expectRefused(await create({ extra: `a${NUL}` }), "extra");
  });
});

describe("items, refunds and events endpoints", () => {
  it("POST /api/platform/purchase: a NUL in buyer_name or metadata is 400, nothing stored", async () => {
    const before = await counts();
    const buy = (extra: Record<string, unknown>, key = orderId("k")) =>
      postJson(`${t.url}/api/platform/purchase`, toJson({ ...creds(), item_id: itemId, buyer_email: "a@b.co", ...extra }), { "Idempotency-Key": key });
    expectRefused(await buy({ buyer_name: `Budi${NUL}` }), "buyer_name");
    expectRefused(await buy({ metadata: { a: `x${NUL}` } }), "metadata.a");
    expectRefused(await buy({ metadata: { a: deepArray(5000) } }), "metadata.a");
    expect(await counts()).toEqual(before);
  });

  it("POST /api/platform/shop-payment/refund: a NUL or lone surrogate in reason is 400, nothing refunded", async () => {
    const before = await counts();
    const refund = (reason: string) =>
      postJson(`${t.url}/api/platform/shop-payment/refund`, { ...creds(), order_id: paid.orderId, reason }, { "Idempotency-Key": orderId("rk") });
    expectRefused(await refund(`out of stock${NUL}`), "reason");
    expectRefused(await refund(`out of stock${LONE}`), "reason");
    expect(await counts()).toEqual(before);
    expect(await t.sql`select status, refunded_amount from purchases where id = ${paid.purchaseId}`).toEqual([{ status: "settlement", refunded_amount: 0 }]);
  });

  it("GET /api/platform/events: a NUL in order_id or a forged cursor is 400", async () => {
    expectRefused(await getJson(`${t.url}/api/platform/events?order_id=${encodeURIComponent(`a${NUL}`)}`, basic()), "order_id");
    // Cursors are opaque but travel through the client: one that decodes to a NUL id or a time
    // PostgreSQL cannot read must not reach the query.
    for (const cursor of [
      encodeCursor("2026-01-01T00:00:00.000000Z", `evt_${NUL}`),
      encodeCursor("1", "evt_x"),
      encodeCursor("2026-02-30T00:00:00.000000Z", "evt_x"),
    ]) {
      expectRefused(await getJson(`${t.url}/api/platform/events?cursor=${cursor}`, basic()), "cursor");
    }
  });

  it("GET /api/platform/shop-payment/verify: a client_id with a NUL names no payment (404, as any value that cannot be a client_id)", async () => {
    const r = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${paid.orderId}&client_id=${encodeURIComponent(`${m.client_id}${NUL}`)}`);
    expect(r.status, r.text).toBe(404);
    expect(r.json.error.code).toBe("not_found");
  });

  it("POST /api/platform/events/:id/resend: a NUL in the id is 400", async () => {
    const r = await readAnswer(await fetch(`${t.url}/api/platform/events/evt_${encodeURIComponent(NUL)}/resend`, { method: "POST", headers: basic() }));
    expectRefused(r, "id");
  });
});

describe("POST /api/midtrans/notification: rejected like any invalid body, without storing a NUL", () => {
  const genuine = (over: Record<string, unknown>) => {
    const n = { order_id: paid.orderId, status_code: "200", gross_amount: "50000.00", transaction_status: "settlement", ...over };
    return { ...n, signature_key: midtransSignature(String(n.order_id), n.status_code, n.gross_amount, TEST_SERVER_KEY) };
  };
  const cases: [string, () => Record<string, unknown>][] = [
    ["a NUL in order_id (signed)", () => genuine({ order_id: `${paid.orderId}${NUL}` })],
    ["a NUL in transaction_status (signed)", () => genuine({ transaction_status: `settlement${NUL}` })],
    ["a NUL in an extra field (signed)", () => genuine({ va_numbers: [{ bank: `bca${NUL}` }] })],
    [
      "a lone surrogate in order_id (unsigned)",
      () => ({ order_id: `x${LONE}`, status_code: "200", gross_amount: "1", transaction_status: "settlement", signature_key: "x" }),
    ],
    [
      "a NUL in order_id (unsigned)",
      () => ({ order_id: `x${NUL}`, status_code: "200", gross_amount: "1", transaction_status: "settlement", signature_key: "x" }),
    ],
  ];
  for (const [name, body] of cases) {
    it(`${name}: 400 validation_failed, recorded as rejected, no NUL stored, the payment untouched`, async () => {
      const before = await counts();
      const r = await postJson(`${t.url}/api/midtrans/notification`, body());
      expectRefused(r);
      expect(await counts()).toEqual({ ...before, n: before.n + 1 });
      const [row] = await t.sql<{ outcome: string; order_id: string | null; raw_body: string; transaction_status: string | null }[]>`
        select outcome, order_id, raw_body, transaction_status from midtrans_notifications order by received_at desc, id desc limit 1`;
      expect(row.outcome).toBe("rejected");
      for (const v of [row.order_id, row.raw_body, row.transaction_status]) expect(v ?? "").not.toContain(NUL);
      expect(await t.sql`select status from purchases where id = ${paid.purchaseId}`).toEqual([{ status: "settlement" }]);
    });
  }
});

describe("the console (tRPC over HTTP, the CSV export, the sign-in form)", () => {
  const trpcQuery = async (path: string, input: unknown) =>
    readAnswer(await fetch(`${t.url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { cookie: admin.cookie } }));
  const trpcMutation = async (path: string, input: unknown) =>
    readAnswer(
      await fetch(`${t.url}/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: admin.cookie, origin: t.url },
        body: JSON.stringify(input),
      }),
    );
  /** tRPC's refusal: 400 with the domain code validation_failed, naming `field`. */
  const expectTrpcRefused = (r: Awaited<ReturnType<typeof readAnswer>>, field?: string) => {
    expect(r.status, r.text).toBe(400);
    expect(r.json.error.data.domainCode, r.text).toBe("validation_failed");
    if (field) expect(Object.keys(r.json.error.data.fields ?? {}), r.text).toContain(field);
    expect(r.text).not.toMatch(/invalid byte sequence|out of range|postgres/i);
  };

  it("payments.list: a NUL in the search or project filter, an impossible or out-of-range date", async () => {
    expectTrpcRefused(await trpcQuery("payments.list", { q: `ord${NUL}` }), "q");
    expectTrpcRefused(await trpcQuery("payments.list", { projectId: `prj${NUL}` }), "projectId");
    expectTrpcRefused(await trpcQuery("payments.list", { createdFrom: "9999-99-99" }), "createdFrom");
    expectTrpcRefused(await trpcQuery("payments.list", { createdTo: "2026-02-30" }), "createdTo");
    expectTrpcRefused(await trpcQuery("payments.list", { createdFrom: "9999-12-31" }), "createdFrom");
    expectTrpcRefused(await trpcQuery("payments.list", { cursor: encodeCursor("2026-01-01T00:00:00.000000Z", `pur_${NUL}`) }), "cursor");
    const ok = await trpcQuery("payments.list", { createdFrom: "2024-02-29", createdTo: "2100-12-31" });
    expect(ok.status, ok.text).toBe(200);
  });

  it("payments.detail: a NUL in the id or order id", async () => {
    expectTrpcRefused(await trpcQuery("payments.detail", { id: `pur_${NUL}` }), "id");
    expectTrpcRefused(await trpcQuery("payments.detail", { orderId: `ord${NUL}` }), "orderId");
  });

  it("audit.list: a NUL in any filter", async () => {
    for (const field of ["action", "targetId", "adminEmail"]) expectTrpcRefused(await trpcQuery("audit.list", { [field]: `x${NUL}` }), field);
  });

  it("webhooks: a forged cursor and an impossible 'before' instant", async () => {
    expectTrpcRefused(await trpcQuery("webhooks.list", { cursor: encodeCursor("2026-01-01T00:00:00.000000Z", `evt_${NUL}`) }), "cursor");
    expectTrpcRefused(await trpcMutation("webhooks.retryBatch", { before: "2026-02-31T00:00:00Z" }), "before");
  });

  it("projects and items: a NUL or lone surrogate in a name, a store URL or a description; nothing stored", async () => {
    const before = await counts();
    expectTrpcRefused(await trpcMutation("projects.create", { name: `Toko${NUL}` }), "name");
    expectTrpcRefused(await trpcMutation("projects.create", { name: `Toko${LONE}` }), "name");
    expectTrpcRefused(
      await trpcMutation("projects.create", { name: "Toko", store_url_template: `https://shop.example.com/{store_slug}${NUL}` }),
      "store_url_template",
    );
    expectTrpcRefused(await trpcMutation("projects.update", { id: m.project_id, name: `Toko${NUL}` }), "name");
    expectTrpcRefused(
      await trpcMutation("projects.create", { name: "Toko", sandbox_webhook_url: `https://shop.example.com/hook${NUL}` }),
      "sandbox_webhook_url",
    );
    expectTrpcRefused(
      await trpcMutation("projects.setWebhookUrl", { projectId: m.project_id, environment: "sandbox", webhook_url: `https://shop.example.com/${NUL}` }),
      "webhook_url",
    );
    expectTrpcRefused(await trpcMutation("items.create", { projectId: m.project_id, item: { name: `Kopi${NUL}`, price: 1000 } }), "item.name");
    expectTrpcRefused(
      await trpcMutation("items.create", { projectId: m.project_id, item: { name: "Kopi", description: `d${NUL}`, price: 1000 } }),
      "item.description",
    );
    expect(await counts()).toEqual(before);
  });

  it("payments.refund: a NUL in the reason; nothing refunded", async () => {
    const before = await counts();
    expectTrpcRefused(await trpcMutation("payments.refund", { purchaseId: paid.purchaseId, reason: `oops${NUL}` }), "reason");
    expect(await counts()).toEqual(before);
  });

  it("the CSV export refuses an impossible date or a NUL with 400 JSON before any header is sent", async () => {
    for (const q of ["createdFrom=9999-99-99", "createdTo=2026-13-01", `q=${encodeURIComponent(NUL)}`]) {
      const r = await readAnswer(await fetch(`${t.url}/admin/export.csv?${q}`, { headers: { cookie: admin.cookie } }));
      expectRefused(r);
      expect(r.headers.get("content-type")).toMatch(/application\/json/);
    }
  });

  it("the sign-in form refuses a NUL in the e-mail or password with 400, before any lookup", async () => {
    const form = (email: string, password: string) =>
      new Request(`${t.url}/admin/login`, {
        method: "POST",
        headers: { origin: t.url, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email, password }).toString(),
      });
    const before = await counts();
    for (const [email, password] of [
      [`a${NUL}@b.co`, "x"],
      ["a@b.co", `x${NUL}`],
    ]) {
      const r = await loginFromForm(t.platform.ctx, form(email, password), "10.1.1.1");
      expect(r).toEqual({ ok: false, status: 400, error: expect.stringMatching(/NUL/) });
    }
    expect(await counts()).toEqual(before);
  });
});
