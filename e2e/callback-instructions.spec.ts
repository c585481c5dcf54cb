// The callback page as a buyer on a phone meets it: how to finish a pending payment (from
// Midtrans's Get Status), a first screen that is already right after a card payment, a receipt,
// and a light page (compressed, no framework runtime). Chromium against the Midtrans simulator.
import { mkdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { expect, test, type Page } from "@playwright/test";
import { createShopPayment, e2eState, uniqueOrderId } from "./fixtures";

const STORE = "Warung Bu Sari";
const SLUG = "warung-bu-sari";
const SUCCESS_CARD = "4811 1111 1111 1114";
const DENIED_CARD = "4911 1111 1111 1113";

test.use({ viewport: { width: 390, height: 844 } });

const s = () => e2eState();
const statusBox = (page: Page) => page.locator("section[data-state]");

interface SimTransaction {
  order_id: string;
  redirect_url: string;
  expiry_time: string;
  payment: { va_numbers?: { bank: string; va_number: string }[] } | null;
}

async function simTransaction(orderId: string): Promise<SimTransaction> {
  const txs = (await (await fetch(`${s().simulatorUrl}/__sim/transactions`)).json()) as SimTransaction[];
  const tx = txs.find((t) => t.order_id.startsWith(`${orderId}~`) && t.order_id.length === orderId.length + 10);
  if (!tx) throw new Error(`no Midtrans transaction for ${orderId}`);
  return tx;
}

async function newOrder(prefix: string) {
  const created = await createShopPayment({
    amount: 75000,
    order_id: uniqueOrderId(prefix),
    buyer_email: "buyer@example.com",
    buyer_name: "John Doe",
    item_name: "Nasi Goreng Spesial",
    metadata: { store_name: STORE, store_slug: SLUG },
  });
  return { ...created, midtransId: (await simTransaction(created.order_id)).order_id };
}

/** The simulator's fault switches (server/simulator/faults.ts): here, notifications that never arrive. */
async function setFaults(body: Record<string, unknown>) {
  const res = await fetch(`${s().simulatorUrl}/__sim/faults`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

async function screenshot(page: Page, name: string) {
  mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true, animations: "disabled" });
}

const isCallbackDocument = (url: string) => new URL(url).pathname === "/purchase/callback";

/** Pays on the simulator's Snap page by card and returns the callback page's first HTML (as the server sent it). */
async function payByCardAndReadFirstHtml(page: Page, invoiceUrl: string, card: string): Promise<string> {
  await page.goto(invoiceUrl);
  await page.fill("#card-number", card);
  await page.fill("#card-expiry", "12/30");
  await page.fill("#card-cvv", "123");
  const landed = page.waitForResponse((r) => isCallbackDocument(r.url()) && r.request().resourceType() === "document");
  await page.getByRole("button", { name: "Pay with card" }).click();
  return (await landed).text();
}

const wib = (iso: string) =>
  `${new Intl.DateTimeFormat("id-ID", {
    timeZone: "Asia/Jakarta",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso))} WIB`;

test.afterEach(async () => {
  await setFaults({});
});

test("bank transfer: the page shows the bank, the VA number (copyable), the deadline in WIB and the way back to the payment page", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s().url });
  const order = await newOrder("ins-va");
  await page.goto(order.invoice_url);
  await page.selectOption("#bank", "bni");
  await page.getByRole("button", { name: "Pay with bank transfer" }).click();
  await page.waitForURL((u) => isCallbackDocument(u.href));

  const tx = await simTransaction(order.order_id);
  const va = tx.payment?.va_numbers?.[0];
  expect(va?.bank).toBe("bni");
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  await expect(page.getByRole("heading", { name: "Cara membayar" })).toBeVisible();
  await expect(page.getByTestId("va-bank")).toHaveText("BNI");
  await expect(page.getByTestId("va-number")).toHaveText(va!.va_number);
  await expect(page.getByTestId("payment-method")).toHaveText("Transfer bank (virtual account BNI)");

  // Copy: the Clipboard API holds exactly the number.
  const copy = page.getByRole("button", { name: "Salin nomor virtual account" });
  await copy.click();
  await expect(copy).toContainText("Tersalin");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(va!.va_number);

  // The deadline in WIB, with the time left counting down live.
  await expect(page.getByTestId("deadline")).toHaveText(wib(tx.expiry_time));
  await expect(page.getByTestId("deadline")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const left = page.locator("[data-time-left]");
  await expect(left).toHaveText(/^Sisa waktu (23 jam \d+ menit|1 hari)$/);
  await screenshot(page, "pending-va");

  // Back to the payment page while it still accepts payment: the Snap page answers.
  const back = page.getByRole("link", { name: "Buka lagi halaman pembayaran" });
  await expect(back).toHaveAttribute("href", order.invoice_url);
  const [snap] = await Promise.all([page.waitForResponse((r) => r.url() === order.invoice_url), back.click()]);
  expect(snap.status()).toBe(200);
  await expect(page).toHaveURL(order.invoice_url);
});

