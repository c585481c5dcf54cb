import { expect, test } from "@playwright/test";
import { e2eState, signIn } from "./fixtures";

// Signed in as the owner e2e/server.ts creates (e2e/fixtures.ts signIn: password and TOTP code).

test("an operator creates an item in the console; a merchant sells it and the buyer pays by card", async ({ page }) => {
  const s = e2eState();

  // Sign in and open the e2e merchant's project from the projects list.
  await signIn(page, { next: "/admin/projects" });
  await page.locator(`a[href="/admin/projects/${s.project_id}"]`).first().click();
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${s.project_id}$`));

  // Create "Es Teh Manis" at Rp8.000 through the form.
  const items = page.getByRole("region", { name: "Items" });
  await items.getByTestId("new-item-name").fill("Es Teh Manis");
  await items.getByTestId("new-item-price").fill("8.000");
  await items.getByTestId("new-item-save").click();
  await expect(items.getByTestId("item-created")).toContainText("Es Teh Manis");
  const itemId = (await items.getByTestId("created-item-id").textContent())!;
  expect(itemId).toMatch(/^item_/);
  const row = items.locator(`[data-testid="item-row"][data-item-id="${itemId}"]`);
  await expect(row).toContainText("Es Teh Manis");
  await expect(row.getByTestId("item-price")).toHaveText(/^Rp\s?8\.000$/);
  await expect(row).toContainText("active");
  await expect(items).not.toContainText("__direct__");

  // The merchant sees it over REST and sells it (outside the browser).
  const basic = `Basic ${Buffer.from(`${s.client_id}:${s.client_secret}`).toString("base64")}`;
  const listed = await (await fetch(`${s.url}/api/platform/items`, { headers: { authorization: basic } })).json();
  expect(listed.items).toContainEqual(expect.objectContaining({ item_id: itemId, name: "Es Teh Manis", price: 8000 }));
  const created = await fetch(`${s.url}/api/platform/purchase`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, item_id: itemId, buyer_email: "pembeli@example.com" }),
  });
  expect(created.status).toBe(201);
  const purchase = (await created.json()) as { invoice_url: string; order_id: string; amount: number };
  expect(purchase.amount).toBe(8000);

  // The buyer pays with the test card in the simulator and comes back to the callback page.
  await page.goto(purchase.invoice_url);
  await expect(page.getByText("Midtrans Simulator").first()).toBeVisible();
  await page.fill("#card-number", "4811 1111 1111 1114");
  await page.fill("#card-expiry", "12/30");
  await page.fill("#card-cvv", "123");
  await page.getByRole("button", { name: "Pay with card" }).click();
  await page.waitForURL((u) => u.pathname === "/purchase/callback" && (u.searchParams.get("order_id") ?? "").startsWith(`${purchase.order_id}~`));
  await expect(page.locator('[data-state="settlement"]')).toBeVisible({ timeout: 20_000 });

  const verifyUrl = `${s.url}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(purchase.order_id)}`;
  await expect.poll(async () => (await (await fetch(verifyUrl)).json()).status).toBe("settlement");
  expect(await (await fetch(verifyUrl)).json()).toMatchObject({ order_id: purchase.order_id, status: "settlement", amount: 8000, item_name: "Es Teh Manis" });
});
