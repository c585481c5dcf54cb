// The buyer's callback page (/purchase/callback), in Chromium against the Midtrans simulator.
import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { createShopPayment, e2eState, uniqueOrderId } from "./fixtures";

type Status = "pending" | "settlement" | "cancel" | "expire" | "refund";

const STORE = "Warung Bu Sari";
const SLUG = "warung-bu-sari";
const SHOTS = "test-results/screenshots";

test.use({ viewport: { width: 390, height: 844 } });

const s = () => e2eState();
const callbackPath = (orderId: string) => `/purchase/callback?order_id=${encodeURIComponent(orderId)}`;
const statusBox = (page: Page) => page.locator("[data-state]");
const returnLink = (page: Page) => page.getByRole("link", { name: "Kembali ke toko" });

async function newOrder(prefix: string, metadata: Record<string, unknown> = { store_name: STORE, store_slug: SLUG }, item_name = "Nasi Goreng Spesial") {
  const { order_id, invoice_url } = await createShopPayment({
    amount: 75000,
    order_id: uniqueOrderId(prefix),
    buyer_email: "buyer@example.com",
    buyer_name: "John Doe",
    item_name,
    metadata,
  });
  return { orderId: order_id, midtransId: await midtransIdOf(order_id), invoiceUrl: invoice_url };
}

/**
 * The order id Midtrans (the simulator) knows the payment by: the merchant's + `~` + 9 random
 * characters (docs/decisions/0004-midtrans-order-ids.md). Snap sends the buyer back with it.
 */
async function midtransIdOf(orderId: string): Promise<string> {
  const txs = (await (await fetch(`${s().simulatorUrl}/__sim/transactions`)).json()) as { order_id: string }[];
  const id = txs.map((tx) => tx.order_id).find((x) => x.startsWith(`${orderId}~`) && x.length === orderId.length + 10);
  if (!id) throw new Error(`no Midtrans transaction for ${orderId}`);
  return id;
}

