import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { SimulatorEngine } from "./engine";
import { describeAction, describeTransaction, midtransAmount } from "./midtrans-body";
import { notificationUrls, parseSnapRequest } from "./snap-request";
import { formatJakartaTime } from "./time";
import { SimulatorError } from "./types";

const SNAP_UNAUTHORIZED = {
  error_messages: [
    "Access denied due to unauthorized transaction, please check client or server key",
    "Visit https://snap-docs.midtrans.com/#request-headers for more details",
  ],
};
const CORE_UNAUTHORIZED = { status_code: "401", status_message: "Unknown Merchant server_key/id" };
const CORE_NOT_FOUND = { status_code: "404", status_message: "Transaction doesn't exist." };
/** Payment types Midtrans's refund API accepts in the simulator; bank transfers are answered 412. */
const API_REFUNDABLE_PAYMENT_TYPES: ReadonlySet<string> = new Set(["credit_card", "gopay", "qris"]);
const CORE_CANNOT_MODIFY = { status_code: "412", status_message: "Merchant cannot modify the status of the transaction" };

/** Midtrans caps request bodies at 16 KB. Not strict: midtrans-client POSTs a literal `null` for cancel, expire, ... */
export const jsonBody = express.json({ limit: "16kb", strict: false });

/** The Snap API (create transaction) and the Core API calls the platform uses, with Midtrans's answers. */
export function apiRoutes(engine: SimulatorEngine): Router {
  const router = express.Router();
  const snapAuth = requireServerKey(engine.merchant.serverKey, SNAP_UNAUTHORIZED);
  const coreAuth = requireServerKey(engine.merchant.serverKey, CORE_UNAUTHORIZED);
  const m = engine.merchant;

  router.post("/snap/v1/transactions", snapAuth, jsonBody, (req, res) => {
    const now = new Date();
    const parsed = parseSnapRequest(req.body, now);
    if (!parsed.ok) return void res.status(400).json({ error_messages: parsed.errors });
    const urls = notificationUrls(req.get("X-Override-Notification"), req.get("X-Append-Notification"));
    try {
      const tx = engine.createTransaction(parsed.request, urls, now);
      res.status(201).json({ token: tx.token, redirect_url: tx.redirect_url });
    } catch (err) {
      // The only refusal left is a reused order_id.
      if (!(err instanceof SimulatorError)) throw err;
      res.status(400).json({ error_messages: [err.message] });
    }
  });

  // Midtrans accepts the transaction_id wherever it takes an order_id.
  router.get("/v2/:id/status", coreAuth, jsonBody, (req, res) => {
    const tx = engine.store.findPaid(req.params.id);
    if (!tx) return void res.status(404).json(CORE_NOT_FOUND);
    res.json(describeTransaction(tx, "Success, transaction is found", m));
  });

  router.post("/v2/:id/:action(cancel|expire|approve|deny|refund)", coreAuth, jsonBody, (req, res, next) => {
    const tx = engine.store.findPaid(req.params.id);
    if (!tx) return void res.status(404).json(CORE_NOT_FOUND);
    const orderId = tx.order_id;
    try {
      switch (req.params.action) {
        case "cancel":
          return void res.json(describeAction(engine.cancel(orderId), "200", "Success, transaction is canceled", m));
        case "expire":
          return void res.json(describeAction(engine.expire(orderId), "407", "Success, transaction has expired", m));
        case "approve":
          return void res.json(describeAction(engine.approve(orderId), "200", "Success, transaction is approved", m));
        case "deny":
          // A settlement -> deny reversal is the bank's doing, not the merchant's: control API only.
          if (tx.transaction_status === "settlement") return void res.json(CORE_CANNOT_MODIFY);
          return void res.json(describeAction(engine.deny(orderId), "200", "Success, transaction is denied", m));
        case "refund": {
          // Midtrans's refund API does not cover bank transfers (virtual accounts): 412, nothing
          // changes (docs/midtrans.md#refunds). The control API (a dashboard refund) still may.
          if (tx.payment_type !== null && !API_REFUNDABLE_PAYMENT_TYPES.has(tx.payment_type)) return void res.json(CORE_CANNOT_MODIFY);
          const body = (req.body ?? {}) as Record<string, unknown>;
          const { tx: refunded, refund } = engine.refund(orderId, {
            amount: parseRefundAmount(body.amount),
            reason: optionalString(body.reason, "reason"),
            refund_key: optionalString(body.refund_key, "refund_key"),
          });
          return void res.json({
            status_code: "200",
            status_message: "Success, refund request is approved",
            transaction_id: refunded.transaction_id,
            order_id: refunded.order_id,
            gross_amount: midtransAmount(refunded.gross_amount),
            currency: refunded.currency,
            payment_type: refunded.payment_type,
            transaction_time: formatJakartaTime(new Date(refunded.transaction_time!)),
            transaction_status: refunded.transaction_status,
            refund_chargeback_id: refund.refund_chargeback_id,
            refund_chargeback_uuid: refund.refund_chargeback_uuid,
            refund_amount: midtransAmount(refund.refund_amount),
            refund_key: refund.refund_key,
          });
        }
      }
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
      // Midtrans reports refused changes in the body with HTTP 200; midtrans-client rejects them (status_code >= 400).
      if (err.code === "conflict") return void res.json(CORE_CANNOT_MODIFY);
      if (err.code === "refund_exceeds") return void res.json({ status_code: "412", status_message: err.message });
      if (err.code === "not_found") return void res.status(404).json(CORE_NOT_FOUND);
      res.status(400).json({
        status_code: "400",
        status_message: "One or more parameters in the payload is invalid.",
        validation_messages: [err.message],
      });
    }
  });

  return router;
}

function requireServerKey(serverKey: string, unauthorizedBody: object) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (basicAuthUser(req.get("authorization")) === serverKey) return next();
    res.status(401).json(unauthorizedBody);
  };
}

/** The Basic-auth username (Midtrans puts the server key there, with an empty password). */
function basicAuthUser(header: string | undefined): string | undefined {
  const m = header ? /^basic\s+(.+)$/i.exec(header.trim()) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

function parseRefundAmount(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" && /^\d+(\.0+)?$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) {
    throw new SimulatorError("invalid_input", "amount must be a positive integer");
  }
  return n;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new SimulatorError("invalid_input", `${field} must be a string`);
  return value;
}
