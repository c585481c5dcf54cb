import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { createShopPayment, OWNER, payAndSettle, signIn as signInWithCode, uniqueOrderId } from "./fixtures";

// The console at a desktop size and on a 390 px phone: screenshots of the dashboard, the payment
// list, a payment and the people page in the test output (attached to the report), no sideways
// scrolling on the phone, and the list's order id, status and amount in view there. Also: the
// pages' language, and a not-found page inside the console's layout.

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Password, then a TOTP code: the owner has two-factor sign-in (e2e/fixtures.ts). */
const signIn = (page: Page) => signInWithCode(page);

/** A settled card payment of 125 000 (so the list's first row and the detail page have something to show). */
async function settledPayment(): Promise<{ orderId: string; purchaseId: string }> {
  const orderId = uniqueOrderId("shots");
  const created = await createShopPayment({ amount: 125000, order_id: orderId, buyer_email: "sari.wulandari@example.com", buyer_name: "Sari Wulandari", item_name: "Rendang 1 kg" });
  await payAndSettle(orderId);
  return { orderId, purchaseId: created.purchase_id };
}

/** A full-page screenshot into this test's output folder, attached to the report. */
async function shot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: "disabled" });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/**
 * The document does not scroll sideways (what does not fit scrolls inside its own box, if
 * anything). On failure the message names the outermost elements that stick out.
 */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => {
    const w = window.innerWidth;
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""}`;
    const sticking = [...document.body.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > w + 0.5);
    const outermost = sticking.filter((el) => !sticking.includes(el.parentElement as Element));
    return { scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: w, wide: outermost.slice(0, 5).map(describe) };
  });
  expect(scrollWidth, `${what}: page width ${scrollWidth} px in a ${innerWidth} px window; sticking out: ${wide.join(", ")}`).toBeLessThanOrEqual(innerWidth);
}

test("screenshots of the console at 1280×800 and 390×844; on the phone nothing scrolls sideways and the list shows order id, status and amount", async ({ page }, testInfo) => {
  const p = await settledPayment();
  await signIn(page);
  const pages: [string, string, () => Promise<void>][] = [
    ["dashboard", "/admin", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible()],
    ["payments", `/admin/payments`, () => expect(page.getByTestId("payments-table")).toBeVisible()],
    ["payment", `/admin/payments/${p.purchaseId}`, () => expect(page.getByTestId("payment-order-id")).toHaveText(p.orderId)],
    ["people", "/admin/people", () => expect(page.getByTestId("admin-email")).toBeVisible()],
  ];
  for (const [size, viewport] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    for (const [name, url, ready] of pages) {
      await page.goto(url);
      await ready();
      await shot(page, testInfo, `${name}-${size}`);
      if (size === "phone") await expectNoSidewaysScroll(page, name);
    }
  }

  // The list on the phone: the newest payment's order id, status and amount are in view; the
  // nine filters are one closed "Filters" line until opened.
  await page.goto("/admin/payments");
  const row = page.getByTestId("payments-table").locator("tbody tr").first();
  await expect(row.getByTestId("row-order-id")).toHaveText(p.orderId);
  for (const cell of ["row-order-id", "row-status", "row-amount"]) {
    await expect(row.getByTestId(cell)).toBeInViewport({ ratio: 1 });
  }
  await expect(row.getByTestId("row-status")).toHaveText("settlement");
  await expect(row.getByTestId("row-amount")).toHaveText("Rp125.000");
  await expect(page.locator("select[name=status]")).toBeHidden();
  await expect(page.getByTestId("payment-search")).toBeVisible();
  await page.getByText("Filters", { exact: true }).click();
  await expect(page.locator("select[name=status]")).toBeVisible();
  await expectNoSidewaysScroll(page, "payments with the filters open");
  await shot(page, testInfo, "payments-phone-filters-open");

  // On a desktop the filters are open without a click, and every column is there.
  await page.setViewportSize(DESKTOP);
  await page.goto("/admin/payments");
  await expect(page.locator("select[name=status]")).toBeVisible();
  await expect(page.getByText("Filters", { exact: true })).toBeHidden();
  await expect(page.getByTestId("payments-table").locator("thead th")).toHaveText([
    "Created (WIB)",
    "Order id",
    "Project",
    "Env",
    "Status",
    "Midtrans",
    "Method",
    "Amount",
    "Buyer · item",
  ]);
});

test("English console pages say lang=en, the buyer's page lang=id", async ({ page }) => {
  await page.goto("/admin/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await signIn(page);
  for (const url of ["/admin", "/admin/payments", "/admin/audit", "/admin/people"]) {
    await page.goto(url);
    await expect(page.locator("html"), url).toHaveAttribute("lang", "en");
  }
  await page.goto("/docs/api");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.goto(`/purchase/callback?order_id=${uniqueOrderId("lang")}`);
  await expect(page.locator("html")).toHaveAttribute("lang", "id");
});

test("an unknown console page or payment is a 404 inside the console's layout; signed out, sign in first", async ({ page }) => {
  const signedOut = await page.goto("/admin/nope");
  await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin%2Fnope$/);
  expect(signedOut?.status()).toBe(200);

  await signIn(page);
  for (const url of ["/admin/nope", "/admin/payments/pay_unknown", "/admin/projects/x/y"]) {
    const r = await page.goto(url);
    expect(r?.status(), url).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }), url).toHaveText("Not found");
    await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Payments" }), url).toBeVisible();
    await expect(page.getByTestId("admin-email"), url).toHaveText(OWNER.email);
    await expect(page.locator("html"), url).toHaveAttribute("lang", "en");
  }
});

test("the audit log: the action filter lists the known actions, cells do not break inside a word", async ({ page }) => {
  await signIn(page);
  await page.goto("/admin/audit");
  const filter = page.getByTestId("audit-action-filter");
  await expect(filter.locator("option")).toContainText(["All", "Role changed (admin.role_change)", "Signed in (admin.login)", "Payment refunded (payment.refund)"]);
  await filter.selectOption("admin.login");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=admin\.login/);
  const actions = page.getByTestId("audit-table").locator("tbody tr td:nth-child(3)");
  await expect(actions.first()).toHaveText("admin.login");
  // One line each (an inline box has one rectangle per line it is on), on a phone too.
  const lines = () => actions.first().locator("code").evaluate((el) => el.getClientRects().length);
  expect(await lines()).toBe(1);
  await page.setViewportSize(PHONE);
  expect(await lines()).toBe(1);
  await expectNoSidewaysScroll(page, "audit");
});