test("without JavaScript the VA number is plain selectable text and no copy button is offered", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const order = await newOrder("ins-va-nojs");
  await page.goto(order.invoice_url);
  await page.getByRole("button", { name: "Pay with bank transfer" }).click();
  await page.waitForURL((u) => isCallbackDocument(u.href));
  const va = (await simTransaction(order.order_id)).payment?.va_numbers?.[0];
  await expect(page.getByTestId("va-number")).toHaveText(va!.va_number);
  await expect(page.getByRole("button", { name: /Salin/ })).toHaveCount(0);
  await context.close();
});

test("Mandiri bill and convenience store: their codes, and the time left counts down until the deadline", async ({ page }) => {
  const bill = await newOrder("ins-bill");
  await page.clock.install();
  await page.goto(bill.invoice_url);
  await page.getByRole("button", { name: "Pay with Mandiri Bill" }).click();
  await page.waitForURL((u) => isCallbackDocument(u.href));
  const billTx = (await simTransaction(bill.order_id)).payment as { biller_code: string; bill_key: string };
  await expect(page.getByTestId("biller-code")).toHaveText(billTx.biller_code);
  await expect(page.getByTestId("bill-key")).toHaveText(billTx.bill_key);
  await expect(page.getByTestId("payment-method")).toHaveText("Mandiri Bill Payment");
  await expect(page.getByRole("button", { name: "Salin kode pembayaran" })).toBeVisible();

  // Live: a minute later the time left says so; past the deadline, no way back to the payment page.
  const left = page.locator("[data-time-left]");
  const before = await left.textContent();
  await page.clock.runFor(61_000);
  await expect(left).not.toHaveText(before!);
  await expect(left).toHaveText(/^Sisa waktu 23 jam \d+ menit$/);
  await expect(page.getByRole("link", { name: "Buka lagi halaman pembayaran" })).toBeVisible();
  await page.clock.fastForward(25 * 3600_000);
  await expect(left).toHaveText("Batas waktu sudah lewat");
  await expect(page.getByRole("link", { name: "Buka lagi halaman pembayaran" })).toBeHidden();

  const store = await newOrder("ins-cstore");
  await page.goto(store.invoice_url);
  await page.selectOption("#store", "alfamart");
  await page.getByRole("button", { name: "Pay at a convenience store" }).click();
  await page.waitForURL((u) => isCallbackDocument(u.href));
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await screenshot(page, "pending-cstore-320");
  const storeTx = (await simTransaction(store.order_id)).payment as { payment_code: string };
  await expect(page.getByTestId("cstore-name")).toHaveText("Alfamart");
  await expect(page.getByTestId("payment-code")).toHaveText(storeTx.payment_code);
  await expect(page.getByTestId("payment-method")).toHaveText("Bayar di Alfamart");
});

test("GoPay: a prominent “Lanjutkan pembayaran” back to the Snap page, which still works", async ({ page }) => {
  const order = await newOrder("ins-gopay");
  await page.goto(order.invoice_url);
  await page.getByRole("button", { name: "Pay with GoPay" }).click();
  await page.waitForURL((u) => isCallbackDocument(u.href));
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  await expect(page.getByTestId("payment-method")).toHaveText("GoPay");
  const resume = page.getByRole("link", { name: "Lanjutkan pembayaran" });
  await expect(resume).toHaveAttribute("href", order.invoice_url);
  await expect(resume).toHaveClass(/button/);
  const [snap] = await Promise.all([page.waitForResponse((r) => r.url() === order.invoice_url), resume.click()]);
  expect(snap.status()).toBe(200);
});

