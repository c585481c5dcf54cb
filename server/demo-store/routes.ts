import express, { type NextFunction, type Request, type Response as ExpressResponse, type Router } from "express";
import { Webhook } from "standardwebhooks";
import type { Logger } from "../config/logger";
import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import { DEMO_BUYER, DEMO_SHOP, findShop } from "./catalog";
import * as q from "./demo-store.queries";
import { errorPage, storePage, type OrderView } from "./pages";

/**
 * The demo store: a stand-in merchant that `npm start` serves next to the demo project, so a
 * newcomer sees the whole journey (README, "Try it"). It behaves as a merchant's own backend
 * would: it keeps its catalog and orders in its own tables, creates payments through Astapa's
 * public HTTP API with the demo project's sandbox credentials (server-side), and marks an order
 * paid only from an `item.purchased` webhook whose Standard Webhooks signature it verified
 * (docs/api.md, "Verifying the signature"). It never calls Astapa's services.
 */
export const DEMO_STORE_PATH = "/demo-store";
/** The demo project's sandbox webhook endpoint (`_` cannot start a store slug: server/payments/redirect.ts). */
export const DEMO_STORE_WEBHOOK_PATH = `${DEMO_STORE_PATH}/_webhook`;
/** The buyer's last order, so the store can show it when the callback page sends the buyer back. */
export const ORDER_COOKIE = "astapa_demo_order";
const ORDER_ID = /^demo_[0-9a-z]{16}$/;

export interface DemoStoreOptions {
  sql: Db;
  logger: Logger;
  /** Astapa's public URL, read at each request (tests learn it only once listening). */
  astapaUrl: () => string;
}

/** What the demo store reads of a webhook; Astapa may add fields (docs/api.md: parse leniently). */
interface WebhookEvent {
  event?: unknown;
  order_id?: unknown;
  amount?: unknown;
  environment?: unknown;
  paid_at?: unknown;
}

/** What the store reads of Astapa's answer to a create (201, or a JSON error). */
interface CreateAnswer {
  invoice_url?: unknown;
  purchase_id?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/** How each event type moves one of the store's orders (docs/api.md, "Lifecycle events"). */
function changeFor(e: WebhookEvent): { status: q.DemoOrderStatus; from: q.DemoOrderStatus[]; paid_at: Date | null } | null {
  switch (e.event) {
    case "item.purchased": {
      const paidAt = typeof e.paid_at === "string" ? new Date(e.paid_at) : null;
      // Paid after Astapa expired it: the money arrived (docs/api.md, "Paid after expiry").
      // Also after a create whose answer was lost (create_failed here, yet paid at Astapa).
      return { status: "paid", from: ["created", "create_failed", "expired"], paid_at: paidAt && !Number.isNaN(paidAt.getTime()) ? paidAt : null };
    }
    case "payment.expired":
      return { status: "expired", from: ["created"], paid_at: null };
    case "payment.failed":
      return { status: "failed", from: ["created"], paid_at: null };
    case "payment.refunded":
      return { status: "refunded", from: ["paid", "refunded"], paid_at: null };
    case "payment.reversed":
      return { status: "reversed", from: ["paid", "refunded"], paid_at: null };
    default:
      return null;
  }
}

const wrap =
  (fn: (req: Request, res: ExpressResponse, next: NextFunction) => Promise<void>) =>
  (req: Request, res: ExpressResponse, next: NextFunction): void =>
    void fn(req, res, next).catch(next);

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * The pages' headers: no script, no framing, no sniffing. No `form-action`: "Beli" posts here and
 * is redirected to Snap, whose origin (the simulator or Midtrans) a form-action would have to name.
 */
const PAGE_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Cache-Control": "no-store",
};

