import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;
const orderId = (p = "ntf") => `${p}-${Date.now().toString(36)}-${seq++}`;
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;

beforeAll(async () => {
  t = await startTestPlatform({ simulatorRetryDelaysMs: [] });
  m = await t.createMerchant({ webhook_url: "http://127.0.0.1:9/unused" });
});
afterAll(async () => t?.close());

/** Created with a dead notification URL, so only the notifications a test sends arrive. */
async function createPayment(amount = 75000) {
  const id = orderId();
  const publicUrl = t.platform.ctx.config.publicUrl;
  t.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount,
    order_id: id,
    buyer_email: "buyer@example.com",
    item_name: "Nasi Goreng",
    metadata: { store_slug: "warung" },
  }).finally(() => (t.platform.ctx.config.publicUrl = publicUrl));
  expect(r.status).toBe(201);
  return { id, purchaseId: r.json.purchase_id as string };
}

/** A notification body signed as Midtrans signs it. */
function signed(order_id: string, fields: Record<string, unknown> = {}, key = TEST_SERVER_KEY) {
  const body: Record<string, unknown> = {
    transaction_time: "2026-05-06 17:00:00",
    transaction_status: "settlement",
    transaction_id: "3f7b0b1c-0000-4000-8000-000000000000",
    status_message: "midtrans payment notification",
    status_code: "200",
    payment_type: "bank_transfer",
    order_id,
    merchant_id: "G000000000",
    gross_amount: "75000.00",
    currency: "IDR",
    settlement_time: "2026-05-06 17:00:05",
    ...fields,
  };
  body.signature_key = midtransSignature(String(body.order_id), String(body.status_code), String(body.gross_amount), key);
  return body;
}

