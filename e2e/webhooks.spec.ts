import { expect, test, type Page } from "@playwright/test";
import { e2eState, payAndSettle, signIn as signInWithCode, uniqueOrderId } from "./fixtures";
import type { AttentionSeed } from "./attention-seed";

// The console's Webhooks page (docs/api.md#console-webhooks): every event with its deliveries, test
// webhooks included, filtered by state, type, project and environment in the URL.
// e2e/server.ts creates the owner, runs the delivery worker, and (e2e/attention-seed.ts) a
// project whose sandbox endpoint refuses connections.
const seed = () => (e2eState() as unknown as { attention: AttentionSeed }).attention;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/webhooks-${name}.png`, fullPage: true });

/** Password, then a TOTP code: the owner has two-factor sign-in (e2e/fixtures.ts). */
const signIn = (page: Page, next: string) => signInWithCode(page, { next });

/** A sandbox payment of the credential, paid by card in the simulator, settled at Astapa. */
async function paidPayment(credential: { clientId: string; clientSecret: string }): Promise<string> {
  const s = e2eState();
  const orderId = uniqueOrderId("hook");
  const created = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: credential.clientId,
      client_secret: credential.clientSecret,
      amount: 30000,
      order_id: orderId,
      buyer_email: "hook@example.com",
    }),
  });
  expect(created.status).toBe(201);
  await payAndSettle(orderId);
  return orderId;
}

test("the webhooks page lists a delivered event, a failing one and a test webhook; filters to failing; shows an event's attempts", async ({ page }) => {
  const s = e2eState();
  await signIn(page, "/admin/projects");

  // A project whose sandbox endpoint is the stand-in store (answers 200), a credential, and a test webhook.
  await page.getByLabel("Name").fill("Toko Webhook Lengkap");
  await page.getByLabel(/Sandbox webhook URL/).fill(`${s.storeUrl}/webhooks/astapa`);
  await page.getByTestId("create-project").click();
  await expect(page.getByTestId("project-name")).toHaveText("Toko Webhook Lengkap");
  const projectId = new URL(page.url()).pathname.split("/").pop() as string;
  await page.getByTestId("new-sandbox-credential").click();
  const credential = {
    clientId: (await page.getByTestId("issued-client-id").textContent()) ?? "",
    clientSecret: (await page.getByTestId("issued-secret").textContent()) ?? "",
  };
  await page.getByTestId("send-test-webhook-sandbox").click();
  await expect(page.getByTestId("test-webhook-result-sandbox")).toContainText("Delivered");

  // A paid payment: the delivery worker delivers its item.purchased to the store.
  const deliveredOrder = await paidPayment(credential);
  const view = `/admin/webhooks?projectId=${projectId}`;
  await expect(async () => {
    await page.goto(view);
    await expect(page.getByTestId("webhook-row").filter({ hasText: deliveredOrder })).toHaveAttribute("data-state", "delivered", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // The endpoint then refuses connections (port 9 on loopback): the next payment's event fails and is retried later.
  await page.goto(`/admin/projects/${projectId}`);
  await page.getByTestId("webhook-url-sandbox").fill("http://127.0.0.1:9/webhooks");
  await page.getByTestId("save-webhook-url-sandbox").click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const failingOrder = await paidPayment(credential);
  await expect(async () => {
    await page.goto(view);
    await expect(page.getByTestId("webhook-row").filter({ hasText: failingOrder })).toHaveAttribute("data-state", "failing", { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // All of them under "All": two events and the test webhook, each with its state, counted in the tabs.
  const rows = page.getByTestId("webhook-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: deliveredOrder })).toContainText("HTTP 200");
  await expect(rows.filter({ hasText: "webhook.test" })).toHaveAttribute("data-state", "test");
  await expect(page.getByTestId("state-all")).toHaveText("All (3)");
  await expect(page.getByTestId("state-failing")).toHaveText("Failing (1)");
  await shot(page, "all");

  // The Failing tab: the URL says so (a shareable view), and only the failing event is listed.
  await page.getByTestId("state-failing").click();
  await expect(page).toHaveURL(/state=failing/);
  await expect(page).toHaveURL(new RegExp(`projectId=${projectId}`));
  await expect(page.getByTestId("state-failing")).toHaveAttribute("aria-current", "page");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(failingOrder);
  await expect(page.getByTestId("retry-all")).toContainText("Retry all (1)");

  // Its page: every attempt, with the URL and the error; and a resend button.
  await rows.first().getByTestId("webhook-event-link").click();
  await expect(page).toHaveURL(/\/admin\/webhooks\/msg_/);
  await expect(page.getByTestId("webhook-state")).toHaveText("failing");
  const attempts = page.getByTestId("webhook-attempt");
  await expect(attempts.first()).toContainText("scheduled");
  await expect(attempts.first()).toContainText("http://127.0.0.1:9/webhooks");
  await expect(page.getByTestId("resend-event")).toBeVisible();
  await shot(page, "event");

  // The event type filter and an invalid filter, named.
  await page.goto(`${view}&eventType=webhook.test`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-state", "test");
  await page.goto(`${view}&state=broken`);
  await expect(page.getByTestId("filter-error")).toContainText("state must be one of");
  await expect(page.getByTestId("webhooks-table")).toHaveCount(0);
});

test("the attention panel's failing endpoint links to its failing deliveries", async ({ page }) => {
  const a = seed();
  await signIn(page, "/admin?environment=sandbox");
  // The endpoint shows as failing once the delivery worker has tried it: reload until then.
  const endpoint = page.getByTestId("attention-endpoint").filter({ hasText: a.failingProjectName });
  await expect(async () => {
    await page.reload();
    await expect(endpoint).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await endpoint.getByTestId("attention-endpoint-deliveries").click();
  await expect(page).toHaveURL(/\/admin\/webhooks\?/);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toEqual({ projectId: a.failingProjectId, environment: "sandbox", state: "failing" });
  await expect(page.getByTestId("state-failing")).toHaveAttribute("aria-current", "page");
  const rows = page.getByTestId("webhook-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-state", "failing");
  await expect(rows.first()).toContainText(a.failingProjectName);
  await shot(page, "from-attention");
});
