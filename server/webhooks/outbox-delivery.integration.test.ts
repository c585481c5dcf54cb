import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";
import { startWorkers, type Workers } from "../runtime/workers";
import { startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { rotateWebhookSecret } from "./endpoints";
import { findEndpoint, updateEndpointUrl } from "./endpoints.queries";

let t: TestPlatform;
let workers: Workers;
let receiver: Receiver;
let m: Merchant;
const clock = testClock();
let seq = 0;
const CARD = { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" } as const;

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now, simulatorRetryDelaysMs: [] });
  workers = startWorkers(t.platform);
  receiver = await startReceiver();
  m = await sandboxMerchant(receiver.url);
});
afterAll(async () => {
  await workers?.stop();
  await receiver?.close();
  await t?.close();
});

const newOrderId = () => `wh-${Date.now().toString(36)}-${seq++}`;

type Merchant = Awaited<ReturnType<TestPlatform["createMerchant"]>> & { sandbox_webhook_secret: string };

/** A sandbox merchant whose sandbox endpoint is `url` (null: none), with that endpoint's signing secret. */
async function sandboxMerchant(url: string | null): Promise<Merchant> {
  const merchant = await t.createMerchant();
  if (url) await updateEndpointUrl(t.sql, merchant.project_id, "sandbox", url);
  const endpoint = await findEndpoint(t.sql, merchant.project_id, "sandbox");
  return { ...merchant, sandbox_webhook_secret: endpoint?.secret ?? expect.fail("no sandbox endpoint") };
}

async function createPayment(merchant = m, fields: Record<string, unknown> = {}) {
  const order_id = newOrderId();
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: merchant.client_id,
    client_secret: merchant.client_secret,
    amount: 75000,
    order_id,
    buyer_email: "buyer@example.com",
    buyer_name: "John Doe",
    item_name: "Nasi Goreng Spesial",
    metadata: { store_id: "store-uuid", store_name: "Warung Bu Sari", store_slug: "warung-bu-sari", product_id: "product-uuid" },
    ...fields,
  });
  expect(r.status).toBe(201);
  const purchase_id = r.json.purchase_id as string;
  // The simulator (Midtrans) knows the payment by its Midtrans order id (docs/decisions/0004-midtrans-order-ids.md).
  const [{ midtrans_order_id }] = await t.sql`select coalesce(midtrans_order_id, order_id) as midtrans_order_id from purchases where id = ${purchase_id}`;
  return { order_id, purchase_id, midtrans_order_id: midtrans_order_id as string };
}

const deliveriesFor = (orderId: string) => receiver.received.filter((r) => JSON.parse(r.body).order_id === orderId);

