import { expect, test, type Page } from "@playwright/test";
import { e2eState, payAndSettle, signIn as signInWithCode, uniqueOrderId, unusedTotpCode } from "./fixtures";

// e2e/server.ts creates this admin with ensureFirstAdmin (server/admin/admin-users.service.ts).
const ADMIN = { email: "admin@astapa.test", password: "correct horse battery staple" };
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/admin-${name}.png`, fullPage: true });

const signIn = (page: Page, next = "/admin") => signInWithCode(page, { next });

test("an operator signs in, creates a project and a credential, finds a payment by order id, reconciles it and resends its webhook", async ({ page }) => {
  const s = e2eState();

  // Signing in: a wrong password is refused with a clear message.
  await page.goto("/admin/payments");
  await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin%2Fpayments/);
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toHaveText("Wrong e-mail or password.");
  await page.getByLabel("E-mail").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The owner's second factor: a code from the authenticator app (docs/decisions/0019-two-factor.md).
  await expect(page).toHaveURL(/\/admin\/two-factor\?next=%2Fadmin%2Fpayments/);
  await page.getByTestId("two-factor-code").fill(await unusedTotpCode(s.owner_totp_secret));
  await page.getByTestId("two-factor-submit").click();
  await expect(page).toHaveURL(/\/admin\/payments$/);
  await expect(page.getByTestId("admin-email")).toHaveText(ADMIN.email);

  // A project with a sandbox webhook URL (the stand-in store answers 200), then a sandbox credential.
  await page.getByRole("link", { name: "Projects", exact: true }).click();
  await page.getByLabel("Name").fill("Toko E2E");
  await page.getByLabel(/Sandbox webhook URL/).fill(`${s.storeUrl}/webhooks/astapa`);
  await page.getByLabel(/Store URL template/).fill(`${s.storeUrl}/{store_slug}`);
  await page.getByTestId("create-project").click();
  await expect(page.getByTestId("project-name")).toHaveText("Toko E2E");
  await page.getByTestId("new-sandbox-credential").click();
  const clientId = (await page.getByTestId("issued-client-id").textContent())!;
  const clientSecret = (await page.getByTestId("issued-secret").textContent())!;
  expect(clientId).toMatch(/^ast_sandbox_/);
  expect(clientSecret).toMatch(/^sk_sandbox_/);
  await expect(page.getByTestId("credentials-table")).toContainText(clientId);
  await shot(page, "project-credential");
  // Shown once: after a reload only the last four characters remain.
  await page.reload();
  await expect(page.getByTestId("credentials-table")).toContainText(`…${clientSecret.slice(-4)}`);
  await expect(page.getByText(clientSecret)).toHaveCount(0);
  await page.getByTestId("send-test-webhook-sandbox").click();
  await expect(page.getByTestId("test-webhook-result-sandbox")).toContainText("Delivered");

  // Each environment has its own endpoint and secret. A production endpoint must be public:
  // the store on loopback is refused when saved, with the reason, and nothing changes.
  await expect(page.getByTestId("send-test-webhook-production")).toBeDisabled();
  await page.getByTestId("webhook-url-production").fill(`${s.storeUrl}/webhooks/astapa`);
  await page.getByTestId("save-webhook-url-production").click();
  await expect(page.getByTestId("endpoint-production").getByRole("alert")).toContainText(
    "destination not allowed: 127.0.0.1 (loopback); this deployment sends production webhooks to public addresses only",
  );
  const revealed = async (environment: "sandbox" | "production") => {
    await page.getByTestId(`reveal-secret-${environment}`).click();
    await expect(page.getByTestId(`webhook-secret-${environment}`)).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
    return page.getByTestId(`webhook-secret-${environment}`).textContent();
  };
  expect(await revealed("sandbox")).not.toBe(await revealed("production"));
  await shot(page, "project-endpoints");
  await page.reload();
  await expect(page.getByTestId("webhook-url-production")).toHaveValue("");

  // A payment with the new credential, paid by card in the simulator.
  const orderId = uniqueOrderId("admin");
  const created = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, amount: 125000, order_id: orderId, buyer_email: "sari@example.com", item_name: "Rendang 1 kg", metadata: { store_slug: "toko-e2e" } }),
  });
  expect(created.status).toBe(201);
  await payAndSettle(orderId);

  // Find it by order id and open it.
  await page.getByRole("link", { name: "Payments", exact: true }).click();
  await page.getByTestId("payment-search").fill(orderId);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("payments-table").locator("tbody tr")).toHaveCount(1);
  await shot(page, "payments");
  await page.getByRole("link", { name: orderId }).click();
  await expect(page.getByTestId("payment-order-id")).toHaveText(orderId);
  await expect(page.getByTestId("payment-status")).toHaveText("settlement");
  await expect(page.getByTestId("timeline")).toContainText("Midtrans notification: capture — applied");

  // Reconcile: Midtrans agrees, nothing changes, and the answer is shown.
  await page.getByTestId("reconcile").click();
  await expect(page.getByTestId("reconcile-result")).toContainText("Nothing changed.");
  await expect(page.getByTestId("reconcile-result")).toContainText("unchanged");

  // Resend the webhook: delivered to the store, the attempt appears on the page.
  await page.getByTestId("resend-webhook").click();
  await expect(page.getByTestId("resend-result")).toContainText("Delivered.");
  await expect(page.getByTestId("resend-result")).toContainText("200");
  await expect(page.getByTestId("webhook-endpoint")).toHaveText(`Sandbox endpoint: ${s.storeUrl}/webhooks/astapa`);
  await expect(page.getByTestId("webhook-event")).toContainText("manual");
  await expect(page.getByTestId("timeline")).toContainText("webhook.resend by admin@astapa.test");
  await shot(page, "payment-detail");

  // The audit log has it all.
  await page.getByRole("link", { name: "Audit log" }).click();
  for (const action of ["webhook.resend", "payment.reconcile", "credential.create", "project.create", "admin.login", "admin.login_failed"]) {
    await expect(page.getByTestId("audit-table")).toContainText(action);
  }
  await shot(page, "audit");

  // Signing out ends the session.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/login$/);
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/admin\/login/);
});

test("the dashboard draws the settled-per-day chart", async ({ page }) => {
  await signIn(page);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  const chart = page.getByTestId("settled-chart");
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute("data-ready", "true");
  const box = await chart.boundingBox();
  expect(box!.width).toBeGreaterThan(200);
  expect(box!.height).toBeGreaterThan(100);
  await expect(page.getByTestId("period-today")).toContainText("paid rate");
  await expect(page.getByTestId("period-today")).toContainText(/Rp[\d.]+/);
  await shot(page, "dashboard");
});

test("bulk reconcile shows progress and a summary; the webhooks page lists deliveries in trouble", async ({ page }) => {
  const s = e2eState();
  const orderId = uniqueOrderId("bulk");
  const created = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, amount: 20000, order_id: orderId, buyer_email: "bulk@example.com" }),
  });
  expect(created.status).toBe(201);
  await signIn(page, "/admin/payments");
  await page.getByLabel("Older than").fill("0");
  await page.getByTestId("bulk-reconcile-start").click();
  const result = page.getByTestId("bulk-reconcile-result");
  await expect(result).toContainText("Done:");
  await expect(result).toContainText(/\d+ checked, \d+ changed, 0 failed/);
  await expect(page.getByRole("progressbar")).toBeVisible();
  await shot(page, "bulk-reconcile");

  await page.getByRole("link", { name: "Webhooks", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Webhook deliveries" })).toBeVisible();
  await expect(page.getByTestId("retry-all")).toBeVisible();
});

test("the console refuses cross-origin mutations and anonymous API calls", async ({ request }) => {
  const s = e2eState();
  const anon = await request.get(`${s.url}/api/trpc/payments.list?input=${encodeURIComponent("{}")}`);
  expect(anon.status()).toBe(401);
  const csv = await request.get(`${s.url}/admin/export.csv`);
  expect(csv.status()).toBe(401);
});