/** The simulator's control API: POST /__sim/transactions/:order_id/:action (Midtrans's order id). */
async function sim(orderId: string, action: string, body: unknown = {}) {
  const res = await fetch(`${s().simulatorUrl}/__sim/transactions/${encodeURIComponent(orderId)}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`simulator ${action} ${orderId}: ${res.status} ${await res.text()}`);
}
const payByCard = (orderId: string) => sim(orderId, "pay", { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
const payByBankTransfer = (orderId: string) => sim(orderId, "pay", { type: "bank_transfer", bank: "bca" });

async function verify(orderId: string) {
  const res = await fetch(`${s().url}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(orderId)}`);
  return (await res.json()) as { status: Status; redirect_url: string | null };
}
/** The notification reaches the platform asynchronously: wait until verify agrees. */
async function platformSees(orderId: string, status: Status) {
  await expect.poll(async () => (await verify(orderId)).status, { message: `${orderId} → ${status}` }).toBe(status);
}

/** An order driven to `status` through the simulator, as the platform knows it. */
async function orderIn(status: Status, prefix: string = status, metadata?: Record<string, unknown>) {
  const order = await newOrder(prefix, metadata);
  if (status === "settlement" || status === "refund") await payByCard(order.midtransId);
  else await payByBankTransfer(order.midtransId);
  if (status === "cancel" || status === "expire" || status === "refund") {
    await platformSees(order.orderId, status === "refund" ? "settlement" : "pending");
    await sim(order.midtransId, status);
  }
  await platformSees(order.orderId, status);
  return order;
}

async function screenshot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, animations: "disabled" });
}

/** Counts requests to the public verify endpoint (the page's polling). */
function countVerifyRequests(page: Page) {
  const counter = { n: 0 };
  page.on("request", (r) => {
    if (r.url().includes("/api/platform/shop-payment/verify")) counter.n++;
  });
  return counter;
}

test("card payment: success, a 5 s countdown, then the buyer lands on the store", async ({ page }) => {
  const { orderId, midtransId, invoiceUrl } = await newOrder("cb-card");
  await page.goto(invoiceUrl);
  await page.fill("#card-number", "4811 1111 1111 1114");
  await page.fill("#card-expiry", "12/30");
  await page.fill("#card-cvv", "123");
  await page.getByRole("button", { name: "Pay with card" }).click();
  // Snap sends the buyer back with the id Midtrans knows; the page shows the merchant's.
  await page.waitForURL((u) => u.pathname === "/purchase/callback" && u.searchParams.get("order_id") === midtransId);

  // Possibly pending for a moment (the notification is asynchronous), then success by polling.
  await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
  await expect(page.locator(".order-id")).toHaveText(orderId);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran berhasil");
  await expect(page).toHaveTitle(`Pembayaran berhasil — ${STORE}`);
  await expect(statusBox(page)).toHaveAttribute("data-polling", "false");
  await expect(page.locator(".amount")).toHaveText("Rp75.000");
  await expect(returnLink(page)).toHaveAttribute("href", `${s().storeUrl}/${SLUG}`);
  const countdown = page.getByTestId("countdown");
  await expect(countdown).toContainText(/Kembali ke toko dalam [1-5] detik…/);
  const seenAt = Date.now();

  await page.waitForURL(`${s().storeUrl}/${SLUG}`, { timeout: 15_000 });
  expect(Date.now() - seenAt).toBeGreaterThan(2_500); // a visible countdown, not an instant jump
  await expect(page.locator("#store")).toHaveText(`Toko ${SLUG}`);
});

test("bank transfer: pending, then approved in the simulator dashboard; the open page turns to success without a reload", async ({
  page,
  context,
}) => {
  const { orderId, midtransId, invoiceUrl } = await newOrder("cb-bank");
  // Hydration mismatches and script errors would show here (React logs them as errors).
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(invoiceUrl);
  await page.getByRole("button", { name: "Pay with bank transfer" }).click();
  await page.waitForURL((u) => u.pathname === "/purchase/callback" && u.searchParams.get("transaction_status") === "pending");

  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  await expect(statusBox(page)).toHaveAttribute("data-polling", "true");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Menunggu pembayaran");
  await expect(page.getByText("Memeriksa status pembayaran…")).toBeVisible();
  await expect(page).toHaveTitle(`Menunggu pembayaran — ${STORE}`);
  // While polling there is no way out yet, and the no-JS refresh is inert text inside <noscript>.
  await expect(returnLink(page)).toHaveCount(0);
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  expect(await page.locator("noscript").evaluate((n) => n.textContent)).toContain('http-equiv="refresh"');

  await expect(page.locator(".order-id")).toHaveText(orderId);
  // The page polls by the Midtrans order id: it names this payment whoever else uses the merchant's.
  const polled: string[] = [];
  page.on("request", (r) => r.url().includes("/api/platform/shop-payment/verify") && polled.push(new URL(r.url()).searchParams.get("order_id")!));

  await page.evaluate(() => ((window as unknown as { __marker: string }).__marker = "still-here"));
  let documentLoads = 0;
  page.on("request", (r) => r.resourceType() === "document" && documentLoads++);

  const dashboard = await context.newPage();
  await dashboard.goto(`${s().simulatorUrl}/dashboard`);
  await dashboard.locator(`tr[data-order-id="${midtransId}"]`).getByRole("button", { name: /^Approve/ }).click();
  await expect(dashboard.getByRole("status")).toContainText(`${midtransId}: approve done`);
  await platformSees(orderId, "settlement");

  // Within one polling interval (3 s) of the platform knowing, plus the request itself.
  await expect(statusBox(page)).toHaveAttribute("data-state", "settlement", { timeout: 4_500 });
  expect(await page.evaluate(() => (window as unknown as { __marker?: string }).__marker)).toBe("still-here");
  expect(documentLoads).toBe(0);
  expect(polled.length).toBeGreaterThan(0);
  expect(new Set(polled)).toEqual(new Set([midtransId]));
  await expect(statusBox(page)).toHaveAttribute("data-polling", "false");
  await expect(page.locator('[aria-live="polite"]')).toContainText("Pembayaran berhasil");
  await expect(page).toHaveTitle(`Pembayaran berhasil — ${STORE}`);
  await expect(page.getByTestId("countdown")).toBeVisible();
  expect(errors).toEqual([]);
});

test("polling stops after 60 s with “Cek lagi”, which checks at once and polls for another window", async ({ page }) => {
  const { orderId, midtransId } = await orderIn("pending", "cb-timeout");
  const requests = countVerifyRequests(page);
  await page.clock.install();
  await page.goto(callbackPath(orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");

  // Run the page's clock forward, 3 s at a time, until the 60 s window is over.
  await expect
    .poll(
      async () => {
        await page.clock.runFor(3_000);
        return statusBox(page).getAttribute("data-polling");
      },
      { timeout: 30_000 },
    )
    .toBe("false");
  expect(requests.n).toBeGreaterThanOrEqual(1);
  expect(requests.n).toBeLessThanOrEqual(20);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran masih menunggu");
  await expect(page.getByRole("button", { name: "Cek lagi" })).toBeVisible();
  await expect(returnLink(page)).toBeVisible(); // offered, never followed on its own
  await expect(page.getByTestId("countdown")).toHaveCount(0);
  await screenshot(page, "pending-timeout");

  // Nothing more is asked once the window is over.
  const afterWindow = requests.n;
  await page.clock.runFor(120_000);
  await page.evaluate(() => 0);
  expect(requests.n).toBe(afterWindow);
  expect(new URL(page.url()).pathname).toBe("/purchase/callback");

  await page.getByRole("button", { name: "Cek lagi" }).click();
  await expect(statusBox(page)).toHaveAttribute("data-polling", "true");
  await expect.poll(() => requests.n).toBe(afterWindow + 1); // immediately, not after 3 s
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Menunggu pembayaran");
  await expect(page.getByRole("heading", { level: 1 })).toBeFocused();

  await sim(midtransId, "approve");
  await platformSees(orderId, "settlement");
  await expect
    .poll(
      async () => {
        await page.clock.runFor(1_000);
        return statusBox(page).getAttribute("data-state");
      },
      { timeout: 15_000 },
    )
    .toBe("settlement");
});

test("expired and cancelled/denied payments each have their own wording, and no automatic redirect", async ({ page }) => {
  // Expire while the page is open: polling brings the change in.
  const expiring = await orderIn("pending", "cb-expire");
  await page.clock.install();
  await page.goto(callbackPath(expiring.orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  await sim(expiring.midtransId, "expire");
  await expect(statusBox(page)).toHaveAttribute("data-state", "expire");
  await expect(statusBox(page)).toHaveAttribute("data-polling", "false");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Waktu pembayaran habis");
  await expect(page.getByText("Batas waktu untuk membayar pesanan ini sudah lewat")).toBeVisible();
  await expect(page).toHaveTitle(`Waktu pembayaran habis — ${STORE}`);
  await expect(returnLink(page)).toHaveAttribute("href", `${s().storeUrl}/${SLUG}`);
  await page.clock.runFor(15_000);
  expect(new URL(page.url()).pathname).toBe("/purchase/callback");
  await expect(page.getByTestId("countdown")).toHaveCount(0);

  const cancelled = await orderIn("cancel", "cb-cancel");
  await page.goto(callbackPath(cancelled.orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "cancel");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran tidak berhasil");
  await expect(page.getByText("Pembayaran ini dibatalkan atau ditolak")).toBeVisible();
  await expect(page).toHaveTitle(`Pembayaran tidak berhasil — ${STORE}`);
  await expect(returnLink(page)).toBeVisible();
  await page.clock.runFor(15_000);
  expect(new URL(page.url()).pathname).toBe("/purchase/callback");

  // A denial is a "cancel" publicly: same wording.
  const denied = await newOrder("cb-deny");
  await payByBankTransfer(denied.midtransId);
  await sim(denied.midtransId, "deny");
  await platformSees(denied.orderId, "cancel");
  await page.goto(callbackPath(denied.orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "cancel");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran tidak berhasil");
});

test("the countdown can be stopped, and Back from the store does not bounce the buyer there again", async ({ page }) => {
  const { orderId } = await orderIn("settlement", "cb-stay");
  await page.clock.install();
  await page.goto(callbackPath(orderId));
  await expect(page.getByTestId("countdown")).toHaveText("Kembali ke toko dalam 5 detik…");
  await page.getByRole("button", { name: "Tetap di halaman ini" }).click();
  await expect(page.getByTestId("countdown")).toHaveCount(0);
  await expect(returnLink(page)).toBeFocused();
  await page.clock.runFor(15_000);
  expect(new URL(page.url()).pathname).toBe("/purchase/callback");

  await page.reload();
  await expect(page.getByTestId("countdown")).toBeVisible();
  await page.clock.runFor(6_000);
  await page.waitForURL(`${s().storeUrl}/${SLUG}`);
  await page.goBack();
  await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
  await expect(returnLink(page)).toBeVisible();
  await page.clock.runFor(15_000);
  await expect(page.getByTestId("countdown")).toHaveCount(0);
  expect(new URL(page.url()).pathname).toBe("/purchase/callback");
});

test("refunded payment", async ({ page }) => {
  const { orderId } = await orderIn("refund", "cb-refund");
  await page.goto(callbackPath(orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "refund");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran dikembalikan");
  await expect(page).toHaveTitle(`Pembayaran dikembalikan — ${STORE}`);
  await expect(page.locator(".lead")).toHaveText("Seluruh dana pesanan ini, Rp75.000, sudah dikembalikan kepada Anda.");
  await expect(page.getByTestId("refunded-amount")).toHaveText("Rp75.000");
  await expect(page.getByTestId("countdown")).toHaveCount(0);
});

test("partially refunded payment: the page says how much came back", async ({ page }) => {
  const { orderId, midtransId } = await orderIn("settlement", "cb-partial");
  await sim(midtransId, "refund", { amount: 30000, reason: "satu barang habis" });
  await platformSees(orderId, "refund");
  await page.goto(callbackPath(orderId));
  await expect(statusBox(page)).toHaveAttribute("data-state", "refund");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sebagian pembayaran dikembalikan");
  await expect(page.locator(".lead")).toHaveText("Sebagian dana pesanan ini, Rp30.000 dari Rp75.000, sudah dikembalikan kepada Anda.");
  await expect(page.getByTestId("refunded-amount")).toHaveText("Rp30.000");
  await expect(page).toHaveTitle(`Sebagian pembayaran dikembalikan — ${STORE}`);
});

test("unknown, malformed and missing order ids", async ({ page }) => {
  const unknown = uniqueOrderId("cb-unknown");
  let res = await page.goto(callbackPath(unknown));
  expect(res?.status()).toBe(404);
  await expect(statusBox(page)).toHaveAttribute("data-state", "notfound");
  await expect(statusBox(page)).toHaveAttribute("data-polling", "false");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pesanan tidak ditemukan");
  await expect(page.locator(".order-id")).toHaveText(unknown);
  await expect(page).toHaveTitle("Pesanan tidak ditemukan — Astapa");

  // Not an order id at all: not found, and the URL's free text is not echoed on the page.
  await page.goto(`/purchase/callback?order_id=${encodeURIComponent("Hubungi 0812 untuk refund <b>")}`);
  await expect(statusBox(page)).toHaveAttribute("data-state", "notfound");
  await expect(page.locator(".order-id")).toHaveCount(0);
  await expect(page.getByText("Hubungi 0812")).toHaveCount(0);

  for (const path of ["/purchase/callback", "/purchase/callback?order_id=", "/purchase/callback?status_code=200&transaction_status=settlement"]) {
    res = await page.goto(path);
    expect(res?.status()).toBe(400);
    await expect(statusBox(page)).toHaveAttribute("data-state", "missing");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Nomor pesanan tidak ada");
    await expect(page).toHaveTitle("Nomor pesanan tidak ada — Astapa");
  }
});

test("Snap's status_code and transaction_status in the URL are ignored", async ({ page }) => {
  const { orderId } = await orderIn("pending", "cb-forged");
  await page.goto(`${callbackPath(orderId)}&status_code=200&transaction_status=settlement`);
  await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Menunggu pembayaran");
});

test.describe("without JavaScript", () => {
  test("a pending payment refreshes every 3 s for at most 20 refreshes, then offers “Cek lagi”", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const { orderId, midtransId } = await orderIn("pending", "cb-nojs");
    const refresh = page.locator('meta[http-equiv="refresh"]');

    // An older link by the merchant's order id works while one payment uses it; the page then
    // refreshes by the Midtrans order id, which names this payment alone.
    await page.goto(callbackPath(orderId));
    await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
    await expect(statusBox(page)).toHaveAttribute("data-polling", "true");
    await expect(refresh).toHaveAttribute("content", `3;url=${callbackPath(midtransId)}&poll=1`);
    await screenshot(page, "pending-nojs");
    await page.waitForURL((u) => u.searchParams.get("poll") === "1");
    await expect(refresh).toHaveAttribute("content", `3;url=${callbackPath(midtransId)}&poll=2`);
    await expect(page.locator(".order-id")).toHaveText(orderId);

    // The last step of the budget: poll=19 refreshes once more, poll=20 stops.
    await page.goto(`${callbackPath(midtransId)}&poll=19`);
    await expect(refresh).toHaveAttribute("content", `3;url=${callbackPath(midtransId)}&poll=20`);
    await page.waitForURL((u) => u.searchParams.get("poll") === "20");
    await expect(refresh).toHaveCount(0);
    await expect(statusBox(page)).toHaveAttribute("data-polling", "false");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran masih menunggu");
    await expect(returnLink(page)).toBeVisible();

    // "Cek lagi" is a real form: a fresh budget.
    await page.getByRole("button", { name: "Cek lagi" }).click();
    await page.waitForURL((u) => u.searchParams.get("order_id") === midtransId && !u.searchParams.has("poll"));
    await expect(refresh).toHaveAttribute("content", `3;url=${callbackPath(midtransId)}&poll=1`);

    // Approved meanwhile: the next refresh shows success, which neither refreshes nor leaves on its own.
    await sim(midtransId, "approve");
    await platformSees(orderId, "settlement");
    await expect(statusBox(page)).toHaveAttribute("data-state", "settlement", { timeout: 8_000 });
    await expect(refresh).toHaveCount(0);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pembayaran berhasil");
    await expect(returnLink(page)).toHaveAttribute("href", `${s().storeUrl}/${SLUG}`);
    await expect(page.getByTestId("countdown")).toHaveCount(0);
    await context.close();
  });

  test("final states and unknown orders render correctly, without a refresh", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const orders = await Promise.all((["settlement", "cancel", "expire", "refund"] as const).map((st) => orderIn(st, `cb-nojs-${st}`)));
    const cases: [string, string][] = [
      ...orders.map((o, i): [string, string] => [callbackPath(o.orderId), ["settlement", "cancel", "expire", "refund"][i]]),
      [callbackPath(uniqueOrderId("cb-nojs-unknown")), "notfound"],
      ["/purchase/callback", "missing"],
    ];
    for (const [path, state] of cases) {
      await page.goto(path);
      await expect(statusBox(page)).toHaveAttribute("data-state", state);
      await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
    }
    await context.close();
  });
});

test("metadata is shown as text only", async ({ page }) => {
  const script = "<script>window.__xss=1</script>";
  const img = `"><img src=x onerror="window.__xss=1">`;
  const a = await newOrder("cb-xss-a", { store_name: script, store_slug: SLUG }, img);
  const b = await newOrder("cb-xss-b", { store_name: img, store_slug: SLUG }, script);

  for (const [order, storeName, itemName] of [
    [a, script, img],
    [b, img, script],
  ] as const) {
    const html = await (await fetch(`${s().url}${callbackPath(order.orderId)}`)).text();
    expect(html).not.toContain("<script>window.__xss");
    expect(html).not.toContain("<img src=x");

    await page.goto(callbackPath(order.orderId));
    await expect(statusBox(page)).toHaveAttribute("data-state", "pending");
    await expect(page.locator("dd", { hasText: storeName })).toHaveText(storeName);
    await expect(page.locator("dd", { hasText: itemName })).toHaveText(itemName);
    await expect(page).toHaveTitle(`Menunggu pembayaran — ${storeName}`);
    await expect(page.locator("img")).toHaveCount(0);

    // The same values arriving through polling stay text too.
    await payByCard(order.midtransId);
    await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
    await expect(page.locator("dd", { hasText: storeName })).toHaveText(storeName);
    await expect(page.locator("img")).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  }
});

