import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import midtransClient from "midtrans-client";
import { Writable } from "node:stream";
import pino from "pino";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { revokeCredential, findCredentialByClientId } from "../projects/projects.queries";

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
const logLines: string[] = [];
let seq = 0;
const orderId = (p = "ord") => `${p}-${Date.now().toString(36)}-${seq++}`;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  t = await startTestPlatform({ faultProxy: true, logger: pino({ level: "info" }, sink), env: { MIDTRANS_TIMEOUT_MS: "1000" } });
  m = await t.createMerchant();
});
afterAll(async () => t?.close());

const create = (body: Record<string, unknown>, creds = m) =>
  postJson(`${t.url}/api/platform/shop-payment`, { client_id: creds.client_id, client_secret: creds.client_secret, ...body });
const count = async () => (await t.sql<{ n: number }[]>`select count(*)::int as n from purchases`)[0].n;
/** The id Midtrans knows the payment by (docs/decisions/0004-midtrans-order-ids.md). */
const midtransIdOf = async (purchaseId: string) =>
  (await t.sql<{ midtrans_order_id: string }[]>`select midtrans_order_id from purchases where id = ${purchaseId}`)[0].midtrans_order_id;
const DERIVED = (orderId: string) => new RegExp(`^${orderId}~[0-9a-z]{9}$`);
const seedBody = (id: string) => ({
  amount: 75000,
  order_id: id,
  buyer_email: "buyer@example.com",
  buyer_name: "John Doe",
  item_name: "Nasi Goreng Spesial",
  metadata: { store_id: "store-uuid", store_name: "Warung Bu Sari", store_slug: "warung-bu-sari", product_id: "product-uuid" },
});