export function demoStoreRouter(opts: DemoStoreOptions): Router {
  const router = express.Router();
  let settings: q.DemoStoreSettings | undefined;
  // The store exists once the demo project was created for it (server/projects/demo.ts): until then every path falls through (404).
  router.use(
    wrap(async (_req, _res, next) => {
      settings ??= await q.findDemoStoreSettings(opts.sql);
      next(settings ? undefined : "router");
    }),
  );
  router.use((_req, res, next) => {
    res.set(PAGE_HEADERS);
    next();
  });
  const config = () => settings as q.DemoStoreSettings;

  async function astapaStatus(orderId: string): Promise<string | null> {
    try {
      const url = `${opts.astapaUrl()}/api/platform/shop-payment/verify?order_id=${encodeURIComponent(orderId)}&client_id=${encodeURIComponent(config().client_id)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) return null;
      const body = (await res.json()) as { status?: unknown };
      return typeof body.status === "string" ? body.status : null;
    } catch {
      return null;
    }
  }

  router.post(
    "/_webhook",
    express.raw({ type: "application/json", limit: "64kb" }),
    wrap(async (req, res) => {
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers = {
        "webhook-id": req.header("webhook-id") ?? "",
        "webhook-timestamp": req.header("webhook-timestamp") ?? "",
        "webhook-signature": req.header("webhook-signature") ?? "",
      };
      let event: WebhookEvent;
      try {
        // Throws when forged, altered, or more than 5 minutes away from this clock.
        event = new Webhook(config().webhook_secret).verify(body, headers) as WebhookEvent;
      } catch {
        opts.logger.warn({ webhookId: headers["webhook-id"] }, "demo store: webhook rejected (signature)");
        return void res.status(400).type("text/plain").send("invalid signature");
      }
      // This receiver is the sandbox one: never act on another environment's event.
      if (event.environment !== "sandbox") return void res.status(400).type("text/plain").send("wrong environment");
      const change = changeFor(event);
      if (change && typeof event.order_id === "string" && typeof event.amount === "number" && typeof event.event === "string") {
        const fresh = await q.applyDemoWebhook(opts.sql, {
          webhook_id: headers["webhook-id"],
          event: event.event,
          order_id: event.order_id,
          amount: event.amount,
          ...change,
        });
        opts.logger.info({ webhookId: headers["webhook-id"], event: event.event, orderId: event.order_id, repeat: !fresh }, "demo store: webhook verified");
      }
      res.status(204).end();
    }),
  );

  router.get("/", (_req, res) => res.redirect(302, `${DEMO_STORE_PATH}/${DEMO_SHOP.slug}`));

  router.get(
    "/:slug",
    wrap(async (req, res, next) => {
      const shop = findShop(req.params.slug);
      if (!shop) return next("router");
      const cookie = readCookie(req.headers.cookie, ORDER_COOKIE);
      const order = cookie && ORDER_ID.test(cookie) ? await q.findDemoOrder(opts.sql, cookie) : undefined;
      let mine: OrderView | null = null;
      if (order && order.store_slug === shop.slug) {
        mine = { order, astapaStatus: order.status === "created" && order.purchase_id ? await astapaStatus(order.order_id) : null };
      }
      const recent = await q.listRecentDemoOrders(opts.sql, shop.slug, 5);
      res.type("html").send(storePage(shop, mine, recent));
    }),
  );

  router.post(
    "/:slug/buy",
    express.urlencoded({ extended: false, limit: "4kb" }),
    wrap(async (req, res, next) => {
      const shop = findShop(req.params.slug);
      if (!shop) return next("router");
      const productId = (req.body as Record<string, unknown> | undefined)?.product_id;
      const product = shop.products.find((p) => p.id === productId);
      if (!product) return void res.status(400).type("html").send(errorPage(shop, "No such product."));

      const orderId = newId("demo", 16);
      await q.insertDemoOrder(opts.sql, { order_id: orderId, store_slug: shop.slug, product_id: product.id, item_name: product.name, amount: product.price });
      // What a merchant's backend does (docs/api.md, "POST /api/platform/shop-payment"): the secret stays on the server.
      let answer: Response | null = null;
      let body: CreateAnswer | null = null;
      try {
        answer = await fetch(`${opts.astapaUrl()}/api/platform/shop-payment`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            client_id: config().client_id,
            client_secret: config().client_secret,
            amount: product.price,
            order_id: orderId,
            buyer_email: DEMO_BUYER.email,
            buyer_name: DEMO_BUYER.name,
            item_name: product.name,
            metadata: { store_name: shop.name, store_slug: shop.slug, product_id: product.id },
          }),
          signal: AbortSignal.timeout(20_000),
        });
        body = (await answer.json().catch(() => null)) as CreateAnswer | null;
      } catch {
        answer = null;
      }
      if (answer?.ok && typeof body?.invoice_url === "string" && typeof body.purchase_id === "string") {
        await q.recordDemoOrderPayment(opts.sql, orderId, { invoice_url: body.invoice_url, purchase_id: body.purchase_id });
        const secure = opts.astapaUrl().startsWith("https:") ? "; Secure" : "";
        res.setHeader("Set-Cookie", `${ORDER_COOKIE}=${orderId}; Path=${DEMO_STORE_PATH}; HttpOnly; SameSite=Lax; Max-Age=86400${secure}`);
        return void res.redirect(303, body.invoice_url);
      }
      const failure = !answer
        ? "Astapa could not be reached."
        : `Astapa answered ${answer.status}${body?.error ? ` ${String(body.error.code)}: ${String(body.error.message)}` : ""}.`;
      await q.recordDemoOrderPayment(opts.sql, orderId, null);
      opts.logger.warn({ orderId, status: answer?.status ?? null }, "demo store: payment not created");
      res.status(502).type("html").send(errorPage(shop, failure));
    }),
  );

  return router;
}

export { saveDemoStoreSettings, type DemoStoreSettings } from "./demo-store.queries";