const notify = (body: unknown) => postJson(`${t.url}/api/midtrans/notification`, body);
const statusOf = async (id: string) => (await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.status;
const purchase = async (id: string) => (await t.sql`select * from purchases where order_id = ${id}`)[0];
const lastNotification = async () => (await t.sql`select * from midtrans_notifications order by id desc limit 1`)[0];

describe("signature verification", () => {
  it.each([
    ["a wrong server key", (id: string) => signed(id, {}, "SB-Mid-server-WRONG")],
    ["an altered amount", (id: string) => ({ ...signed(id), gross_amount: "1.00" })],
    ["an altered status code", (id: string) => ({ ...signed(id), status_code: "201" })],
    ["an altered order id", (id: string) => ({ ...signed(`${id}x`), order_id: id })],
    ["a missing signature", (id: string) => {
      const b = signed(id);
      delete b.signature_key;
      return b;
    }],
  ])("refuses %s with 401, records it, changes nothing", async (_name, forge) => {
    const { id } = await createPayment();
    await t.simulator.pay(id, CARD); // genuinely paid: only the forged notification arrives
    const r = await notify(forge(id));
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("invalid_signature");
    const rec = await lastNotification();
    expect(rec).toMatchObject({ order_id: id, signature_valid: false, outcome: "rejected" });
    expect(await statusOf(id)).toBe("pending");
    expect((await t.sql`select count(*)::int as n from webhook_events e join purchases p on p.id = e.purchase_id where p.order_id = ${id}`)[0].n).toBe(0);
  });

  it("accepts numeric status_code and gross_amount when signed as sent", async () => {
    const { id } = await createPayment();
    await t.simulator.pay(id, { type: "bank_transfer", bank: "bca" });
    await t.simulator.approve(id);
    const r = await notify(signed(id, { status_code: 200, gross_amount: 75000 }));
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe("applied");
    expect(await statusOf(id)).toBe("settlement");
  });

  it("400 for a body that is not JSON; recorded", async () => {
    const r = await notify("{oops");
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
    expect(await lastNotification()).toMatchObject({ raw_body: "{oops", outcome: "rejected" });
  });
});

describe("applying the authoritative status", () => {
  it("confirms with Get Status rather than trusting the body", async () => {
    const { id } = await createPayment();
    await t.simulator.pay(id, { type: "qris" }); // Midtrans says: pending
    const r = await notify(signed(id)); // a genuinely signed but untrue "settlement"
    expect(r.status).toBe(200);
    expect(await statusOf(id)).toBe("pending");
    expect((await purchase(id)).midtrans_status).toBe("pending");
  });

  it("ignores duplicates, and a late pending never overwrites settlement", async () => {
    const { id, purchaseId } = await createPayment();
    await t.simulator.pay(id, { type: "bank_transfer", bank: "bni" });
    const pendingBody = signed(id, { transaction_status: "pending", status_code: "201" });
    expect((await notify(pendingBody)).json.outcome).toBe("applied");
    await t.simulator.approve(id);
    const settled = signed(id);
    const answers = await Promise.all([notify(settled), notify(settled), notify(settled), notify(pendingBody)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.filter((a) => a.json.outcome === "applied")).toHaveLength(1);
    expect(await statusOf(id)).toBe("settlement");
    const history = await t.sql`select from_status, to_status, midtrans_status from purchase_status_history where purchase_id = ${purchaseId} order by id`;
    expect(history.map((h) => `${h.from_status}->${h.to_status}`)).toEqual(["creating->pending", "pending->pending", "pending->settlement"]);
    const events = await t.sql`select event_type from webhook_events where purchase_id = ${purchaseId}`;
    expect(events).toHaveLength(1);
  });

  it("records paid_at from settlement_time (WIB) as UTC", async () => {
    const { id } = await createPayment();
    await t.simulator.pay(id, { type: "gopay" });
    const tx = await t.simulator.approve(id);
    await notify(signed(id));
    const p = await purchase(id);
    // The simulator's settlement_time is WIB wall time of `now`: stored as the same instant.
    expect(Math.abs(p.paid_at.getTime() - new Date(tx.settlement_time!).getTime())).toBeLessThan(1000);
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.paid_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("handles refund, partial refund and reversal after settlement", async () => {
    const { id } = await createPayment(100000);
    await t.simulator.pay(id, CARD);
    await t.simulator.approve(id);
    await notify(signed(id, { gross_amount: "100000.00" }));
    expect(await statusOf(id)).toBe("settlement");
    await t.simulator.refund(id, 40000);
    await notify(signed(id, { transaction_status: "partial_refund", gross_amount: "100000.00" }));
    expect(await statusOf(id)).toBe("refund");
    expect(await purchase(id)).toMatchObject({ midtrans_status: "partial_refund", refunded_amount: 40000 });
    await t.simulator.refund(id);
    await notify(signed(id, { transaction_status: "refund", gross_amount: "100000.00" }));
    expect(await purchase(id)).toMatchObject({ midtrans_status: "refund", refunded_amount: 100000, status: "refund" });
  });

  it.each([
    ["a denied card", "deny", "cancel"],
    ["a cancelled payment", "cancel", "cancel"],
    ["an expired payment", "expire", "expire"],
  ] as const)("maps %s to %s", async (_n, action, expected) => {
    const { id } = await createPayment();
    if (action === "deny") await t.simulator.pay(id, { type: "credit_card", cardNumber: "4911111111111113", cvv: "123" });
    else {
      await t.simulator.pay(id, { type: "bank_transfer", bank: "bri" });
      await t.simulator[action](id);
    }
    const r = await notify(signed(id, { transaction_status: action, status_code: action === "expire" ? "407" : "202" }));
    expect(r.status).toBe(200);
    expect(await statusOf(id)).toBe(expected);
    expect((await purchase(id)).midtrans_status).toBe(action);
  });

  it("does not apply an amount that differs from the stored one", async () => {
    const { id } = await createPayment();
    await t.simulator.pay(id, CARD);
    await t.sql`update purchases set amount = 70000 where order_id = ${id}`; // as if Midtrans disagreed
    const r = await notify(signed(id));
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe("ignored");
    expect(await lastNotification()).toMatchObject({ outcome: "ignored", signature_valid: true });
    expect((await lastNotification()).detail).toContain("amount_mismatch");
    expect((await purchase(id)).status).toBe("pending");
  });

  it("answers 200 for an unknown order_id and records it as ignored", async () => {
    const r = await notify(signed("never-created-order"));
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe("ignored");
    expect(await lastNotification()).toMatchObject({ order_id: "never-created-order", outcome: "ignored", signature_valid: true });
  });

  it("the simulator's own signed notification settles the payment end to end", async () => {
    const t2 = await startTestPlatform();
    try {
      const m2 = await t2.createMerchant();
      const id = orderId("sim");
      await postJson(`${t2.url}/api/platform/shop-payment`, { client_id: m2.client_id, client_secret: m2.client_secret, amount: 15000, order_id: id, buyer_email: "a@b.co" });
      await t2.simulator.pay(id, CARD);
      await waitFor(async () => (await getJson(`${t2.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.status === "settlement");
      const [rec] = await t2.sql`select * from midtrans_notifications where order_id = ${id}`;
      expect(rec).toMatchObject({ signature_valid: true, outcome: "applied" });
      expect(rec.headers["content-type"]).toContain("application/json");
    } finally {
      await t2.close();
    }
  });
});

describe("when the database is down", () => {
  it("answers 503 so that Midtrans retries, as JSON", async () => {
    const t3 = await startTestPlatform();
    try {
      await t3.sql.end({ timeout: 1 });
      const r = await postJson(`${t3.url}/api/midtrans/notification`, signed("any-order"));
      expect(r.status).toBe(503);
      expect(r.json.error.code).toBe("service_unavailable");
      expect(r.headers.get("retry-after")).toBe("5");
      const v = await getJson(`${t3.url}/api/platform/shop-payment/verify?order_id=x`);
      expect(v.status).toBe(503);
    } finally {
      await t3.close().catch(() => {});
    }
  });
});
