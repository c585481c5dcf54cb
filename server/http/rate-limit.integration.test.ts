import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { data } from "@remix-run/node";
import { callbackRouteStandIn } from "../testing/remix-stand-in";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "../testing/platform";
import { getJson, postJson, readAnswer } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";
import { createItem } from "../items/items.service";
import { itemInput } from "../items/items.schema";

// Limits small enough to reach, each a different number so a wrong limiter shows.
const LIMITS = {
  RATE_LIMIT_CREATE_PER_CLIENT: "5",
  RATE_LIMIT_CREATE_PER_IP: "12",
  RATE_LIMIT_VERIFY_PER_IP: "20",
  RATE_LIMIT_NOT_FOUND_PER_IP: "8",
  RATE_LIMIT_ITEMS_PER_IP: "9",
  RATE_LIMIT_REJECTED_NOTIFICATIONS_PER_IP: "6",
};

/**
 * The callback route behind Remix's real request handler: found (200) for order ids starting
 * `known-`, else 404, as app/routes/purchase.callback.tsx answers. The limits sit in front of
 * Remix and read only the answer's status.
 */
const callbackStandIn = () =>
  callbackRouteStandIn(async ({ request }) => {
    const orderId = new URL(request.url).searchParams.get("order_id") ?? "";
    const found = orderId.startsWith("known-");
    return data({ found }, { status: found ? 200 : 404 });
  });

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let knownOrderId: string;
let seq = 0;