test("a card approval lands directly on success, with a receipt (no pending frame: the first HTML says so)", async ({ page }) => {
  // No notification ever arrives: only the page's own check with Midtrans can know.
  await setFaults({ notificationDropRate: 1 });
  const order = await newOrder("ins-card");
  const html = await payByCardAndReadFirstHtml(page, order.invoice_url, SUCCESS_CARD);
  expect(html).toContain('data-state="settlement"');
  expect(html).not.toContain("Menunggu pembayaran");
  expect(html).toContain("Bukti pembayaran");

  await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
  await page.getByRole("button", { name: "Tetap di halaman ini" }).click();
  await expect(page.getByRole("heading", { name: "Bukti pembayaran" })).toBeVisible();
  await expect(page.getByTestId("paid-at")).toHaveText(/^\w+, \d{1,2} \w+ \d{4} pukul \d\d\.\d\d WIB$/);
  await expect(page.getByTestId("payment-method")).toHaveText("Kartu kredit/debit");
  await expect(page.locator(".details .amount")).toHaveText("Rp75.000");
  await expect(page.locator(".order-id")).toHaveText(order.order_id);
  await expect(page.getByTestId("receipt-store")).toHaveText(STORE);
  await expect(page.getByTestId("purchase-id")).toHaveText(order.purchase_id);
  await screenshot(page, "receipt");

  // Printed, it is a clean receipt: the figures, no buttons.
  await expect(page.getByRole("button", { name: "Cetak bukti" })).toBeVisible();
  await page.emulateMedia({ media: "print" });
  await expect(page.locator(".actions")).toBeHidden();
  await expect(page.locator(".status-icon")).toBeHidden();
  await expect(page.getByTestId("purchase-id")).toBeVisible();
  await expect(page.getByTestId("paid-at")).toBeVisible();
  await screenshot(page, "receipt-print");
});

test("a denied card lands directly on the failure wording", async ({ page }) => {
  await setFaults({ notificationDropRate: 1 });
  const order = await newOrder("ins-deny");
  const html = await payByCardAndReadFirstHtml(page, order.invoice_url, DENIED_CARD);
  expect(html).toContain('data-state="cancel"');
  expect(html).toContain("Pembayaran tidak berhasil");
  expect(html).not.toContain("Menunggu pembayaran");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran tidak berhasil");
});

test("a partial refund: the receipt says how much came back", async ({ page }) => {
  const order = await newOrder("ins-refund");
  await payByCardAndReadFirstHtml(page, order.invoice_url, SUCCESS_CARD);
  const res = await fetch(`${s().simulatorUrl}/__sim/transactions/${encodeURIComponent(order.midtransId)}/refund`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ amount: 25000, reason: "satu barang habis" }),
  });
  expect(res.ok).toBe(true);
  await expect
    .poll(async () => ((await (await fetch(`${s().url}/api/platform/shop-payment/verify?order_id=${order.order_id}`)).json()) as { status: string }).status)
    .toBe("refund");
  await page.goto(`/purchase/callback?order_id=${encodeURIComponent(order.midtransId)}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sebagian pembayaran dikembalikan");
  await expect(page.locator(".lead")).toHaveText("Sebagian dana pesanan ini, Rp25.000 dari Rp75.000, sudah dikembalikan kepada Anda.");
  await expect(page.getByTestId("refunded-amount")).toHaveText("Rp25.000");
  await expect(page.getByTestId("payment-method")).toHaveText("Kartu kredit/debit");
  await expect(page.getByTestId("paid-at")).toContainText("WIB");
  await expect(page.getByTestId("purchase-id")).toHaveText(order.purchase_id);
});

/** One GET with raw bytes (no decompression): status, headers and the body's length on the wire. */
function rawGet(path: string, acceptEncoding: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${s().url}${path}`, { headers: { "accept-encoding": acceptEncoding } }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("HTML and static assets are served compressed when asked (br, else gzip), with the immutable caching kept", async ({ page }) => {
  const order = await newOrder("ins-gzip");
  const pagePath = `/purchase/callback?order_id=${encodeURIComponent(order.midtransId)}`;
  // The console loads Remix's JavaScript; the callback page none at all.
  await page.goto("/admin/login");
  // A shared chunk (React and Remix: well over the 1 KB below which bodies are sent as they are).
  const script = await page.locator('link[rel="modulepreload"][href^="/build/_shared/"]').first().getAttribute("href");
  const stylesheet = await page.locator('link[rel="stylesheet"][href^="/build/"]').first().getAttribute("href");
  for (const path of [pagePath, script!, stylesheet!]) {
    const plain = await rawGet(path, "identity");
    const br = await rawGet(path, "br, gzip");
    const gzip = await rawGet(path, "gzip");
    expect(plain.status, path).toBe(200);
    expect(plain.headers["content-encoding"], path).toBeUndefined();
    expect(br.headers["content-encoding"], path).toBe("br");
    expect(gzip.headers["content-encoding"], path).toBe("gzip");
    expect(br.headers.vary, path).toMatch(/Accept-Encoding/i);
    expect(br.bytes, path).toBeLessThan(plain.bytes * 0.6);
    expect(gzip.bytes, path).toBeLessThan(plain.bytes * 0.6);
    if (path.startsWith("/build/")) expect(br.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
  }

  // The callback page itself loads no JavaScript file: its script is inline.
  const scripts: string[] = [];
  page.on("request", (r) => r.resourceType() === "script" && scripts.push(r.url()));
  await page.goto(pagePath);
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  expect(scripts).toEqual([]);
  expect(await page.locator("script[src]").count()).toBe(0);
});
