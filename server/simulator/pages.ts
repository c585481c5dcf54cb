import { describeFaults, type FaultConfig } from "./faults";
import { DENIED_CARD, SUCCESS_CARD, TEST_CVV } from "./payment-methods";
import { STATUS_CODES } from "./state";
import { formatJakartaTime } from "./time";
import type { NotificationDelivery, SimTransaction } from "./types";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Indonesian formatting: "Rp75.000". */
export function formatRupiah(amount: number): string {
  const sign = amount < 0 ? "-" : "";
  return `${sign}Rp${String(Math.abs(amount)).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
}

const spacedCard = (n: string) => n.replace(/(\d{4})(?=\d)/g, "$1 ");
const wib = (iso: string) => `${formatJakartaTime(new Date(iso))} WIB`;

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
.banner{background:#b45309;color:#fff;text-align:center;padding:.5rem;font-weight:600}
.banner.fault{background:#b91c1c}.banner.fault form{display:inline}
.banner.fault button{width:auto;margin:0 0 0 .75rem;padding:.2rem .6rem;font-size:.85rem;background:#fff;color:#b91c1c}
main{max-width:34rem;margin:0 auto;padding:1rem}main.wide{max-width:none}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:.25rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .75rem}
.amount{font-size:1.6rem;font-weight:700}.muted{color:#6b7280;font-size:.9rem}
label{display:block;font-size:.9rem;margin:.5rem 0 .2rem}
input,select{width:100%;padding:.6rem;font-size:1rem;border:1px solid #d1d5db;border-radius:.375rem}
button{width:100%;margin-top:.75rem;padding:.7rem;font-size:1rem;font-weight:600;border:0;border-radius:.375rem;background:#1d4ed8;color:#fff;cursor:pointer}
.row{display:flex;gap:.5rem}.row>div{flex:1}
.error{background:#fee2e2;color:#991b1b;padding:.75rem;border-radius:.375rem;margin-bottom:1rem}
.notice{background:#dcfce7;color:#166534;padding:.75rem;border-radius:.375rem;margin-bottom:1rem}
.status{display:inline-block;padding:.15rem .5rem;border-radius:999px;background:#e5e7eb;font-weight:600}
table{width:100%;border-collapse:collapse;background:#fff;font-size:.85rem}
th,td{padding:.4rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
td form{display:inline}td button{width:auto;margin:.1rem;padding:.3rem .5rem;font-size:.8rem}
td input{width:6rem;padding:.25rem;font-size:.8rem}td:first-child{white-space:nowrap}.scroll{overflow-x:auto}
a{color:#1d4ed8}
`;

function layout(title: string, main: string, mainClass = "", extraBanner = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Midtrans Simulator</title><style>${STYLE}</style></head>
<body><div class="banner">Midtrans Simulator — no real money</div>${extraBanner}
<main${mainClass ? ` class="${mainClass}"` : ""}>${main}</main></body></html>`;
}

function orderSummary(tx: SimTransaction): string {
  const customer = tx.customer_details;
  const name = [customer?.first_name, customer?.last_name].filter(Boolean).join(" ");
  const items = tx.item_details
    .map((i) => `<li>${escapeHtml(i.name)} × ${i.quantity} — ${formatRupiah(i.price * i.quantity)}</li>`)
    .join("");
  return `<section class="card">
<div class="muted">Order <span id="order-id">${escapeHtml(tx.order_id)}</span></div>
<div class="amount" id="amount">${formatRupiah(tx.gross_amount)}</div>
${name ? `<div class="muted">For ${escapeHtml(name)}</div>` : ""}
${items ? `<ul class="muted">${items}</ul>` : ""}
</section>`;
}

/** The buyer's Snap page: one form per payment method, all posting back to the redirect URL. */
export function paymentPage(tx: SimTransaction, error?: string): string {
  const action = escapeHtml(tx.redirect_url);
  const hidden = (type: string) => `<input type="hidden" name="payment_type" value="${type}">`;
  return layout(
    "Pay",
    `<h1>Choose a payment method</h1>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ""}
${orderSummary(tx)}
<p class="muted">Pay before ${wib(tx.expiry_time)}.</p>
<form class="card" method="post" action="${action}" id="pay-card">
<h2>Credit / debit card</h2>${hidden("credit_card")}
<label for="card-number">Card number</label>
<input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="${spacedCard(SUCCESS_CARD)}" required>
<div class="row"><div><label for="card-expiry">Expiry (MM/YY)</label>
<input id="card-expiry" name="card_expiry" autocomplete="cc-exp" placeholder="12/30" required></div>
<div><label for="card-cvv">CVV</label>
<input id="card-cvv" name="card_cvv" inputmode="numeric" autocomplete="cc-csc" placeholder="${TEST_CVV}" required></div></div>
<p class="muted">Test cards: ${spacedCard(SUCCESS_CARD)} with CVV ${TEST_CVV} and any future expiry is approved;
${spacedCard(DENIED_CARD)} is denied by the bank. Other numbers are refused.</p>
<button type="submit">Pay with card</button>
</form>
<form class="card" method="post" action="${action}" id="pay-gopay">
<h2>GoPay</h2>${hidden("gopay")}<p class="muted">Stays pending until approved in the simulator dashboard.</p>
<button type="submit">Pay with GoPay</button>
</form>
<form class="card" method="post" action="${action}" id="pay-qris">
<h2>QRIS</h2>${hidden("qris")}<p class="muted">Stays pending until approved in the simulator dashboard.</p>
<button type="submit">Pay with QRIS</button>
</form>
<form class="card" method="post" action="${action}" id="pay-bank-transfer">
<h2>Bank transfer (virtual account)</h2>${hidden("bank_transfer")}
<label for="bank">Bank</label>
<select name="bank" id="bank"><option value="bca">BCA</option><option value="bni">BNI</option><option value="bri">BRI</option><option value="permata">Permata</option></select>
<button type="submit">Pay with bank transfer</button>
</form>
<form class="card" method="post" action="${action}" id="pay-echannel">
<h2>Mandiri Bill Payment</h2>${hidden("echannel")}<p class="muted">Gives a biller code and a bill key; stays pending until paid.</p>
<button type="submit">Pay with Mandiri Bill</button>
</form>
<form class="card" method="post" action="${action}" id="pay-cstore">
<h2>Convenience store</h2>${hidden("cstore")}
<label for="store">Store</label>
<select name="store" id="store"><option value="indomaret">Indomaret</option><option value="alfamart">Alfamart</option></select>
<button type="submit">Pay at a convenience store</button>
</form>`,
  );
}

/** Shown for a token whose transaction already has a payment (and when there is no finish URL). */
export function statusPage(tx: SimTransaction, finishHref: string | null): string {
  const status = tx.transaction_status ?? "unpaid";
  return layout(
    "Payment status",
    `<h1>Payment status</h1>
${orderSummary(tx)}
<section class="card">
<div>Status: <span class="status" id="transaction-status">${escapeHtml(status)}</span></div>
<div class="muted">Method: ${escapeHtml(tx.payment_type ?? "-")}</div>
${status === "pending" ? pendingInstructions(tx) : ""}
</section>
${status === "pending" ? simulatePaymentForm(tx) : ""}
${finishHref ? `<p><a id="back-to-merchant" href="${escapeHtml(finishHref)}">Back to merchant</a></p>` : ""}`,
  );
}

function pendingInstructions(tx: SimTransaction): string {
  const va = tx.payment.va_numbers?.[0];
  const account = va
    ? `<p>Transfer to ${escapeHtml(va.bank.toUpperCase())} virtual account <strong id="va-number">${escapeHtml(va.va_number)}</strong>.</p>`
    : tx.payment.permata_va_number
      ? `<p>Transfer to Permata virtual account <strong id="va-number">${escapeHtml(tx.payment.permata_va_number)}</strong>.</p>`
      : tx.payment.bill_key
        ? `<p>Pay Mandiri bill: biller code <strong id="biller-code">${escapeHtml(tx.payment.biller_code ?? "")}</strong>, bill key <strong id="bill-key">${escapeHtml(tx.payment.bill_key)}</strong>.</p>`
        : tx.payment.payment_code
          ? `<p>Pay at ${escapeHtml(STORE_NAMES[tx.payment.store ?? "indomaret"])} with payment code <strong id="payment-code">${escapeHtml(tx.payment.payment_code)}</strong>.</p>`
          : `<p>Complete the payment in the ${tx.payment_type === "qris" ? "QRIS" : "GoPay"} app.</p>`;
  return `${account}<p class="muted">Pay before ${wib(tx.expiry_time)}. In this simulator, use "Simulate payment" below or Approve in the dashboard to mark it paid.</p>`;
}

const STORE_NAMES: Record<string, string> = { indomaret: "Indomaret", alfamart: "Alfamart" };

/** Like Midtrans's sandbox payment simulator: the money arrives (pending -> settlement, with its notification). */
function simulatePaymentForm(tx: SimTransaction): string {
  return `<form class="card" method="post" action="${escapeHtml(`${tx.redirect_url}/simulate-payment`)}" id="simulate-payment">
<p class="muted">Simulator only: act as the bank, the app or the cashier receiving the money.</p>
<button type="submit">Simulate payment</button>
</form>`;
}

export function expiredPage(tx: SimTransaction): string {
  return layout("Expired", `<h1>Payment page expired</h1>${orderSummary(tx)}<p id="transaction-status">This payment page has expired.</p>`);
}

export function notFoundPage(): string {
  return layout("Not found", `<h1>Transaction not found</h1><p>This payment link is unknown to the simulator.</p>`);
}

const ROW_ACTIONS = [
  ["approve", "Approve"],
  ["deny", "Deny"],
  ["expire", "Expire"],
  ["cancel", "Cancel"],
] as const;

/** Operator view: every transaction with buttons that drive it like the Midtrans dashboard would. */
export function dashboardPage(
  txs: SimTransaction[],
  lastDelivery: (orderId: string) => NotificationDelivery | undefined,
  flash: { notice?: string; error?: string },
  faults: FaultConfig = {},
): string {
  const rows = [...txs]
    .reverse()
    .map((tx) => {
      const path = `/dashboard/transactions/${encodeURIComponent(tx.order_id)}`;
      const button = (action: string, label: string, extra = "") =>
        `<form method="post" action="${escapeHtml(`${path}/${action}`)}">${extra}<button type="submit">${label}</button></form>`;
      const delivery = lastDelivery(tx.order_id);
      const answer = delivery
        ? `${escapeHtml(delivery.responseStatus ?? delivery.error ?? "")} (attempt ${delivery.attempt})`
        : "-";
      const status = tx.transaction_status;
      const customer = [tx.customer_details?.first_name, tx.customer_details?.last_name].filter(Boolean).join(" ");
      return `<tr data-order-id="${escapeHtml(tx.order_id)}">
<td><a href="${escapeHtml(tx.redirect_url)}">${escapeHtml(tx.order_id)}</a></td>
<td>${escapeHtml(customer || "-")}</td>
<td>${formatRupiah(tx.gross_amount)}</td>
<td>${escapeHtml(tx.payment_type ?? "-")}</td>
<td data-status>${escapeHtml(status ? `${status} (${STATUS_CODES[status]})` : "awaiting payment")}</td>
<td>${escapeHtml(tx.fraud_status ?? "-")}</td>
<td>${wib(tx.created_at)}</td>
<td>${tx.notification_urls.map(escapeHtml).join("<br>") || "-"}</td>
<td>${answer}</td>
<td>${ROW_ACTIONS.map(([action, label]) => button(action, label)).join("")}${button(
        "refund",
        "Refund",
        `<input name="amount" inputmode="numeric" placeholder="all" aria-label="Refund amount">`,
      )}${button("resend", "Resend notification")}</td>
</tr>`;
    })
    .join("\n");
  return layout(
    "Dashboard",
    `<h1>Midtrans Simulator dashboard</h1>
${flash.notice ? `<div class="notice" role="status">${escapeHtml(flash.notice)}</div>` : ""}
${flash.error ? `<div class="error" role="alert">${escapeHtml(flash.error)}</div>` : ""}
<p class="muted">Approve settles a pending or captured payment. <a href="/dashboard">Refresh</a></p>
<div class="scroll"><table>
<thead><tr><th>Order id</th><th>Customer</th><th>Amount</th><th>Method</th><th>Status</th><th>Fraud</th><th>Created</th><th>Notification URL</th><th>Last notification answer</th><th>Actions</th></tr></thead>
<tbody>${rows || `<tr><td colspan="10">No transactions yet.</td></tr>`}</tbody>
</table></div>`,
    "wide",
    faultBanner(faults),
  );
}

/** Shown on the dashboard while any fault is active, with a button that restores healthy behaviour. */
function faultBanner(faults: FaultConfig): string {
  const active = describeFaults(faults);
  if (active.length === 0) return "";
  return `
<div class="banner fault" id="fault-banner" role="alert">Fault injection active: ${escapeHtml(active.join(" · "))}
<form method="post" action="/dashboard/faults/reset"><button type="submit">Clear faults</button></form></div>`;
}