beforeAll(async () => {
  t = await startTestPlatform({ env: LIMITS, remixBuild: callbackStandIn() });
  m = await t.createMerchant();
  knownOrderId = `rl-known-${Date.now()}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount: 1000,
    order_id: knownOrderId,
    buyer_email: "a@b.co",
  }, from("198.18.0.1"));
  expect(r.status).toBe(201);
});
afterAll(async () => t?.close());

/** Requests reach the server from 127.0.0.1, a trusted proxy: X-Forwarded-For names the client. */
function from(ip: string): Record<string, string> {
  return { "x-forwarded-for": ip };
}

const create = (creds: { client_id: string; client_secret: string }, ip: string) =>
  postJson(
    `${t.url}/api/platform/shop-payment`,
    { client_id: creds.client_id, client_secret: creds.client_secret, amount: 1000, order_id: `rl-${Date.now().toString(36)}-${seq++}`, buyer_email: "a@b.co" },
    from(ip),
  );
const verify = (orderId: string, ip: string) => getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(orderId)}`, from(ip));
const page = async (orderId: string, ip: string) => readAnswer(await fetch(`${t.url}/purchase/callback?order_id=${encodeURIComponent(orderId)}`, { headers: from(ip) }));
const pageData = async (orderId: string, ip: string) =>
  readAnswer(await fetch(`${t.url}/purchase/callback.data?order_id=${encodeURIComponent(orderId)}`, { headers: from(ip) }));

/** A known order: a real payment for verify, the stand-in's `known-…` for the page. */
const hitFor = (kind: typeof verify, i: number) => (kind === verify ? knownOrderId : `known-${i}`);

const statuses = (answers: { status: number }[]) => {
  const count: Record<number, number> = {};
  for (const a of answers) count[a.status] = (count[a.status] ?? 0) + 1;
  return count;
};
const parallel = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

describe("create: unauthenticated attempts are charged to the caller's IP only", () => {
  it("610 creates naming a victim's client_id with a wrong secret, from 61 addresses, do not lock the victim out", async () => {
    const victim = await t.createMerchant({ name: "Victim" });
    const wrong = { client_id: victim.client_id, client_secret: "sk_sandbox_wrong-secret" };
    for (let batch = 0; batch < 61; batch++) {
      const answers = await parallel(10, () => create(wrong, `203.0.113.${batch + 1}`));
      expect(statuses(answers)).toEqual({ 401: 10 });
    }
    // The victim's own create, from its own server.
    const own = await create(victim, "192.0.2.10");
    expect(own.status).toBe(201);
  });

  it("create per IP: of 100 parallel attempts exactly the limit (12) get past it", async () => {
    const answers = await parallel(100, () => create({ client_id: m.client_id, client_secret: "sk_sandbox_wrong" }, "203.0.114.1"));
    expect(statuses(answers)).toEqual({ 401: 12, 429: 88 });
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.json.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("create per client (after authentication): of 100 parallel creates from 100 addresses exactly the limit (5) are created", async () => {
    const merchant = await t.createMerchant({ name: "Busy shop" });
    const answers = await parallel(100, (i) => create(merchant, `203.0.115.${i + 1}`));
    expect(statuses(answers)).toEqual({ 201: 5, 429: 95 });
    const [{ n }] = await t.sql`select count(*)::int as n from purchases where project_id = ${merchant.project_id}`;
    expect(n).toBe(5);
  });
});

describe("public pages share the public limits", () => {
  it("verify per IP: of 100 parallel checks exactly the limit (20) are answered", async () => {
    // Its own platform without the miss limit, which would bind first (next test).
    const own = await startTestPlatform({ env: { RATE_LIMIT_VERIFY_PER_IP: "20", RATE_LIMIT_NOT_FOUND_PER_IP: "0" } });
    try {
      const answers = await parallel(100, () => getJson(`${own.url}/api/platform/shop-payment/verify?order_id=anything`, from("198.51.100.20")));
      expect(statuses(answers)).toEqual({ 404: 20, 429: 80 });
    } finally {
      await own.close();
    }
  });

  it("the 21st request to verify, the callback page and its data route (mixed) answers 429: HTML for the page, JSON for the data", async () => {
    const ip = "198.51.100.21";
    const kinds = [verify, page, pageData];
    const answers = [];
    for (let i = 0; i < 20; i++) {
      // Mostly hits, a few misses (fewer than the miss limit): only the shared budget runs out.
      const kind = kinds[i % 3];
      answers.push(await kind(i % 4 === 3 ? `unknown-${i}` : hitFor(kind, i), ip));
    }
    expect(answers.map((a) => a.status)).not.toContain(429);
    expect(answers.filter((a) => a.status === 404)).toHaveLength(5);

    const overPage = await page(`known-x`, ip);
    expect(overPage.status).toBe(429);
    expect(overPage.headers.get("content-type")).toContain("text/html");
    expect(Number(overPage.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(overPage.text).toContain("<html");
    const overData = await pageData(`known-x`, ip);
    expect(overData.status).toBe(429);
    expect(overData.json.error.code).toBe("rate_limited");
    expect(Number(overData.headers.get("retry-after"))).toBeGreaterThan(0);
    const overVerify = await verify(knownOrderId, ip);
    expect(overVerify.status).toBe(429);
    expect(overVerify.json.error.code).toBe("rate_limited");
  });

  it("every spelling of the page's path that reaches the page shares the limit", async () => {
    const ip = "198.51.100.25";
    // Raw request targets (fetch would resolve `..` itself); Remix resolves them as a URL does.
    const raw = (target: string) =>
      new Promise<number>((resolve, reject) => {
        const { port } = new URL(t.url);
        request({ host: "127.0.0.1", port, path: target, headers: from(ip) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on("error", reject)
          .end();
      });
    const spellings = ["/Purchase/Callback", "/purchase/callback/", "/purchase/callbac%6B", "/purchase/x/../callback", "/PURCHASE/callback.data", "/purchase/callback"];
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await raw(`${spellings[i % spellings.length]}?order_id=known-${i}`));
    expect(answers).toEqual(Array(20).fill(200));
    for (const s of spellings) expect(await raw(`${s}?order_id=known-x`)).toBe(429);
  });

  it("misses (unknown order ids, 404) have a tighter limit: of 100 parallel misses exactly 8 are answered", async () => {
    const ip = "198.51.100.22";
    const answers = await parallel(100, (i) => [verify, page, pageData][i % 3](`unknown-${i}`, ip));
    expect(statuses(answers)).toEqual({ 404: 8, 429: 92 });
    // Charged before the lookup: with the miss budget spent, a known order id is refused too (no oracle).
    expect((await verify(knownOrderId, ip)).status).toBe(429);
  });

  it("a hit is not a miss: many hits then misses up to the miss limit are all answered", async () => {
    const ip = "198.51.100.23";
    const kinds = [verify, page, pageData];
    for (let i = 0; i < 10; i++) expect((await kinds[i % 3](hitFor(kinds[i % 3], i), ip)).status).toBe(200);
    const misses = [];
    for (let i = 0; i < 8; i++) misses.push((await kinds[i % 3](`unknown-${i}`, ip)).status);
    expect(misses).toEqual(Array(8).fill(404));
    expect((await verify("unknown-9", ip)).status).toBe(429);
  });

  it("GET /api/platform/items per IP: of 100 parallel calls exactly the limit (9) are answered", async () => {
    await createItem(t.sql, m.project_id, itemInput.parse({ name: "Kopi", price: 18000 }));
    const auth = `Basic ${Buffer.from(`${m.client_id}:${m.client_secret}`).toString("base64")}`;
    const answers = await parallel(100, () => getJson(`${t.url}/api/platform/items`, { authorization: auth, ...from("198.51.100.30") }));
    expect(statuses(answers)).toEqual({ 200: 9, 429: 91 });
    expect(answers.find((a) => a.status === 200)!.json.items[0].name).toBe("Kopi");
  });
});

describe("rejected Midtrans notifications, per IP", () => {
  const forged = (order_id: string) => ({ order_id, status_code: "200", gross_amount: "1000.00", transaction_status: "settlement", signature_key: "0".repeat(128) });

  it("of 100 parallel forged notifications exactly the limit (6) are processed and stored, the rest 429", async () => {
    const ip = "192.0.2.50";
    const orderId = `forged-${Date.now()}`;
    const answers = await parallel(100, () => postJson(`${t.url}/api/midtrans/notification`, forged(orderId), from(ip)));
    expect(statuses(answers)).toEqual({ 401: 6, 429: 94 });
    const [{ n }] = await t.sql`select count(*)::int as n from midtrans_notifications where order_id = ${orderId}`;
    expect(n).toBe(6);
  });

  it("a genuinely signed notification from a refused address is still processed", async () => {
    const ip = "192.0.2.51";
    await parallel(10, () => postJson(`${t.url}/api/midtrans/notification`, forged("whatever"), from(ip)));
    expect((await postJson(`${t.url}/api/midtrans/notification`, forged("whatever"), from(ip))).status).toBe(429);
    const genuine = { ...forged("never-created"), signature_key: midtransSignature("never-created", "200", "1000.00", TEST_SERVER_KEY) };
    const r = await postJson(`${t.url}/api/midtrans/notification`, genuine, from(ip));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ received: true, outcome: "ignored" });
  });
});