describe("POST /api/platform/shop-payment", () => {
  it("creates a Snap transaction and answers 201 with invoice_url, order_id, purchase_id", async () => {
    const id = orderId();
    const r = await create(seedBody(id));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ order_id: id, status: "pending", amount: 75000, environment: "sandbox" });
    expect(r.json.purchase_id).toMatch(/^pur_[a-z0-9]{24}$/);
    expect(r.json.invoice_url).toMatch(new RegExp(`^${t.simulator.url}/snap/v4/redirection/[0-9a-f-]{36}$`));

    // What Midtrans received: the Snap request as documented, under the order id Astapa derived
    // (the merchant's + `~` + 9 random characters), which the merchant never sees.
    const midtransId = await midtransIdOf(r.json.purchase_id);
    expect(midtransId).toMatch(DERIVED(id));
    expect(r.text).not.toContain(midtransId);
    expect(t.simulator.listTransactions().some((x) => x.order_id === id)).toBe(false);
    const sim = t.simulator.getTransaction(midtransId)!;
    expect(sim).toBeDefined();
    expect(JSON.stringify(sim)).toContain(`${t.url}/api/midtrans/notification`);
    expect(JSON.stringify(sim)).toContain(`${t.url}/purchase/callback`);
    expect(JSON.stringify(sim)).toContain("Nasi Goreng Spesial");
    expect(JSON.stringify(sim)).toContain("buyer@example.com");

    const [row] = await t.sql`select * from purchases where order_id = ${id}`;
    expect(row).toMatchObject({ status: "pending", amount: 75000, item_id: "__direct__", currency: "IDR", buyer_name: "John Doe" });
    expect(row.metadata).toEqual(seedBody(id).metadata);
  });

  it("is idempotent for the same request while pending, and 409 for any other reuse", async () => {
    const id = orderId();
    const first = await create(seedBody(id));
    expect(first.status).toBe(201);
    const again = await create(seedBody(id));
    expect(again.status).toBe(200);
    expect(again.json.invoice_url).toBe(first.json.invoice_url);
    expect(again.json.purchase_id).toBe(first.json.purchase_id);

    const otherAmount = await create({ ...seedBody(id), amount: 80000 });
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.json.error.code).toBe("order_id_taken");
    const otherBuyer = await create({ ...seedBody(id), buyer_email: "someone@example.com" });
    expect(otherBuyer.json.error.code).toBe("order_id_taken");

    // Order ids are unique per project and environment only: another merchant's same id is a
    // payment of its own (it was 409 order_id_taken while order ids were unique platform-wide).
    const other = await t.createMerchant({ name: "Another shop" });
    const otherProject = await create(seedBody(id), other);
    expect(otherProject.status).toBe(201);
    expect(otherProject.json.purchase_id).not.toBe(first.json.purchase_id);

    // Once paid, even the identical request is a reuse.
    await t.simulator.pay(await midtransIdOf(first.json.purchase_id), { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
    await waitFor(async () => (await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}&client_id=${m.client_id}`)).json.status === "settlement");
    const afterPaid = await create(seedBody(id));
    expect(afterPaid.status).toBe(409);
    expect(await t.sql`select id from purchases where order_id = ${id} and project_id = ${m.project_id}`).toHaveLength(1);
  });

  it("handles concurrent identical first requests without a second payment", async () => {
    const id = orderId("race");
    const answers = await Promise.all(Array.from({ length: 5 }, () => create(seedBody(id))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const a of answers) expect([200, 201, 409]).toContain(a.status);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.json.error.code).toBe("request_in_progress");
    expect(t.simulator.listTransactions().filter((x) => DERIVED(id).test(x.order_id))).toHaveLength(1);
  });

  describe("rejects bad input with a JSON error and writes nothing", () => {
    type Answer = Pick<Awaited<ReturnType<typeof postJson>>, "status" | "json">;
    const cases: [string, () => Promise<Answer>, number, string][] = [
      ["malformed JSON", () => postJson(`${t.url}/api/platform/shop-payment`, "{not json"), 400, "invalid_json"],
      ["a JSON array", () => postJson(`${t.url}/api/platform/shop-payment`, "[]"), 400, "invalid_json"],
      [
        "a form body",
        async () => {
          const r = await fetch(`${t.url}/api/platform/shop-payment`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "amount=1" });
          return { status: r.status, json: await r.json() };
        },
        400,
        "unsupported_content_type",
      ],
      ["missing fields", () => postJson(`${t.url}/api/platform/shop-payment`, {}), 400, "validation_failed"],
      ["a fractional amount", () => create({ ...seedBody(orderId()), amount: 10.5 }), 400, "validation_failed"],
      ["an amount over the maximum", () => create({ ...seedBody(orderId()), amount: 1_000_000_000 }), 400, "validation_failed"],
      ["a long order_id", () => create({ ...seedBody("x".repeat(51)) }), 400, "validation_failed"],
      ["an order_id with '/'", () => create({ ...seedBody("a/b") }), 400, "validation_failed"],
      ["a bad email", () => create({ ...seedBody(orderId()), buyer_email: "nope" }), 400, "validation_failed"],
      ["metadata as an array", () => create({ ...seedBody(orderId()), metadata: ["x"] }), 400, "validation_failed"],
      ["metadata with 51 keys", () => create({ ...seedBody(orderId()), metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 1])) }), 400, "validation_failed"],
      ["a metadata value over 500 characters", () => create({ ...seedBody(orderId()), metadata: { note: "x".repeat(501) } }), 400, "validation_failed"],
      ["metadata over 8 KB", () => create({ ...seedBody(orderId()), metadata: Object.fromEntries(Array.from({ length: 18 }, (_, i) => [`k${i}`, "x".repeat(480)])) }), 400, "validation_failed"],
      ["an unknown client", () => create(seedBody(orderId()), { ...m, client_id: "ast_sandbox_nope" }), 401, "invalid_client"],
      ["a wrong secret", () => create(seedBody(orderId()), { ...m, client_secret: "sk_sandbox_wrong" }), 401, "invalid_client"],
      ["a 17 KB body", () => create({ ...seedBody(orderId()), item_name: "x".repeat(17 * 1024) }), 413, "payload_too_large"],
    ];
    it.each(cases)("%s", async (_name, send, status, code) => {
      const before = await count();
      const r = await send();
      expect(r.status).toBe(status);
      expect(r.json.error.code).toBe(code);
      expect(typeof r.json.error.message).toBe("string");
      expect(await count()).toBe(before);
    });

    it("names each invalid field", async () => {
      const r = await create({ amount: -5, order_id: "bad id", buyer_email: "x" });
      expect(r.json.error.fields).toMatchObject({ amount: expect.any(String), order_id: expect.any(String), buyer_email: expect.any(String) });
    });

    it("answers unknown client and wrong secret identically", async () => {
      const a = await create(seedBody(orderId()), { ...m, client_id: "ast_sandbox_nope" });
      const b = await create(seedBody(orderId()), { ...m, client_secret: "sk_sandbox_wrong" });
      expect(a.text).toBe(b.text);
    });

    it("refuses a revoked credential", async () => {
      const other = await t.createMerchant({ name: "Revoked shop" });
      const cred = await findCredentialByClientId(t.sql, other.client_id);
      await revokeCredential(t.sql, cred!.id, new Date());
      const r = await create(seedBody(orderId()), other);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe("invalid_client");
    });

    it("refuses production credentials while no production key is configured", async () => {
      const prod = await t.createMerchant({ name: "Live shop", environment: "production" });
      const before = await count();
      const r = await create(seedBody(orderId()), prod);
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe("environment_unavailable");
      expect(await count()).toBe(before);
    });

    it("answers 405 with Allow for other methods", async () => {
      const r = await fetch(`${t.url}/api/platform/shop-payment`, { method: "PUT" });
      expect(r.status).toBe(405);
      expect(r.headers.get("allow")).toBe("POST");
      expect((await r.json()).error.code).toBe("method_not_allowed");
    });
  });

  describe("when Midtrans misbehaves", () => {
    it.each([
      ["answers 500", "status500"],
      ["answers 503", "status503"],
      ["drops the connection", "reset"],
      ["does not answer (timeout)", "hang"],
    ] as const)("%s: 502 gateway_error, recorded as failed, and the order_id stays retryable", async (_n, mode) => {
      const id = orderId(mode);
      t.proxy!.mode = mode;
      // For "hang", an answer at all (recorded as a timeout) shows MIDTRANS_TIMEOUT_MS (1 s here) ended the call.
      const r = await create(seedBody(id));
      t.proxy!.mode = "pass";
      expect(r.status).toBe(502);
      expect(r.json.error.code).toBe("gateway_error");
      expect(r.json.error.retryable).toBe(true);
      const [row] = await t.sql`select status, create_error from purchases where order_id = ${id}`;
      expect(row.status).toBe("create_failed");
      expect(row.create_error).toMatch({ status500: /^server_error/, status503: /^server_error/, reset: /^unreachable/, hang: /^timeout/ }[mode]);
      expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).status).toBe(404);

      const retry = await create(seedBody(id));
      expect(retry.status).toBe(201);
      expect(await t.sql`select id from purchases where order_id = ${id}`).toHaveLength(1);
    });

    const directSnap = () => {
      const snap = new midtransClient.Snap({ isProduction: false, serverKey: TEST_SERVER_KEY });
      snap.apiConfig.getSnapApiBaseUrl = () => `${t.simulator.url}/snap/v1`;
      return snap;
    };

    it("passes Midtrans's own 4xx message through as 502, and a retry never switches to another Midtrans order id", async () => {
      const id = orderId("taken");
      // The derived id is already used at Midtrans (here: its random part made predictable, and
      // the id created outside Astapa): a second Midtrans transaction for the same order could be
      // paid twice, so Astapa keeps refusing rather than switching ids.
      const taken = `${id}~000000000`;
      await directSnap().createTransaction({ transaction_details: { order_id: taken, gross_amount: 75000 } });
      const random = vi.spyOn(globalThis.crypto, "getRandomValues").mockImplementationOnce((array) => array); // all zeros
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          const r = await create(seedBody(id));
          expect(r.status).toBe(502);
          expect(r.json.error.code).toBe("gateway_error");
          expect(r.json.error.message).toContain("sudah digunakan");
          expect(r.json.error.retryable).toBe(false);
        }
      } finally {
        random.mockRestore();
      }
      const [row] = await t.sql`select status, midtrans_order_id from purchases where order_id = ${id}`;
      expect(row).toEqual({ status: "create_failed", midtrans_order_id: taken });
    });

    it.each([
      ["created before migration 0007 (Midtrans knew it by order_id)", false],
      ["with its derived Midtrans order id", true],
    ])("a request that died mid-call, %s, is taken over after 2 minutes under a fresh Midtrans order id (the dead call may have created it)", async (_n, derived) => {
      const id = orderId("dead");
      const body = seedBody(id);
      const deadMidtransId = derived ? `${id}~deadcall0` : id;
      // What a process killed during its Snap call leaves: a `creating` row, and the transaction at Midtrans.
      await t.sql`
        insert into purchases (id, project_id, environment, order_id, midtrans_order_id, amount, buyer_email, buyer_name, item_name, metadata, status, created_at, updated_at)
        values (${`pur_dead${seq++}x`}, ${m.project_id}, 'sandbox', ${id}, ${derived ? deadMidtransId : null}, ${body.amount}, ${body.buyer_email},
                ${body.buyer_name}, ${body.item_name}, ${t.sql.json(body.metadata)}, 'creating', now() - interval '3 minutes', now() - interval '3 minutes')`;
      await directSnap().createTransaction({ transaction_details: { order_id: deadMidtransId, gross_amount: 75000 } });
      const r = await create(body);
      expect(r.status).toBe(201);
      const [row] = await t.sql`select status, midtrans_order_id from purchases where order_id = ${id}`;
      expect(row.status).toBe("pending");
      expect(row.midtrans_order_id).toMatch(DERIVED(id));
      expect(row.midtrans_order_id).not.toBe(deadMidtransId);
    });

    it("a lost answer (Midtrans created the transaction, the platform timed out): the retry asks under a fresh Midtrans order id, and the payment completes", async () => {
      const id = orderId("lost");
      // Snap answers after the platform's 1 s timeout, but still creates the transaction.
      t.simulator.setFaults({ apiLatencyMs: 1500 });
      let firstMidtransId: string;
      try {
        const first = await create(seedBody(id));
        expect(first.status).toBe(502);
        expect(first.json.error.retryable).toBe(true);
        const [failed] = await t.sql<{ id: string }[]>`select id from purchases where order_id = ${id}`;
        firstMidtransId = (await waitFor(
          () => t.simulator.listTransactions().find((x) => DERIVED(id).test(x.order_id)),
          { what: "the Snap transaction the platform never heard of" },
        )).order_id;
        // The failed purchase already holds the id its retry will use: not the one that may be burnt.
        expect(await midtransIdOf(failed.id)).not.toBe(firstMidtransId);
      } finally {
        t.simulator.setFaults({});
      }
      // Midtrans now refuses that order id for good.
      await expect(directSnap().createTransaction({ transaction_details: { order_id: firstMidtransId, gross_amount: 75000 } })).rejects.toMatchObject({
        httpStatusCode: 400,
      });

      const retry = await create(seedBody(id));
      expect(retry.status).toBe(201);
      expect(retry.json.order_id).toBe(id);
      const [row] = await t.sql<{ id: string; midtrans_order_id: string }[]>`select id, midtrans_order_id from purchases where order_id = ${id}`;
      expect(row.midtrans_order_id).toMatch(DERIVED(id));
      expect(row.midtrans_order_id).not.toBe(firstMidtransId);
      expect(t.simulator.getTransaction(row.midtrans_order_id)).toBeDefined();
      expect(retry.json.invoice_url).not.toBe(`${t.simulator.url}/snap/v4/redirection/${t.simulator.getTransaction(firstMidtransId)!.token}`);

      // The orphaned first transaction (had its page been used) expires at Midtrans: its
      // notifications are not the purchase's, whose own transaction is still open.
      await t.simulator.pay(firstMidtransId, { type: "bank_transfer", bank: "bca" });
      await t.simulator.expire(firstMidtransId);
      await waitFor(async () => (await t.sql`select 1 from midtrans_notifications where order_id = ${firstMidtransId} and outcome <> 'received'`).length >= 2, {
        what: "the orphan's notifications",
      });
      expect(await t.sql`select outcome, purchase_id from midtrans_notifications where order_id = ${firstMidtransId}`).toEqual([
        { outcome: "ignored", purchase_id: null },
        { outcome: "ignored", purchase_id: null },
      ]);
      expect((await t.sql`select status from purchases where id = ${row.id}`)[0].status).toBe("pending");

      // The buyer pays; Midtrans notifies under its own order id; the merchant's order_id settles.
      await t.simulator.pay(row.midtrans_order_id, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
      await waitFor(async () => (await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.status === "settlement", { what: "settlement" });
      const [settled] = await t.sql`select status, midtrans_status from purchases where id = ${row.id}`;
      expect(settled.status).toBe("settlement");
      expect(["capture", "settlement"]).toContain(settled.midtrans_status);
      // Snap sends the buyer back with the id it knows: the callback page and verify resolve it.
      const viaMidtransId = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${row.midtrans_order_id}`);
      expect(viaMidtransId.json).toMatchObject({ order_id: id, status: "settlement" });
      // A made-up Midtrans id finds nothing, nor does the burnt one.
      expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}~zzzzzzzzz`)).status).toBe(404);
      expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${firstMidtransId}`)).status).toBe(404);
    });
  });
});

