import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson, readAnswer } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";
import { startWorkers } from "../runtime/workers";

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
  // Midtrans knows the payment by its Midtrans order id (docs/decisions/0004-midtrans-order-ids.md).
  const [row] = await t.sql<{ mid: string }[]>`select coalesce(midtrans_order_id, order_id) as mid from purchases where id = ${r.json.purchase_id}`;
  return { id, mid: row.mid, purchaseId: r.json.purchase_id as string };
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
const notifyFrom = (body: unknown, headers: Record<string, string>) => postJson(`${t.url}/api/midtrans/notification`, body, headers);
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
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, CARD); // genuinely paid: only the forged notification arrives
    const r = await notify(forge(mid));
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("invalid_signature");
    const rec = await lastNotification();
    expect(rec).toMatchObject({ order_id: mid, signature_valid: false, outcome: "rejected" });
    expect(await statusOf(id)).toBe("pending");
    expect((await t.sql`select count(*)::int as n from webhook_events e join purchases p on p.id = e.purchase_id where p.order_id = ${id}`)[0].n).toBe(0);
  });

  it("accepts numeric status_code and gross_amount when signed as sent", async () => {
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
    await t.simulator.approve(mid);
    const r = await notify(signed(mid, { status_code: 200, gross_amount: 75000 }));
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
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, { type: "qris" }); // Midtrans says: pending
    const r = await notify(signed(mid)); // a genuinely signed but untrue "settlement"
    expect(r.status).toBe(200);
    expect(await statusOf(id)).toBe("pending");
    expect((await purchase(id)).midtrans_status).toBe("pending");
  });

  it("ignores duplicates, and a late pending never overwrites settlement", async () => {
    const { id, mid, purchaseId } = await createPayment();
    await t.simulator.pay(mid, { type: "bank_transfer", bank: "bni" });
    const pendingBody = signed(mid, { transaction_status: "pending", status_code: "201" });
    expect((await notify(pendingBody)).json.outcome).toBe("applied");
    await t.simulator.approve(mid);
    const settled = signed(mid);
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
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, { type: "gopay" });
    const tx = await t.simulator.approve(mid);
    await notify(signed(mid));
    const p = await purchase(id);
    // The simulator's settlement_time is WIB wall time of `now`: stored as the same instant.
    expect(Math.abs(p.paid_at.getTime() - new Date(tx.settlement_time!).getTime())).toBeLessThan(1000);
    expect((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.paid_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("handles refund, partial refund and reversal after settlement", async () => {
    const { id, mid } = await createPayment(100000);
    await t.simulator.pay(mid, CARD);
    await t.simulator.approve(mid);
    await notify(signed(mid, { gross_amount: "100000.00" }));
    expect(await statusOf(id)).toBe("settlement");
    await t.simulator.refund(mid, 40000);
    await notify(signed(mid, { transaction_status: "partial_refund", gross_amount: "100000.00" }));
    expect(await statusOf(id)).toBe("refund");
    expect(await purchase(id)).toMatchObject({ midtrans_status: "partial_refund", refunded_amount: 40000 });
    await t.simulator.refund(mid);
    await notify(signed(mid, { transaction_status: "refund", gross_amount: "100000.00" }));
    expect(await purchase(id)).toMatchObject({ midtrans_status: "refund", refunded_amount: 100000, status: "refund" });
  });

  it.each([
    ["a denied card", "deny", "cancel"],
    ["a cancelled payment", "cancel", "cancel"],
    ["an expired payment", "expire", "expire"],
  ] as const)("maps %s to %s", async (_n, action, expected) => {
    const { id, mid } = await createPayment();
    if (action === "deny") await t.simulator.pay(mid, { type: "credit_card", cardNumber: "4911111111111113", cvv: "123" });
    else {
      await t.simulator.pay(mid, { type: "bank_transfer", bank: "bri" });
      await t.simulator[action](mid);
    }
    const r = await notify(signed(mid, { transaction_status: action, status_code: action === "expire" ? "407" : "202" }));
    expect(r.status).toBe(200);
    expect(await statusOf(id)).toBe(expected);
    expect((await purchase(id)).midtrans_status).toBe(action);
  });

  it("does not apply an amount that differs from the stored one", async () => {
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, CARD);
    await t.sql`update purchases set amount = 70000 where order_id = ${id}`; // as if Midtrans disagreed
    const r = await notify(signed(mid));
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
      const created = await postJson(`${t2.url}/api/platform/shop-payment`, { client_id: m2.client_id, client_secret: m2.client_secret, amount: 15000, order_id: id, buyer_email: "a@b.co" });
      const [{ mid }] = await t2.sql`select coalesce(midtrans_order_id, order_id) as mid from purchases where id = ${created.json.purchase_id}`;
      await t2.simulator.pay(mid, CARD);
      await waitFor(async () => (await getJson(`${t2.url}/api/platform/shop-payment/verify?order_id=${id}`)).json.status === "settlement");
      // The notification's outcome is written just after the status it applied.
      const rec = await waitFor(async () => (await t2.sql`select * from midtrans_notifications where order_id = ${mid} and outcome = 'applied'`)[0]);
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

describe("rejected notifications cannot fill the database", () => {
  const from = (ip: string) => ({ "x-forwarded-for": ip });
  const statuses = (answers: { status: number }[]) => {
    const count: Record<number, number> = {};
    for (const a of answers) count[a.status] = (count[a.status] ?? 0) + 1;
    return count;
  };
  /** A random printable body of `bytes` bytes that is not JSON. */
  const junk = (bytes: number) => {
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.:;!?";
    return `~${Array.from(randomBytes(bytes - 1), (b) => alphabet[b % alphabet.length]).join("")}`;
  };
  const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

  it("500 random 16 KB non-JSON bodies from one address: at most the limit (30) stored, each a 512-byte excerpt with the body's SHA-256", async () => {
    const ip = "192.0.2.200";
    const bodies = Array.from({ length: 500 }, () => junk(16 * 1024));
    const answers = [];
    for (let i = 0; i < bodies.length; i += 50) {
      answers.push(...(await Promise.all(bodies.slice(i, i + 50).map((b) => notifyFrom(b, from(ip))))));
    }
    expect(statuses(answers)).toEqual({ 400: 30, 429: 470 });
    expect(answers.find((a) => a.status === 400)!.json.error.code).toBe("invalid_json");
    const rows = await t.sql<{ raw_body: string; body_sha256: string; body_bytes: number; outcome: string }[]>`
      select raw_body, body_sha256, body_bytes, outcome from midtrans_notifications where headers->>'x-forwarded-for' = ${ip}`;
    expect(rows).toHaveLength(30);
    const hashes = new Set(bodies.map(sha256));
    for (const row of rows) {
      expect(Buffer.byteLength(row.raw_body)).toBeLessThanOrEqual(512);
      expect(row).toMatchObject({ body_bytes: 16 * 1024, outcome: "rejected" });
      expect(hashes.has(row.body_sha256)).toBe(true);
      expect(bodies.some((b) => b.startsWith(row.raw_body))).toBe(true);
    }
  });

  it("a body with NUL bytes or broken UTF-8 is a 400 with its excerpt stored, never a 500", async () => {
    const ip = "192.0.2.202";
    const body = Buffer.concat([Buffer.from('{"order_id":"xy\u0000'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from("é".repeat(600))]);
    const r = await readAnswer(await fetch(`${t.url}/api/midtrans/notification`, { method: "POST", headers: { "content-type": "application/json", ...from(ip) }, body }));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
    const [row] = await t.sql`select raw_body, body_sha256, body_bytes from midtrans_notifications where headers->>'x-forwarded-for' = ${ip}`;
    expect(row.raw_body.startsWith('{"order_id":"xy')).toBe(true);
    expect(row.raw_body).not.toContain("\u0000");
    // 15 bytes, four U+FFFD (3 bytes each: the NULs and the broken bytes), then 242 "é" (2 bytes each):
    // 511 bytes, cut on a character boundary rather than in the middle of the 243rd "é".
    expect(Buffer.byteLength(row.raw_body)).toBe(511);
    expect(row.raw_body.endsWith("é")).toBe(true);
    expect(row).toMatchObject({ body_sha256: sha256(body), body_bytes: body.length });
  });

  it("a forged notification for an unknown order is rejected (401) like any other: nothing tells whether the order exists", async () => {
    const ip = "192.0.2.203";
    const r = await notifyFrom({ ...signed("never-created-forged"), signature_key: "0".repeat(128) }, from(ip));
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("invalid_signature");
    const [row] = await t.sql`select outcome, signature_valid from midtrans_notifications where headers->>'x-forwarded-for' = ${ip}`;
    expect(row).toMatchObject({ outcome: "rejected", signature_valid: false });
  });

  it("a genuine notification is processed on the first try during a forged flood from the same address", async () => {
    const ip = "192.0.2.201";
    const { id, mid } = await createPayment();
    await t.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
    await t.simulator.approve(mid);
    const forged = await Promise.all(Array.from({ length: 60 }, () => notifyFrom({ ...signed(mid), signature_key: "0".repeat(128) }, from(ip))));
    expect(statuses(forged)).toEqual({ 401: 30, 429: 30 });
    const r = await notifyFrom(signed(mid), from(ip));
    expect(r.status).toBe(200);
    expect(r.json.outcome).toBe("applied");
    expect(await statusOf(id)).toBe("settlement");
  });

  it("a signature made with another environment's server key does not authenticate a payment", async () => {
    const tp = await startTestPlatform({ env: { MIDTRANS_PRODUCTION_SERVER_KEY: "Mid-server-PRODUCTION-TEST" } });
    try {
      const mp = await tp.createMerchant();
      // A dead notification URL: only the notification this test sends arrives.
      const publicUrl = tp.platform.ctx.config.publicUrl;
      tp.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
      const created = await postJson(`${tp.url}/api/platform/shop-payment`, { client_id: mp.client_id, client_secret: mp.client_secret, amount: 75000, order_id: orderId("env"), buyer_email: "a@b.co" }).finally(
        () => (tp.platform.ctx.config.publicUrl = publicUrl),
      );
      expect(created.status).toBe(201);
      const [{ mid }] = await tp.sql`select coalesce(midtrans_order_id, order_id) as mid from purchases where id = ${created.json.purchase_id}`;
      await tp.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
      await tp.simulator.approve(mid);
      const r = await postJson(`${tp.url}/api/midtrans/notification`, signed(mid, {}, "Mid-server-PRODUCTION-TEST"));
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe("invalid_signature");
      const [p] = await tp.sql`select status from purchases where id = ${created.json.purchase_id}`;
      expect(p.status).toBe("pending");
    } finally {
      await tp.close();
    }
  });
});

describe("retention of rejected notifications", () => {
  it("the workers delete rejected notifications, and those of unknown orders, older than the retention period (30 days); nothing else", async () => {
    const day = 86_400_000;
    const { purchaseId } = await createPayment();
    const insert = async (outcome: string, ageDays: number, purchase_id: string | null = null) => {
      const [row] = await t.sql<{ id: string }[]>`
        insert into midtrans_notifications (raw_body, outcome, received_at, purchase_id)
        values ('x', ${outcome}, ${new Date(Date.now() - ageDays * day)}, ${purchase_id}) returning id`;
      return row.id;
    };
    const oldRejected = await insert("rejected", 31, purchaseId);
    const oldUnknownOrder = await insert("ignored", 31);
    const recentRejected = await insert("rejected", 29);
    const oldApplied = await insert("applied", 400, purchaseId);
    const exists = async (id: string) => (await t.sql`select 1 from midtrans_notifications where id = ${id}`).length === 1;
    const workers = startWorkers(t.platform);
    try {
      await waitFor(async () => !(await exists(oldRejected)) && !(await exists(oldUnknownOrder)), { what: "the old notifications to be pruned" });
    } finally {
      await workers.stop();
    }
    expect(await exists(recentRejected)).toBe(true);
    expect(await exists(oldApplied)).toBe(true);
  });
});
