import type { DemoShop } from "./catalog";
import type { DemoOrderRow } from "./demo-store.queries";

/** The demo store's HTML: plain server-rendered pages, no scripts, readable at 320 px. */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const rupiah = (n: number) => `Rp${new Intl.NumberFormat("id-ID").format(n)}`;
const utc = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2328;background:#faf7f2}
.demo{background:#fff3bf;border-bottom:2px solid #e0b400;padding:.6rem 1rem;font-size:.9rem}
main{max-width:40rem;margin:0 auto;padding:1rem}h1{margin:.2rem 0 1rem;font-size:1.6rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
ul.items{list-style:none;padding:0;margin:0}ul.items li{display:flex;align-items:center;gap:.75rem;padding:.75rem;background:#fff;border:1px solid #e3ddd3;border-radius:.5rem;margin-bottom:.5rem}
.items .name{flex:1}.items .price{font-variant-numeric:tabular-nums;white-space:nowrap}
button{font:inherit;padding:.5rem 1.1rem;border:0;border-radius:.4rem;background:#b3261e;color:#fff;cursor:pointer;min-height:44px}
button:focus-visible,a:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
.order{background:#fff;border:2px solid #e3ddd3;border-radius:.5rem;padding:.75rem 1rem}
.order h2{margin-top:0}.order[data-status="paid"]{border-color:#1a7f37}.order .state{font-size:1.2rem;font-weight:700}
.order dl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .75rem;margin:.5rem 0 0;font-size:.9rem}.order dt{color:#59636e}.order dd{margin:0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse;font-size:.85rem;background:#fff}.num{white-space:nowrap}th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #e3ddd3;overflow-wrap:anywhere}
.error{background:#ffebe9;border:1px solid #cf222e;border-radius:.5rem;padding:.75rem 1rem}
.how{font-size:.9rem;color:#414a53}a{color:#0550ae}`;

function layout(title: string, body: string, opts: { refreshSeconds?: number } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${opts.refreshSeconds ? `<meta http-equiv="refresh" content="${opts.refreshSeconds}">\n` : ""}<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="demo" role="note"><strong>Demo store</strong> served by Astapa to try the checkout: not a real shop. Payments go to the Midtrans simulator (sandbox): no real money.</div>
<main>
${body}
</main>
</body>
</html>`;
}

/** The order as the store knows it, and what Astapa's public verify says about it (null: not asked or no answer). */
export interface OrderView {
  order: DemoOrderRow;
  astapaStatus: string | null;
}

/** Words for an order's state: what the store knows from verified webhooks only. */
export function orderState(v: OrderView): { label: string; waiting: boolean } {
  const { order } = v;
  const verified = order.webhook_verified_at !== null;
  switch (order.status) {
    case "paid":
      return { label: verified ? "paid, webhook verified" : "paid", waiting: false };
    case "expired":
    case "failed":
    case "refunded":
    case "reversed":
      return { label: `${order.status}, webhook verified`, waiting: false };
    case "create_failed":
      return { label: "payment could not be created", waiting: false };
    case "created":
      return { label: "waiting for webhook", waiting: true };
  }
}

/** How long the order has been waiting before the page stops looking again by itself (the Refresh link stays). */
const AUTO_REFRESH_FOR_MS = 10 * 60_000;

/**
 * While the store waits for the webhook, the page looks again by itself (no script): every 2 s
 * once Astapa already says paid (the webhook is on its way), every 5 s while the payment is still
 * pending, for the first 10 minutes of an order.
 */
export function refreshSeconds(v: OrderView, now: Date = new Date()): number | undefined {
  if (!orderState(v).waiting) return undefined;
  if (v.astapaStatus === "settlement") return 2;
  if (v.astapaStatus === "pending" && now.getTime() - v.order.created_at.getTime() < AUTO_REFRESH_FOR_MS) return 5;
  return undefined;
}

function orderSection(v: OrderView, shop: DemoShop): string {
  const { order } = v;
  const state = orderState(v);
  const rows: [string, string][] = [
    ["Order", order.order_id],
    ["Item", order.item_name],
    ["Amount", rupiah(order.amount)],
  ];
  if (order.purchase_id) rows.push(["Astapa purchase", order.purchase_id]);
  if (order.paid_at) rows.push(["Paid at", utc(order.paid_at)]);
  if (order.webhook_id) rows.push(["Webhook", `${order.webhook_id}, verified ${order.webhook_verified_at ? utc(order.webhook_verified_at) : ""}`]);
  if (state.waiting) rows.push(["Astapa's verify says", v.astapaStatus ?? "(no answer)"]);
  const actions: string[] = [];
  if (state.waiting) {
    actions.push(`<a href="/demo-store/${esc(shop.slug)}" id="refresh">Refresh</a>`);
    if (order.invoice_url && v.astapaStatus === "pending") actions.push(`<a href="${esc(order.invoice_url)}" id="continue-payment">Continue payment</a>`);
  }
  return `<section class="order" id="your-order" data-status="${esc(order.status)}" data-verified="${order.webhook_verified_at ? "true" : "false"}" aria-live="polite">
<h2>Your order</h2>
<p class="state" id="order-state">${esc(state.label)}</p>
<dl>${rows.map(([k, val]) => `<dt>${esc(k)}</dt><dd>${esc(val)}</dd>`).join("")}</dl>
${actions.length ? `<p>${actions.join(" · ")}</p>` : ""}
</section>`;
}

export function storePage(shop: DemoShop, mine: OrderView | null, recent: DemoOrderRow[]): string {
  const items = shop.products
    .map(
      (p) => `<li><span class="name">${esc(p.name)}</span><span class="price">${rupiah(p.price)}</span>
<form method="post" action="/demo-store/${esc(shop.slug)}/buy"><input type="hidden" name="product_id" value="${esc(p.id)}"><button type="submit" aria-label="Beli ${esc(p.name)}">Beli</button></form></li>`,
    )
    .join("\n");
  const recentRows = recent
    .map(
      (o) =>
        `<tr><td>${esc(o.order_id)}</td><td>${esc(o.item_name)}</td><td class="num">${rupiah(o.amount)}</td><td>${esc(orderState({ order: o, astapaStatus: null }).label)}</td></tr>`,
    )
    .join("");
  const refresh = mine ? refreshSeconds(mine) : undefined;
  return layout(
    `${shop.name} — Astapa demo store`,
    `<h1>${esc(shop.name)}</h1>
${mine ? orderSection(mine, shop) : ""}
<section aria-labelledby="menu"><h2 id="menu">Menu</h2>
<ul class="items">
${items}
</ul></section>
${recent.length ? `<section aria-labelledby="recent"><h2 id="recent">Recent orders</h2><table><thead><tr><th>Order</th><th>Item</th><th class="num">Amount</th><th>State</th></tr></thead><tbody>${recentRows}</tbody></table></section>` : ""}
<section class="how" aria-labelledby="how"><h2 id="how">What happens</h2>
<ol>
<li>"Beli" asks this store's server to create a shop payment with Astapa's public API (<code>POST /api/platform/shop-payment</code>, the demo project's sandbox credentials; the secret never reaches the browser), and sends you to the payment page.</li>
<li>You pay on the Midtrans simulator's Snap page; it notifies Astapa and sends you to Astapa's callback page.</li>
<li>Astapa sends this store a signed <code>item.purchased</code> webhook; the store verifies the signature (Standard Webhooks) before marking the order paid.</li>
<li>The callback page brings you back here.</li>
</ol></section>`,
    { refreshSeconds: refresh },
  );
}

export function errorPage(shop: DemoShop, message: string): string {
  return layout(
    `${shop.name} — Astapa demo store`,
    `<h1>${esc(shop.name)}</h1>
<div class="error" role="alert"><p><strong>The payment could not be created.</strong></p><p>${esc(message)}</p></div>
<p><a href="/demo-store/${esc(shop.slug)}">Back to the store</a></p>`,
  );
}
