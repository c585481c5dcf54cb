import { expect, test } from "@playwright/test";
import { createShopPayment, e2eState, uniqueOrderId } from "./fixtures";

test("a card payment created over REST is paid in the simulator and lands on the callback page", async ({ page }) => {
  const orderId = uniqueOrderId("card");
  const { invoice_url, order_id } = await createShopPayment({
    amount: 75000,
    order_id: orderId,
    buyer_email: "buyer@example.com",
    buyer_name: "John Doe",
    item_name: "Nasi Goreng Spesial",
    metadata: { store_name: "Warung Bu Sari", store_slug: "warung-bu-sari", product_id: "product-uuid" },
  });
  expect(order_id).toBe(orderId);

  await page.goto(invoice_url);
  await expect(page.getByText("Midtrans Simulator").first()).toBeVisible();
  await page.fill("#card-number", "4811 1111 1111 1114");
  await page.fill("#card-expiry", "12/30");
  await page.fill("#card-cvv", "123");
  await page.getByRole("button", { name: "Pay with card" }).click();

  // Snap sends the buyer back with the order id Midtrans knows: Astapa's derived one (the
  // merchant's + `~` + 9 random characters, docs/decisions/0004-midtrans-order-ids.md); the page
  // shows the merchant's.
  await page.waitForURL((u) => u.pathname === "/purchase/callback" && /^[^~]+~[0-9a-z]{9}$/.test(u.searchParams.get("order_id") ?? ""));
  expect(new URL(page.url()).searchParams.get("order_id")!.startsWith(`${orderId}~`)).toBe(true);
  await expect(page.locator("[data-state]")).toBeVisible();
  await expect(page.locator(".order-id")).toHaveText(orderId);

  // The notification lands independently of the buyer's redirect: poll the public verify.
  await expect
    .poll(async () => (await (await fetch(`${e2eState().url}/api/platform/shop-payment/verify?order_id=${orderId}`)).json()).status)
    .toBe("settlement");
  const verify = await (await fetch(`${e2eState().url}/api/platform/shop-payment/verify?order_id=${orderId}`)).json();
  expect(verify).toMatchObject({ order_id: orderId, status: "settlement", store_name: "Warung Bu Sari", amount: 75000 });
});