test("crafted store_slug values never lead off the store's origin", async ({ page }) => {
  await page.clock.install();
  for (const slug of ["//evil.com", "../", "%2F%2Fevil", "https://evil.com", "a/../../x"]) {
    const { orderId } = await orderIn("settlement", "cb-slug", { store_name: STORE, store_slug: slug });
    expect((await verify(orderId)).redirect_url).toBeNull();

    await page.goto(callbackPath(orderId));
    await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
    await expect(returnLink(page)).toHaveCount(0);
    await expect(page.getByTestId("countdown")).toHaveCount(0);
    await expect(page.locator('a[href*="evil"], a[href*=".."]')).toHaveCount(0);
    await page.clock.runFor(15_000);
    expect(new URL(page.url()).origin).toBe(s().url);
    await expect(statusBox(page)).toHaveAttribute("data-state", "settlement");
  }
});

test("every state at 390×844 (screenshots), and usable at 320 px", async ({ page }) => {
  const statuses: Status[] = ["settlement", "pending", "cancel", "expire", "refund"];
  const orders = await Promise.all(statuses.map((st) => orderIn(st, `cb-shot-${st}`)));
  const cases: [string, string][] = [
    ...orders.map((o, i): [string, string] => [statuses[i], callbackPath(o.orderId)]),
    ["notfound", callbackPath(uniqueOrderId("cb-shot-unknown"))],
    ["missing", "/purchase/callback"],
  ];
  // A paused clock: the success countdown stays on screen, nothing redirects meanwhile.
  await page.clock.install({ time: new Date("2026-05-06T10:00:00Z") });
  await page.clock.pauseAt(new Date("2026-05-06T10:00:01Z"));
  for (const [state, path] of cases) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(path);
    await expect(statusBox(page)).toHaveAttribute("data-state", state);
    await expect(page.locator('[aria-live="polite"] h1')).toBeVisible();
    await screenshot(page, state);

    await page.setViewportSize({ width: 320, height: 640 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    for (const control of await page.locator(".actions a, .actions button").all()) {
      const box = (await control.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(320);
      expect(box.height).toBeGreaterThanOrEqual(40); // a comfortable touch target
    }
  }
});
