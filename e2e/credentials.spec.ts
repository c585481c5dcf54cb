import { expect, test } from "@playwright/test";
import { e2eState, signIn } from "./fixtures";

// Rotating a client secret with an overlap, and "Last used" (docs/decisions/0020-credential-overlap.md).
// Signed in as the owner e2e/server.ts creates (e2e/fixtures.ts signIn: password and TOTP code).

test("an operator rotates a credential with a 24 h overlap: the old secret keeps working and its last use is shown", async ({ page }) => {
  const s = e2eState();
  await signIn(page, { next: "/admin/projects" });

  // A project of its own, with a sandbox credential (the secret is shown once).
  await page.getByLabel("Name").fill("Toko Rotasi");
  await page.getByTestId("create-project").click();
  await expect(page.getByTestId("project-name")).toHaveText("Toko Rotasi");
  await page.getByTestId("new-sandbox-credential").click();
  const oldId = (await page.getByTestId("issued-client-id").textContent())!;
  const oldSecret = (await page.getByTestId("issued-secret").textContent())!;
  await page.getByRole("button", { name: "I have saved it" }).click();
  const row = (clientId: string) => page.locator(`[data-testid="credential-row"][data-client-id="${clientId}"]`);
  await expect(row(oldId).getByTestId("credential-last-used")).toHaveText("never");
  await expect(row(oldId).getByTestId("credential-state")).toHaveText("active");

  // Rotate: the dialog offers the overlaps, 24 hours chosen by default.
  await page.getByTestId(`rotate-${oldId}`).click();
  const dialog = page.getByRole("dialog", { name: `Rotate ${oldId}` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("radio", { name: "24 hours (default)" })).toBeChecked();
  await expect(dialog.getByRole("radio")).toHaveCount(4);
  await page.screenshot({ path: "test-results/screenshots/credentials-rotate-dialog.png" });
  await dialog.getByTestId("rotate-confirm").click();
  await expect(dialog).toBeHidden();
  const newId = (await page.getByTestId("issued-client-id").textContent())!;
  expect(newId).toMatch(/^ast_sandbox_/);
  expect(newId).not.toBe(oldId);
  await expect(page.getByTestId("rotated-previous")).toContainText(`The previous credential ${oldId} keeps working until`);

  // Both are listed: the new one active, the old one expiring in a day (WIB time shown).
  await expect(row(newId).getByTestId("credential-state")).toHaveText("active");
  await expect(row(oldId).getByTestId("credential-state")).toHaveText(/^expires in 23 h 5\d min \(\d{4}-\d{2}-\d{2} \d{2}:\d{2} WIB\)$/);
  await expect(row(oldId).getByRole("button", { name: "Rotate" })).toHaveCount(0);
  await expect(row(oldId).getByRole("button", { name: "Revoke" })).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/credentials-rotation.png", fullPage: true });

  // The merchant has not deployed the new secret yet: a call with the old one still succeeds.
  const answer = await fetch(`${s.url}/api/platform/items`, { headers: { authorization: `Basic ${Buffer.from(`${oldId}:${oldSecret}`).toString("base64")}` } });
  expect(answer.status).toBe(200);

  // Its use is written off the request path within seconds; the console then shows it.
  await expect(async () => {
    await page.reload();
    await expect(row(oldId).getByTestId("credential-last-used")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} WIB$/, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(row(newId).getByTestId("credential-last-used")).toHaveText("never");
});
