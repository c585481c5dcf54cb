import { expect, test, type Browser, type Page } from "@playwright/test";
import { generate } from "otplib";
import { e2eState, OWNER, payAndSettle, signIn as signInWithCode, uniqueOrderId } from "./fixtures";

// Roles and people (docs/decisions/0017-roles.md), two-factor sign-in (docs/decisions/0019-two-factor.md).
// e2e/server.ts creates the owner (OWNER) with ensureFirstAdmin and enrols it in two-factor sign-in.
const NEW_PASSWORD = "a fresh passphrase for e2e";
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/people-${name}.png`, fullPage: true });

/** The owner signs in with password and a TOTP code; others (no second factor yet) with their password. */
async function signIn(page: Page, who: { email: string; password: string }) {
  if (who.email === OWNER.email) return signInWithCode(page);
  await page.goto("/admin/login");
  await page.getByLabel("E-mail").fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * Someone whose role requires two-factor sign-in, signed in for the first time, is sent to set it
 * up: "scanning" the QR code is reading the key shown beside it, and the app's code is computed from it.
 */
async function enrolTwoFactor(page: Page) {
  await expect(page).toHaveURL(/\/admin\/two-factor\/enrol$/);
  await expect(page.getByTestId("two-factor-required")).toBeVisible();
  await page.getByTestId("totp-begin").click();
  await expect(page.getByTestId("totp-qr")).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByTestId("totp-confirm-code").fill(await generate({ secret }));
  await page.getByTestId("totp-confirm").click();
  await expect(page.getByTestId("two-factor-enabled")).toBeVisible();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  await shot(page, "two-factor-enrolled");
  await page.getByTestId("two-factor-continue").click();
}

/** The owner invites `email` as `role` on the People page; returns the one-time link shown once. */
async function invite(owner: Page, email: string, role: string): Promise<string> {
  await owner.goto("/admin/people");
  await owner.getByTestId("invite-email").fill(email);
  await owner.getByTestId("invite-role").selectOption(role);
  await owner.getByTestId("invite-submit").click();
  const link = await owner.getByTestId("one-time-link").inputValue();
  expect(link).toMatch(/\/admin\/invite\/[A-Za-z0-9_-]{40,}$/);
  return link;
}

/** A new browser (no cookies) opens the link, sets a password and signs in. */
async function accept(browser: Browser, link: string, email: string, role: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(link);
  await expect(page.getByTestId("invite-for")).toContainText(`invited as ${role}`);
  await page.getByLabel("Password", { exact: false }).first().fill(NEW_PASSWORD);
  await page.getByLabel("Password again").fill(NEW_PASSWORD);
  await page.getByTestId("invite-accept").click();
  await expect(page).toHaveURL(/\/admin\/login/);
  await expect(page.getByTestId("login-welcome")).toBeVisible();
  // The link worked once: opening it again says so.
  const again = await page.goto(link);
  expect(again?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
  await signIn(page, { email, password: NEW_PASSWORD });
  if (role === "owner" || role === "finance") {
    // Until two-factor sign-in is on, the console is closed to this role: its pages lead to the set-up.
    await expect(page).toHaveURL(/\/admin\/two-factor\/enrol$/);
    const refused = await page.request.get(`${e2eState().url}/api/trpc/payments.list?input=${encodeURIComponent("{}")}`);
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.data).toMatchObject({ domainCode: "two_factor_enrolment_required" });
    await page.goto("/admin/payments");
    await enrolTwoFactor(page);
  }
  await expect(page.getByTestId("admin-email")).toHaveText(email);
  await expect(page.getByTestId("admin-role")).toHaveText(`(${role})`);
  return page;
}

/** A settled card payment of the e2e merchant, paid in the simulator. */
async function settledPayment(buyerEmail: string): Promise<{ orderId: string; purchaseId: string }> {
  const s = e2eState();
  const orderId = uniqueOrderId("people");
  const created = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: s.client_id,
      client_secret: s.client_secret,
      amount: 90000,
      order_id: orderId,
      buyer_email: buyerEmail,
      item_name: "Kopi 1 kg",
    }),
  });
  expect(created.status).toBe(201);
  const { purchase_id: purchaseId } = (await created.json()) as { purchase_id: string };
  await payAndSettle(orderId);
  return { orderId, purchaseId };
}

const unique = (what: string) => `${what}-${Date.now().toString(36)}@astapa.test`;

test("an owner invites a finance person, who accepts and refunds a payment", async ({ page, browser }) => {
  const { orderId } = await settledPayment(`buyer-${Date.now().toString(36)}@example.com`);
  await signIn(page, OWNER);
  const financeEmail = unique("finance");
  const link = await invite(page, financeEmail, "finance");
  await shot(page, "owner");

  const finance = await accept(browser, link, financeEmail, "finance");
  await finance.goto(`/admin/payments/${orderId}`);
  await expect(finance.getByTestId("payment-status")).toHaveText("settlement");
  // Finance refunds, but neither reconciles nor resends (operator's work).
  await expect(finance.getByTestId("reconcile")).toHaveCount(0);
  await expect(finance.getByTestId("resend-webhook")).toHaveCount(0);
  await finance.getByLabel("Reason").fill("barang habis");
  finance.once("dialog", (d) => void d.accept());
  await finance.getByTestId("refund-submit").click();
  await expect(finance.getByTestId("refund-result")).toContainText("Midtrans accepted the refund");
  // Their account page: two-factor sign-in on, and this session among their sessions.
  await finance.getByRole("link", { name: "Account" }).click();
  await expect(finance.getByTestId("two-factor-status")).toContainText("10 of 10 recovery codes left");
  await expect(finance.getByTestId("session-current")).toContainText("this session");
  await expect(finance.getByTestId("session-current")).toContainText("WIB");
  await shot(finance, "account");
  // The owner sees the new person in the list, and the refund in the audit log under their name.
  await page.goto("/admin/people");
  await expect(page.getByTestId(`person-${financeEmail}`)).toContainText("finance");
  await page.goto(`/admin/audit?adminEmail=${encodeURIComponent(financeEmail)}`);
  await expect(page.locator("body")).toContainText("payment.refund");
});

test("a viewer cannot refund (no button, the procedure refuses) and sees buyers' e-mails masked", async ({ page, browser }) => {
  const buyer = `sari-${Date.now().toString(36)}@example.com`;
  const { orderId, purchaseId } = await settledPayment(buyer);
  await signIn(page, OWNER);
  const viewerEmail = unique("viewer");
  const viewer = await accept(browser, await invite(page, viewerEmail, "viewer"), viewerEmail, "viewer");

  await viewer.goto(`/admin/payments/${orderId}`);
  await expect(viewer.getByTestId("payment-status")).toHaveText("settlement");
  await expect(viewer.getByTestId("refund-submit")).toHaveCount(0);
  await expect(viewer.getByTestId("reconcile")).toHaveCount(0);
  await expect(viewer.locator("main")).toContainText("s***@example.com");
  expect(await viewer.content()).not.toContain(buyer);
  await shot(viewer, "viewer-detail");

  await viewer.goto("/admin/payments");
  await expect(viewer.locator("main")).toContainText("s***@example.com");
  expect(await viewer.content()).not.toContain(buyer);
  // The owner's view of the same list shows the address.
  await page.goto("/admin/payments");
  await expect(page.locator("main")).toContainText(buyer);

  // Calling the procedure directly, with the viewer's session, is refused.
  const s = e2eState();
  const refused = await viewer.request.post(`${s.url}/api/trpc/payments.refund`, {
    headers: { "content-type": "application/json", origin: s.url },
    data: { purchaseId, amount: 1000, reason: "not allowed" },
  });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error.data).toMatchObject({ code: "FORBIDDEN", domainCode: "forbidden" });
  // Nothing to change elsewhere either: no CSV link, no new-project form, project controls disabled.
  await viewer.goto("/admin/payments");
  await expect(viewer.getByTestId("export-csv")).toHaveCount(0);
  await viewer.goto("/admin/projects");
  await expect(viewer.getByTestId("create-project")).toHaveCount(0);
  // And the CSV export (finance's) is refused when asked for directly.
  expect((await viewer.request.get(`${s.url}/admin/export.csv`)).status()).toBe(403);
});

test("a disabled person's open session stops working", async ({ page, browser }) => {
  await signIn(page, OWNER);
  const opsEmail = unique("operator");
  const ops = await accept(browser, await invite(page, opsEmail, "operator"), opsEmail, "operator");
  await ops.goto("/admin/projects");
  await expect(ops.getByRole("heading", { name: "Projects" })).toBeVisible();

  await page.goto("/admin/people");
  page.once("dialog", (d) => void d.accept());
  await page.getByTestId(`person-${opsEmail}`).getByTestId("person-disable").click();
  await expect(page.getByTestId(`person-${opsEmail}`)).toContainText("disabled");
  await shot(page, "people");

  // The operator's browser still holds its cookie: the next page is the sign-in page.
  await ops.reload();
  await expect(ops).toHaveURL(/\/admin\/login\?next=/);
  const s = e2eState();
  expect((await ops.request.get(`${s.url}/api/trpc/health`)).status()).toBe(401);
  // Signing in again is refused too.
  await ops.getByLabel("E-mail").fill(opsEmail);
  await ops.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await ops.getByRole("button", { name: "Sign in" }).click();
  await expect(ops.getByTestId("login-error")).toHaveText("Wrong e-mail or password.");
});
