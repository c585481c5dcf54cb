import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;

beforeAll(async () => {
  t = await startTestPlatform({
    env: { RATE_LIMIT_CREATE_PER_CLIENT: "3", RATE_LIMIT_CREATE_PER_IP: "5", RATE_LIMIT_VERIFY_PER_IP: "4", RATE_LIMIT_BAD_SIGNATURE_PER_IP: "2" },
  });
  m = await t.createMerchant();
});
afterAll(async () => t?.close());

const create = (i: number, creds = m) =>
  postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: creds.client_id,
    client_secret: creds.client_secret,
    amount: 1000,
    order_id: `rl-${Date.now()}-${i}`,
    buyer_email: "a@b.co",
  });

it("limits create per client_id and per IP with 429, Retry-After and a JSON error", async () => {
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await create(i));
  expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429]);
  const limited = answers[3];
  expect(limited.json.error.code).toBe("rate_limited");
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(await t.sql`select id from purchases`).toHaveLength(3);

  // Another client from the same IP still has the IP's remaining budget (5 - 4 = 1).
  const other = await t.createMerchant({ name: "Other" });
  expect((await create(10, other)).status).toBe(201);
  const ipLimited = await create(11, other);
  expect(ipLimited.status).toBe(429);
});

it("limits verify per IP", async () => {
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=nope`)).status);
  expect(statuses).toEqual([404, 404, 404, 404, 429]);
});

it("counts bad signatures per IP and then refuses that IP", async () => {
  const forged = { order_id: "x", status_code: "200", gross_amount: "1000.00", transaction_status: "settlement", signature_key: "0".repeat(128) };
  const a = await postJson(`${t.url}/api/midtrans/notification`, forged);
  const b = await postJson(`${t.url}/api/midtrans/notification`, forged);
  // Unknown order: answered 200 so Midtrans would stop, but the forgery still counts.
  expect([a.status, b.status]).toEqual([200, 200]);
  const genuine = { ...forged, signature_key: midtransSignature("x", "200", "1000.00", TEST_SERVER_KEY) };
  const c = await postJson(`${t.url}/api/midtrans/notification`, genuine);
  expect(c.status).toBe(429);
  expect(c.json.error.code).toBe("rate_limited");
});
