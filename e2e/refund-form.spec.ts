import { expect, test, type Page } from "@playwright/test";
import { createShopPayment, e2eState, payAndSettle, signIn as signInWithCode, uniqueOrderId } from "./fixtures";

// The console's refund form (app/components/admin/PaymentActions.tsx, docs/api.md#console-refunds):
// one submission is one refund, however often the button is clicked or Enter pressed, and the
// form empties after a success.

// e2e/server.ts creates this owner with ensureFirstAdmin and enrols it in two-factor sign-in.

/** Password, then a TOTP code: the owner has two-factor sign-in (e2e/fixtures.ts). */
const signIn = (page: Page) => signInWithCode(page);

/** A card payment of 75 000, paid at the simulator and settled at the platform. */
async function settledPayment(): Promise<{ orderId: string; purchaseId: string; midtransOrderId: string }> {
  const orderId = uniqueOrderId("refund-form");
  const created = await createShopPayment({ amount: 75000, order_id: orderId, buyer_email: "sari@example.com", item_name: "Kopi Gayo 250 g" });
  const midtransOrderId = await payAndSettle(orderId);
  return { orderId, purchaseId: created.purchase_id, midtransOrderId };
}

/** The refunds Midtrans (the simulator) received for the transaction. */
async function refundsAtMidtrans(midtransOrderId: string): Promise<{ refund_amount: number | string }[]> {
  const tx = (await (await fetch(`${e2eState().simulatorUrl}/__sim/transactions/${encodeURIComponent(midtransOrderId)}`)).json()) as { refunds?: { refund_amount: number | string }[] };
  return tx.refunds ?? [];
}

test("the refund form cannot double-submit", async ({ page }) => {
  const p = await settledPayment();
  await signIn(page);
  // The browser's confirmation ("Refund Rp30.000 through Midtrans?") is accepted each time it is asked.
  const confirmations: string[] = [];
  page.on("dialog", (d) => {
    confirmations.push(d.message());
    void d.accept();
  });
  await page.goto(`/admin/payments/${p.purchaseId}`);
  await expect(page.getByTestId("payment-status")).toHaveText("settlement");

  // A double click on "Refund": one refund.
  await page.getByTestId("refund-amount").fill("30000");
  await page.getByTestId("refund-reason").fill("barang habis");
  await page.getByTestId("refund-submit").dblclick();
  await expect(page.getByTestId("refund-result")).toContainText("Midtrans accepted the refund of Rp30.000");
  await expect(page.getByTestId("payment-status")).toHaveText("refund");
  // The form is empty again (nothing invites a second refund of the same thing).
  await expect(page.getByTestId("refund-amount")).toHaveValue("");
  await expect(page.getByTestId("refund-reason")).toHaveValue("");
  await expect.poll(() => refundsAtMidtrans(p.midtransOrderId)).toHaveLength(1);
  expect(confirmations).toHaveLength(1);

  // Enter pressed twice in the reason field: one more refund (a new submission), not two.
  await page.getByTestId("refund-amount").fill("5000");
  await page.getByTestId("refund-reason").fill("ongkir dikembalikan");
  await page.getByTestId("refund-reason").press("Enter");
  await page.getByTestId("refund-reason").press("Enter");
  await expect(page.getByTestId("refund-result")).toContainText("Midtrans accepted the refund of Rp5.000");
  await expect(page.getByTestId("refund-result")).toContainText("refunded Rp35.000 in total");
  await expect(page.getByTestId("refund-reason")).toHaveValue("");

  // The page after a reload: two refunds, Rp35.000, two audited refund actions.
  await page.reload();
  await expect(page.getByRole("term").filter({ hasText: /^Refunded$/ }).locator("xpath=following-sibling::dd")).toHaveText("Rp35.000");
  await expect(page.locator("section[aria-labelledby='audit'] li").filter({ hasText: "payment.refund" })).toHaveCount(2);
  expect((await refundsAtMidtrans(p.midtransOrderId)).map((r) => Number(r.refund_amount))).toEqual([30000, 5000]);
});
