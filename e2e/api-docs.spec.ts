// The merchant API's reference page (/docs/api): Redoc, served by Astapa itself, renders the
// OpenAPI document (/api/platform/openapi.json) in Chromium under the page's CSP.
import { expect, test } from "@playwright/test";

// Redoc's side menu shows Redocly's logo from its CDN; the page's CSP (img-src 'self' data:) blocks
// it before any request leaves the browser, and Redoc then drops the image (its onError).
const REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";

test("a merchant reads the API reference: every operation listed, schemas and error codes shown, nothing loaded from another origin", async ({
  page,
  baseURL,
}) => {
  const problems: string[] = [];
  const foreign: string[] = [];
  const blocked: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(err.message));
  page.on("response", (r) => {
    const url = new URL(r.url());
    if (!["blob:", "data:"].includes(url.protocol) && url.origin !== baseURL) foreign.push(r.url());
  });
  page.on("requestfailed", (r) => blocked.push(`${r.url()} ${r.failure()?.errorText}`));

  const res = await page.goto("/docs/api");
  expect(res?.status()).toBe(200);
  expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");

  // Redoc's title, its side menu of tags, and a section for every operation.
  await expect(page.getByRole("heading", { name: /Astapa merchant API/ })).toBeVisible();
  for (const tag of ["Payments", "Items", "Events"]) await expect(page.getByRole("menuitem", { name: tag, exact: true })).toBeVisible();
  const operations = {
    Payments: ["createShopPayment", "verifyPayment", "verifyPaymentPreflight", "refundPayment"],
    Items: ["listItems", "createItemPurchase"],
    Events: ["listEvents", "resendEvent", "sendTestEvent"],
  };
  for (const [tag, ids] of Object.entries(operations)) {
    for (const id of ids) await expect(page.locator(`[id="tag/${tag}/operation/${id}"]`)).toBeAttached();
  }

  // An operation's section: its path, its parameters and its responses with their error codes.
  await page.getByRole("menuitem", { name: "Payments", exact: true }).click();
  await page.getByRole("menuitem", { name: /Check a payment's status/ }).click();
  const verify = page.locator('[id="tag/Payments/operation/verifyPayment"]');
  await expect(verify.getByRole("heading", { name: /Check a payment's status/ })).toBeVisible();
  await expect(verify.getByText("order_id", { exact: true }).first()).toBeVisible();
  await expect(verify.getByRole("button", { name: /^409 ambiguous_order_id/ })).toBeVisible();
  await expect(verify.getByRole("button", { name: /get \/api\/platform\/shop-payment\/verify/ })).toBeVisible();

  const create = page.locator('[id="tag/Payments/operation/createShopPayment"]');
  await create.scrollIntoViewIfNeeded();
  await expect(create.getByText("buyer_email", { exact: true }).first()).toBeVisible();
  await expect(create.getByRole("button", { name: /^201 Created/ })).toBeVisible();
  await expect(create.getByRole("button", { name: /^409 order_id_taken/ })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/api-docs.png" });

  // Nothing was fetched from another origin; the one attempt was the logo, refused by the CSP.
  expect(foreign).toEqual([]);
  expect(blocked.filter((b) => !(b.startsWith(REDOCLY_LOGO) && /csp/i.test(b)))).toEqual([]);
  expect(problems.filter((p) => !p.includes(REDOCLY_LOGO))).toEqual([]);
});

test("the document behind the page is the one the API serves", async ({ request }) => {
  const res = await request.get("/api/platform/openapi.json");
  expect(res.status()).toBe(200);
  const doc = await res.json();
  expect(doc.openapi).toBe("3.1.0");
  expect(Object.keys(doc.paths)).toContain("/api/platform/shop-payment");
});