describe("item.purchased end to end", () => {
  it("reaches the merchant with the documented fields and types (docs/api.md), signed with Standard Webhooks", async () => {
    const { order_id, purchase_id, midtrans_order_id } = await createPayment();
    await t.simulator.pay(midtrans_order_id, CARD);
    const [got] = await waitFor(() => (deliveriesFor(order_id).length ? deliveriesFor(order_id) : null), { what: "the webhook" });

    const payload = JSON.parse(got.body);
    expect(Object.keys(payload)).toEqual([
      "event", "order_id", "item_id", "item_name", "buyer_email", "buyer_name", "amount", "currency", "paid_at", "metadata",
      "purchase_id", "environment",
    ]);
    const types = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, typeof v]));
    expect(types).toEqual({
      event: "string", order_id: "string", item_id: "string", item_name: "string", buyer_email: "string", buyer_name: "string",
      amount: "number", currency: "string", paid_at: "string", metadata: "object", purchase_id: "string", environment: "string",
    });
    expect(payload).toMatchObject({
      event: "item.purchased",
      order_id,
      item_id: "__direct__",
      item_name: "Nasi Goreng Spesial",
      buyer_email: "buyer@example.com",
      buyer_name: "John Doe",
      amount: 75000,
      currency: "IDR",
      metadata: { store_id: "store-uuid", store_name: "Warung Bu Sari", store_slug: "warung-bu-sari", product_id: "product-uuid" },
      purchase_id,
      environment: "sandbox",
    });
    expect(Number.isInteger(payload.amount)).toBe(true);
    expect(payload.paid_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const headers = got.headers as Record<string, string>;
    const [event] = await t.sql`select * from webhook_events where purchase_id = ${purchase_id}`;
    expect(event.environment).toBe("sandbox"); // events record their environment
    expect(headers["webhook-id"]).toBe(event.id);
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(new Webhook(m.sandbox_webhook_secret).verify(got.body, headers)).toEqual(payload);

    // Tampered body, wrong secret, or replayed with another id: refused.
    expect(() => new Webhook(m.sandbox_webhook_secret).verify(got.body.replace("75000", "75001"), headers)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(got.body, headers)).toThrow();
    expect(() => new Webhook(m.sandbox_webhook_secret).verify(got.body, { ...headers, "webhook-id": "msg_other" })).toThrow();

    await waitFor(async () => (await t.sql`select status from webhook_events where id = ${event.id}`)[0].status === "delivered");
    const attempts = await t.sql`select * from webhook_attempts where event_id = ${event.id}`;
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt_number: 1, trigger: "scheduled", url: receiver.url, response_status: 200, response_body: "ok", error: null });
  });

  it("records the event without sending when the project has no webhook URL", async () => {
    const bare = await sandboxMerchant(null);
    const { purchase_id, midtrans_order_id } = await createPayment(bare);
    await t.simulator.pay(midtrans_order_id, CARD);
    const ev = await waitFor(async () => (await t.sql`select * from webhook_events where purchase_id = ${purchase_id}`)[0], { what: "the event" });
    expect(ev).toMatchObject({ status: "no_endpoint", next_attempt_at: null, event_type: "item.purchased", environment: "sandbox" });
  });

  it("turns 50 duplicated, shuffled, concurrent settlement notifications into exactly one event and one delivery", async () => {
    const { order_id, purchase_id, midtrans_order_id } = await createPayment();
    const tx = await t.simulator.pay(midtrans_order_id, CARD); // the simulator's own notification arrives too
    const body = (status: string, code: string) => {
      const b: Record<string, unknown> = {
        transaction_time: "2026-05-06 17:00:00",
        transaction_status: status,
        transaction_id: tx.transaction_id,
        status_message: "midtrans payment notification",
        status_code: code,
        payment_type: "credit_card",
        order_id: midtrans_order_id,
        gross_amount: "75000.00",
        currency: "IDR",
        fraud_status: "accept",
        settlement_time: "2026-05-06 17:00:05",
      };
      b.signature_key = midtransSignature(midtrans_order_id, code, "75000.00", TEST_SERVER_KEY);
      return b;
    };
    const bodies = [...Array.from({ length: 25 }, () => body("settlement", "200")), ...Array.from({ length: 25 }, () => body("capture", "200"))];
    bodies.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(bodies.map((b) => postJson(`${t.url}/api/midtrans/notification`, b)));
    expect(answers.every((a) => a.status === 200)).toBe(true);

    const events = await t.sql`select * from webhook_events where purchase_id = ${purchase_id}`;
    expect(events).toHaveLength(1);
    await waitFor(() => deliveriesFor(order_id).length >= 1, { what: "the delivery" });
    await waitFor(async () => (await t.sql`select status from webhook_events where id = ${events[0].id}`)[0].status === "delivered");
    expect(deliveriesFor(order_id)).toHaveLength(1);
  });

  it("signs with both secrets for 24 hours after a rotation, then with the new one only", async () => {
    const rotating = await sandboxMerchant(receiver.url);
    const newSecret = await rotateWebhookSecret(t.sql, rotating.project_id, "sandbox", clock.now());
    expect(newSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSecret).not.toBe(rotating.sandbox_webhook_secret);

    const first = await createPayment(rotating);
    await t.simulator.pay(first.midtrans_order_id, CARD);
    const [a] = await waitFor(() => (deliveriesFor(first.order_id).length ? deliveriesFor(first.order_id) : null));
    const sigA = String(a.headers["webhook-signature"]).split(" ");
    expect(sigA).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(a.body, a.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(rotating.sandbox_webhook_secret).verify(a.body, a.headers as Record<string, string>)).not.toThrow();

    clock.advance(24 * 3600_000 + 1000);
    const second = await createPayment(rotating);
    await t.simulator.pay(second.midtrans_order_id, CARD);
    const [b] = await waitFor(() => (deliveriesFor(second.order_id).length ? deliveriesFor(second.order_id) : null));
    expect(String(b.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(() => new Webhook(newSecret).verify(b.body, b.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(rotating.sandbox_webhook_secret).verify(b.body, b.headers as Record<string, string>)).toThrow();
  });
});