describe("GET /api/platform/shop-payment/verify", () => {
  it("answers the public status with CORS and without personal data", async () => {
    const id = orderId("v");
    await create(seedBody(id));
    const r = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(r.json).toEqual({
      order_id: id,
      status: "pending",
      store_name: "Warung Bu Sari",
      redirect_url: "https://shop.example.com/warung-bu-sari",
      amount: 75000,
      currency: "IDR",
      item_name: "Nasi Goreng Spesial",
      paid_at: null,
      refunded_amount: 0,
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(r.text).not.toContain("buyer@example.com");
    expect(r.text).not.toContain("John Doe");
  });

  it("404 for an unknown order, 400 without order_id", async () => {
    const unknown = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=nope-${Date.now()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe("not_found");
    const missing = await getJson(`${t.url}/api/platform/shop-payment/verify`);
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe("validation_failed");
    const twice = await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=a&order_id=b`);
    expect(twice.status).toBe(400);
    const preflight = await fetch(`${t.url}/api/platform/shop-payment/verify`, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("gives no redirect_url for a crafted slug or without a store template", async () => {
    for (const slug of ["//evil.com", "../", "%2F%2Fevil", "https://evil.com"]) {
      const id = orderId("slug");
      await create({ ...seedBody(id), metadata: { store_slug: slug, store_name: "X" } });
      expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.redirect_url).toBeNull();
    }
    const noTemplate = await t.createMerchant({ name: "No template", store_url_template: null });
    const id = orderId("nt");
    await create(seedBody(id), noTemplate);
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.redirect_url).toBeNull();
  });
});

describe("logs", () => {
  it("write one JSON line per request and never a client_secret or server key", async () => {
    await create(seedBody(orderId("log")));
    const all = logLines.join("");
    expect(all).not.toContain(m.client_secret);
    expect(all).not.toContain(TEST_SERVER_KEY);
    const requestLines = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(requestLines.length).toBeGreaterThan(10);
    for (const l of requestLines) {
      expect(l).toMatchObject({ req_id: expect.any(String), method: expect.any(String), path: expect.any(String), status: expect.any(Number), duration_ms: expect.any(Number) });
    }
  });
});
