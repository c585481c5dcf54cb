import { expect, test } from "@playwright/test";
import { createShopPayment, uniqueOrderId } from "./fixtures";

test("HTML pages send CSP, frame-ancestors 'none', nosniff and a Referrer-Policy, and hydrate without CSP violations", async ({ page }) => {
  const { order_id } = await createShopPayment({ amount: 15000, order_id: uniqueOrderId("csp"), buyer_email: "a@b.co" });
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      const w = window as Window & { __csp?: string[] };
      w.__csp ??= [];
      w.__csp.push(e.violatedDirective);
    });
  });
  // The callback page runs its own inline script (nonce): it polls verify within 3 s.
  const polled = page.waitForRequest((r) => r.url().includes("/api/platform/shop-payment/verify"));
  const res = await page.goto(`/purchase/callback?order_id=${order_id}`);
  const h = res!.headers();
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(h["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  await polled;
  expect(await page.evaluate(() => (window as Window & { __csp?: string[] }).__csp ?? [])).toEqual([]);
  // The console's pages hydrate Remix with the same nonce: its client router exists, and nothing was blocked.
  await page.goto("/admin/login");
  await expect.poll(() => page.evaluate(() => Boolean((window as Window & { __remixRouter?: unknown }).__remixRouter))).toBe(true);
  expect(await page.evaluate(() => (window as Window & { __csp?: string[] }).__csp ?? [])).toEqual([]);
  expect(violations).toEqual([]);
});

test("API errors are JSON", async ({ request }) => {
  const r = await request.get("/api/platform/shop-payment/verify?order_id=none-such");
  expect(r.status()).toBe(404);
  expect(r.headers()["content-type"]).toContain("application/json");
});
