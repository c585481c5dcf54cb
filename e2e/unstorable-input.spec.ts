import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

// The console's pages refuse what PostgreSQL cannot store (a NUL, an impossible or out-of-range
// date: docs/api.md#limits-on-text-json-and-dates) with a 400 or the page's own "invalid filters"
// note, never a 500: every page reads through the same procedures as /api/trpc, and the sign-in
// form checks its fields first (server/remix/admin.ts).

test("the sign-in form answers 400 to a NUL in the e-mail, and still signs in afterwards", async ({ page, request }) => {
  await page.goto("/admin/login");
  const origin = new URL(page.url()).origin;
  const r = await request.post("/admin/login", { form: { email: "admin@astapa.test\u0000", password: "x" }, headers: { origin }, maxRedirects: 0 });
  expect(r.status()).toBe(400);
  await signIn(page);
});

test("payment list, CSV export, payment detail and audit log refuse a NUL and impossible dates without a 500", async ({ page }) => {
  await signIn(page);

  // The list: the filters note naming the field, not the error page.
  for (const [q, field] of [
    ["createdFrom=9999-99-99", "createdFrom"],
    ["createdTo=2026-02-30", "createdTo"],
    ["createdFrom=1999-12-31", "createdFrom"],
    ["q=ord%00", "q"],
  ]) {
    const res = await page.goto(`/admin/payments?${q}`);
    expect(res?.status(), q).toBe(200);
    await expect(page.getByText(/^Invalid filter: /), q).toContainText(field);
  }
  // The export link of such a page: 400 JSON, before any CSV header.
  for (const q of ["createdFrom=9999-99-99", "q=%00"]) {
    const csv = await page.request.get(`/admin/export.csv?${q}`);
    expect(csv.status(), q).toBe(400);
    expect((await csv.json()).error.code).toBe("validation_failed");
  }
  // A payment by an id with a NUL, the audit log filtered by one: 400, not 500.
  expect((await page.goto("/admin/payments/ord%00"))?.status()).toBe(400);
  for (const field of ["action", "targetId", "adminEmail"]) {
    expect((await page.goto(`/admin/audit?${field}=x%00`))?.status(), field).toBe(400);
  }
  // And the pages still work.
  expect((await page.goto("/admin/audit?action=admin.login"))?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
});
