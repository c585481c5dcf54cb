import { expect, test, type Page } from "@playwright/test";
import { e2eState, signIn as signInWithCode } from "./fixtures";
import type { AttentionSeed } from "./attention-seed";

// e2e/server.ts creates this admin and, with e2e/attention-seed.ts, a stale pending payment and a
// project whose sandbox webhook endpoint refuses connections.
const seed = () => (e2eState() as unknown as { attention: AttentionSeed }).attention;
const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/screenshots/attention-${name}.png`, fullPage: true });

const signIn = (page: Page, next: string) => signInWithCode(page, { next });

test("the dashboard's attention panel shows a stale pending payment and a failing endpoint, and links to them", async ({ page }) => {
  const a = seed();
  await signIn(page, "/admin?environment=sandbox");
  const panel = page.getByTestId("attention-panel");
  await expect(panel).toBeVisible();

  // The failing endpoint appears once the delivery worker has tried it: reload until then.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("attention-endpoints").getByTestId("attention-endpoint")).toContainText(a.failingProjectName, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await shot(page, "dashboard");

  // Stale pending: a count, and a link to exactly the list it counts.
  const stale = page.getByTestId("attention-stale_pending");
  const count = Number((await stale.getByTestId("attention-count").textContent())?.replace(/\D/g, ""));
  expect(count).toBeGreaterThanOrEqual(1);
  await stale.getByRole("link", { name: "Stale pending payments" }).click();
  await expect(page).toHaveURL(/\/admin\/payments\?.*attention=stale_pending/);
  await expect(page).toHaveURL(/environment=sandbox/);
  await expect(page.getByTestId("attention-filter")).toContainText("Stale pending payments");
  const table = page.getByTestId("payments-table");
  await expect(table).toContainText(a.staleOrderId);
  // Every row is a stale payment (the count and the list share one condition: dashboard.integration.test.ts).
  await expect(table.locator("tbody tr")).not.toHaveCount(0);
  await shot(page, "stale-list");

  // The failing endpoint links to its project, where it can be fixed (or re-enabled).
  await page.goto("/admin?environment=sandbox");
  await page.getByTestId("attention-endpoints").getByRole("link", { name: `${a.failingProjectName} · sandbox` }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/projects/${a.failingProjectId}$`));
  await expect(page.getByTestId("project-name")).toHaveText(a.failingProjectName);

  // Production (the default) has neither: both were made in sandbox.
  await page.goto("/admin");
  await expect(page.getByTestId("attention-endpoints")).not.toContainText(a.failingProjectName);
  // An unknown environment is named, not silently ignored.
  await page.goto("/admin?environment=prod");
  await expect(page.getByTestId("dashboard-error")).toContainText("Unknown environment “prod”");
});

test("partial search finds a payment by a fragment of the buyer's name and of the item, and the list shows its method", async ({ page }) => {
  const a = seed();
  await signIn(page, "/admin/payments");
  const search = page.getByTestId("payment-search");
  const table = page.getByTestId("payments-table");

  await search.fill("kusumaw");
  await search.press("Enter");
  await expect(page).toHaveURL(/q=kusumaw/);
  await expect(table).toContainText(a.staleOrderId);
  await expect(table).toContainText(a.staleBuyerName);

  await search.fill("BALADO");
  await search.press("Enter");
  await expect(page).toHaveURL(/q=BALADO/);
  await expect(table).toContainText(a.staleOrderId);
  await expect(table).toContainText(a.staleItemName);
  await expect(table.getByRole("columnheader", { name: "Method" })).toBeVisible();
  await shot(page, "partial-search");

  // An invalid date is refused with a message naming it (not "No payments match").
  await page.goto("/admin/payments?createdFrom=2026-02-30");
  await expect(page.getByTestId("filter-error")).toContainText("createdFrom");
});
