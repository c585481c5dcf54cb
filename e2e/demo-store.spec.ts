import { expect, test } from "@playwright/test";
import { e2eState } from "./fixtures";

// The newcomer's journey from the README: the demo store that `npm start` serves next to the demo
// project. Buy → pay on the simulator's Snap page → Astapa's callback page → back to the store,
// which shows the order paid once it verified the item.purchased webhook's signature.

test.use({ viewport: { width: 390, height: 844 } });

test("demo store: buy, pay on Snap, land on the callback page, return to the store and see the verified webhook", async ({ page }) => {
  const s = e2eState();
  await page.goto(s.demoStoreUrl);
  await expect(page.getByRole("note")).toContainText("Demo store");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Warung Bu Sari");
  await expect(page.locator("#your-order")).toHaveCount(0);

  await page.getByRole("button", { name: "Beli Nasi Goreng Spesial" }).click();

  // The store's server created the payment and sent the buyer to Snap (the simulator).
  await page.waitForURL((u) => u.href.startsWith(`${s.simulatorUrl}/snap/v4/redirection/`));
  await expect(page.getByText("Nasi Goreng Spesial").first()).toBeVisible();
  await page.fill("#card-number", "4811 1111 1111 1114");
  await page.fill("#card-expiry", "12/30");
  await page.fill("#card-cvv", "123");
  await page.getByRole("button", { name: "Pay with card" }).click();

  // Snap's finish redirect: Astapa's callback page, which offers the way back to the store.
  await page.waitForURL((u) => u.pathname === "/purchase/callback");
  const back = page.getByRole("link", { name: "Kembali ke toko" });
  await expect(back).toHaveAttribute("href", s.demoStoreUrl);
  await back.click();

  await page.waitForURL(s.demoStoreUrl);
  const order = page.locator("#your-order");
  // Webhook delivery is asynchronous: the store says so and looks again until it has it.
  await expect(page.locator("#order-state")).toHaveText("paid, webhook verified", { timeout: 20_000 });
  await expect(order).toHaveAttribute("data-verified", "true");
  await expect(order).toContainText("Nasi Goreng Spesial");
  await expect(order).toContainText("Rp25.000");
  await expect(order).toContainText(/msg_/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  await page.screenshot({ path: "test-results/screenshots/demo-store-paid.png", fullPage: true });
});
