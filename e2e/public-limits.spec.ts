// The buyer's callback page shares verify's public limits (docs/api.md#rate-limits): over the
// miss limit (unknown order ids, 60 a minute per address by default) the page answers a 429 HTML
// page and its data route a JSON 429, both with Retry-After.
import { expect, test } from "@playwright/test";
import { uniqueOrderId } from "./fixtures";

// The server sits behind no proxy here: requests come from 127.0.0.1, which is trusted to
// name the client in X-Forwarded-For, so this test has an address of its own.
const CLIENT = { "x-forwarded-for": "198.51.100.160" };
const MISS_LIMIT = 60;

test("over the miss limit, the callback page answers 429 in HTML and its data route in JSON", async ({ request, page }) => {
  for (let i = 0; i < MISS_LIMIT; i++) {
    const r = await request.get(`/purchase/callback?order_id=${uniqueOrderId("miss")}`, { headers: CLIENT });
    expect(r.status()).toBe(404);
  }
  const over = await request.get(`/purchase/callback?order_id=${uniqueOrderId("miss")}`, { headers: CLIENT });
  expect(over.status()).toBe(429);
  expect(Number(over.headers()["retry-after"])).toBeGreaterThan(0);
  expect(over.headers()["content-type"]).toContain("text/html");
  expect(over.headers()["cache-control"]).toBe("no-store");
  expect(over.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(await over.text()).toContain("Terlalu banyak permintaan");

  const data = await request.get(`/purchase/callback.data?order_id=${uniqueOrderId("miss")}`, { headers: CLIENT });
  expect(data.status()).toBe(429);
  expect((await data.json()).error.code).toBe("rate_limited");

  // The same limit for verify, and in a browser the buyer sees the page, not an error.
  expect((await request.get(`/api/platform/shop-payment/verify?order_id=${uniqueOrderId("miss")}`, { headers: CLIENT })).status()).toBe(429);
  await page.setExtraHTTPHeaders(CLIENT);
  const res = await page.goto(`/purchase/callback?order_id=${uniqueOrderId("miss")}`);
  expect(res?.status()).toBe(429);
  await expect(page.getByRole("heading", { name: "Terlalu banyak permintaan" })).toBeVisible();
});
