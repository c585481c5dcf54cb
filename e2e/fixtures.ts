import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { generate } from "otplib";

export interface E2EState {
  url: string;
  simulatorUrl: string;
  storeUrl: string;
  /** The demo store's page (server/demo-store), as `npm start` serves it. */
  demoStoreUrl: string;
  project_id: string;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
  /** The TOTP secret of the seeded owner admin@astapa.test (e2e/server.ts enrols it). */
  owner_totp_secret: string;
}

/** What e2e/server.ts wrote for this run. */
export function e2eState(): E2EState {
  const port = Number(process.env.E2E_PORT ?? 4173);
  return JSON.parse(readFileSync(path.resolve(`e2e/.state/state-${port}.json`), "utf8"));
}

let seq = 0;
export const uniqueOrderId = (prefix = "e2e") => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Creates a shop payment exactly as the example in docs/api.md does (host changed). */
export async function createShopPayment(body: Record<string, unknown>) {
  const s = e2eState();
  const res = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, ...body }),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { invoice_url: string; order_id: string; purchase_id: string };
}

/**
 * Pays `orderId` by card at the simulator (found by the Midtrans order id Astapa derived from it,
 * docs/decisions/0004-midtrans-order-ids.md) and waits until the platform shows it settled.
 * Answers the Midtrans order id.
 */
export async function payAndSettle(orderId: string): Promise<string> {
  const s = e2eState();
  const simulated = (await (await fetch(`${s.simulatorUrl}/__sim/transactions`)).json()) as { order_id: string }[];
  const midtransOrderId = simulated.map((tx) => tx.order_id).find((id) => id === orderId || id.startsWith(`${orderId}~`));
  if (!midtransOrderId) throw new Error(`the simulator has no transaction for ${orderId}`);
  const paid = await fetch(`${s.simulatorUrl}/__sim/transactions/${encodeURIComponent(midtransOrderId)}/pay`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "credit_card", cardNumber: "4811111111111114", cvv: "123" }),
  });
  expect(paid.status).toBe(200);
  await expect.poll(async () => (await (await fetch(`${s.url}/api/platform/shop-payment/verify?order_id=${orderId}`)).json()).status).toBe("settlement");
  return midtransOrderId;
}

// ── Signing in to the console: password, then a TOTP code (docs/decisions/0019-two-factor.md) ──

/** The owner e2e/server.ts creates (ensureFirstAdmin) and enrols in two-factor sign-in. */
export const OWNER = { email: "admin@astapa.test", password: "correct horse battery staple" };

const TOTP_PERIOD = 30;
const currentStep = () => Math.floor(Date.now() / 1000 / TOTP_PERIOD);
const stepFile = (secret: string) => path.resolve(`e2e/.state/totp-${process.env.E2E_PORT ?? 4173}-${secret.slice(0, 8)}.json`);

/**
 * A TOTP code for `secret` that the server has not accepted yet. A code is accepted once, and
 * never one of an older step (the replay rule); the server allows ±1 step of drift. So each
 * sign-in takes the step after the last one this run used (kept in e2e/.state, which
 * e2e/server.ts clears for each run), and when that step is more than one ahead of the clock, it
 * waits for the clock to get there.
 */
export async function unusedTotpCode(secret: string): Promise<string> {
  let last = Number.NEGATIVE_INFINITY;
  try {
    last = JSON.parse(readFileSync(stepFile(secret), "utf8")).lastStep;
  } catch {
    // No sign-in with this secret yet in this run.
  }
  const target = Math.max(last + 1, currentStep());
  if (target - 1 > currentStep()) {
    test.info().setTimeout(test.info().timeout + 2 * TOTP_PERIOD * 1000);
    await expect.poll(currentStep, { timeout: 2 * TOTP_PERIOD * 1000, intervals: [500] }).toBeGreaterThanOrEqual(target - 1);
  }
  writeFileSync(stepFile(secret), JSON.stringify({ lastStep: target }));
  return generate({ secret, epoch: target * TOTP_PERIOD, period: TOTP_PERIOD });
}

/**
 * Signs in through the console's pages: the password form, then (for someone with two-factor
 * sign-in) the code page. `next`: open that page first and be sent to the sign-in form by it.
 */
export async function signIn(page: Page, opts: { who?: { email: string; password: string; totpSecret?: string }; next?: string } = {}) {
  const who = opts.who ?? { ...OWNER, totpSecret: e2eState().owner_totp_secret };
  if (opts.next) {
    await page.goto(opts.next);
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
  } else {
    await page.goto("/admin/login");
  }
  await page.getByLabel("E-mail").fill(who.email);
  await page.getByLabel("Password", { exact: true }).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (who.totpSecret) {
    await expect(page).toHaveURL(/\/admin\/two-factor\?/);
    await page.getByTestId("two-factor-code").fill(await unusedTotpCode(who.totpSecret));
    await page.getByTestId("two-factor-submit").click();
  }
  await expect(page.getByTestId("admin-email")).toHaveText(who.email);
}
