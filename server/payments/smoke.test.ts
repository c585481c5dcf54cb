import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => t?.close());

it("smoke", async () => {
  const m = await t.createMerchant();
  const res = await fetch(`${t.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: m.client_id, client_secret: m.client_secret, amount: 75000, order_id: "ord-1", buyer_email: "b@example.com" }),
  });
  const body = await res.json();
  console.log(res.status, body);
  expect(res.status).toBe(201);
  await t.simulator.pay("ord-1", { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
  const v = await waitFor(async () => {
    const r = await (await fetch(`${t.url}/api/platform/shop-payment/verify?order_id=ord-1`)).json();
    return r.status === "settlement" ? r : null;
  });
  console.log(v);
});
