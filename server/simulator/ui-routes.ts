import express, { type Router } from "express";
import { ACTIONS, type Action, type SimulatorEngine } from "./engine";
import type { FaultInjector } from "./faults";
import type { Notifier } from "./notifier";
import { dashboardPage, expiredPage, notFoundPage, paymentPage, statusPage } from "./pages";
import { STATUS_CODES } from "./state";
import { SimulatorError, type CStore, type PaymentChoice, type SimTransaction, type VaBank } from "./types";

const formBody = express.urlencoded({ extended: false, limit: "16kb" });
const BANKS: readonly string[] = ["bca", "bni", "bri", "permata"] satisfies VaBank[];
const STORES: readonly string[] = ["indomaret", "alfamart"] satisfies CStore[];

/** The buyer's Snap payment page and the operator dashboard (plain HTML forms, no scripts). */
export function uiRoutes(engine: SimulatorEngine, notifier: Notifier, faults: FaultInjector): Router {
  const router = express.Router();

  router.get("/snap/v4/redirection/:token", (req, res) => {
    const tx = engine.store.findByToken(req.params.token);
    if (!tx) return void res.status(404).type("html").send(notFoundPage());
    if (tx.transaction_status !== null) return void res.type("html").send(statusPage(tx, finishRedirect(tx)));
    if (engine.store.isPageExpired(tx, new Date())) return void res.type("html").send(expiredPage(tx));
    res.type("html").send(paymentPage(tx));
  });

  router.post("/snap/v4/redirection/:token", formBody, (req, res, next) => {
    const tx = engine.store.findByToken(req.params.token);
    if (!tx) return void res.status(404).type("html").send(notFoundPage());
    const choice = choiceFromForm(req.body as Record<string, string | undefined>);
    if (!choice) return void res.status(400).type("html").send(paymentPage(tx, "Choose a payment method"));
    try {
      engine.pay(tx.order_id, choice);
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
      if (err.code === "invalid_input") return void res.status(422).type("html").send(paymentPage(tx, err.message));
      // Already paid or expired: the GET page shows why.
      return void res.redirect(303, tx.redirect_url);
    }
    // Midtrans sends the buyer back to the merchant for pending methods too.
    const finish = finishRedirect(tx);
    if (finish) return void res.redirect(303, finish);
    res.type("html").send(statusPage(tx, null));
  });

  // The buyer's side of Midtrans's sandbox payment simulator: a pending payment is paid, then the status page again.
  router.post("/snap/v4/redirection/:token/simulate-payment", (req, res, next) => {
    const tx = engine.store.findByToken(req.params.token);
    if (!tx) return void res.status(404).type("html").send(notFoundPage());
    try {
      if (tx.transaction_status === "pending") engine.approve(tx.order_id);
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
    }
    res.redirect(303, tx.redirect_url);
  });

  router.get(["/", "/dashboard"], (req, res) => {
    const flash = { notice: queryString(req.query.notice), error: queryString(req.query.error) };
    const log = notifier.log();
    const lastDelivery = (orderId: string) => log.findLast((d) => d.order_id === orderId);
    res.type("html").send(dashboardPage(engine.store.list(), lastDelivery, flash, faults.get()));
  });

  router.post("/dashboard/faults/reset", (_req, res) => {
    faults.set({});
    res.redirect(303, `/dashboard?notice=${encodeURIComponent("Faults cleared: the simulator behaves normally")}`);
  });

  router.post("/dashboard/transactions/:orderId/:action", formBody, (req, res, next) => {
    const action = req.params.action as Action;
    if (!ACTIONS.includes(action) || action === "pay") return void res.status(404).type("html").send(notFoundPage());
    const amountField = (req.body as Record<string, string | undefined>).amount?.trim();
    const amount = amountField ? Number(amountField.replace(/\./g, "")) : undefined;
    const { orderId } = req.params;
    try {
      engine.perform(action, orderId, { amount });
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
      return void res.redirect(303, `/dashboard?error=${encodeURIComponent(`${orderId}: ${err.message}`)}`);
    }
    res.redirect(303, `/dashboard?notice=${encodeURIComponent(`${orderId}: ${action} done`)}`);
  });

  return router;
}

/** callbacks.finish plus the three values Snap appends (buyer-controlled on the merchant's side). */
export function finishRedirect(tx: SimTransaction): string | null {
  if (!tx.finish_url || tx.transaction_status === null) return null;
  const url = new URL(tx.finish_url);
  url.searchParams.set("order_id", tx.order_id);
  url.searchParams.set("status_code", STATUS_CODES[tx.transaction_status]);
  url.searchParams.set("transaction_status", tx.transaction_status);
  return url.toString();
}

function choiceFromForm(form: Record<string, string | undefined>): PaymentChoice | undefined {
  switch (form.payment_type) {
    case "credit_card":
      return {
        type: "credit_card",
        cardNumber: form.card_number ?? "",
        cvv: form.card_cvv ?? "",
        // The page always asks for the expiry: an empty field is an invalid one.
        expiry: form.card_expiry ?? "",
      };
    case "gopay":
    case "qris":
      return { type: form.payment_type };
    case "bank_transfer":
      return form.bank && BANKS.includes(form.bank) ? { type: "bank_transfer", bank: form.bank as VaBank } : undefined;
    case "echannel":
      return { type: "echannel" };
    case "cstore":
      return form.store && STORES.includes(form.store) ? { type: "cstore", store: form.store as CStore } : undefined;
    default:
      return undefined;
  }
}

function queryString(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}
