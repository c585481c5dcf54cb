import express, { type Router } from "express";
import { z } from "zod";
import { jsonBody } from "./api-routes";
import { ACTIONS, type SimulatorEngine } from "./engine";
import { parseFaultConfig, type FaultInjector } from "./faults";
import type { Notifier } from "./notifier";
import { SimulatorError } from "./types";

const paymentChoice = z.discriminatedUnion("type", [
  z.object({ type: z.literal("credit_card"), cardNumber: z.string(), cvv: z.string(), expiry: z.string().optional() }),
  z.object({ type: z.literal("gopay") }),
  z.object({ type: z.literal("qris") }),
  z.object({ type: z.literal("bank_transfer"), bank: z.enum(["bca", "bni", "bri", "permata"]) }),
  z.object({ type: z.literal("echannel") }),
  z.object({ type: z.literal("cstore"), store: z.enum(["indomaret", "alfamart"]) }),
]);
const refundInput = z.object({ amount: z.number().int().positive().optional(), reason: z.string().optional() });

const ERROR_STATUS: Record<SimulatorError["code"], number> = {
  not_found: 404,
  conflict: 409,
  refund_exceeds: 409,
  invalid_input: 400,
};

/** JSON control API for tests and tooling; unauthenticated because the simulator is local. */
export function controlRoutes(engine: SimulatorEngine, notifier: Notifier, faults: FaultInjector): Router {
  const router = express.Router();

  router.get("/__sim/transactions", (_req, res) => void res.json(engine.store.list()));

  router.get("/__sim/transactions/:orderId", (req, res) => {
    const tx = engine.store.get(req.params.orderId);
    if (!tx) return void res.status(404).json({ error: `Unknown order_id ${req.params.orderId}` });
    res.json(tx);
  });

  router.post("/__sim/transactions/:orderId/:action", jsonBody, (req, res, next) => {
    const action = ACTIONS.find((a) => a === req.params.action);
    if (!action) return void res.status(404).json({ error: `Unknown action ${req.params.action}` });
    const body: unknown = req.body ?? {};
    try {
      if (action === "pay") {
        const choice = paymentChoice.safeParse(body);
        if (!choice.success) return void res.status(400).json({ error: z.prettifyError(choice.error) });
        return void res.json(engine.perform(action, req.params.orderId, { choice: choice.data }));
      }
      const refund = action === "refund" ? refundInput.safeParse(body) : undefined;
      if (refund && !refund.success) return void res.status(400).json({ error: z.prettifyError(refund.error) });
      res.json(engine.perform(action, req.params.orderId, refund?.data ?? {}));
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
      res.status(ERROR_STATUS[err.code]).json({ error: err.message });
    }
  });

  router.get("/__sim/notifications", (_req, res) => void res.json(notifier.log()));

  // Fault modes: PUT replaces the whole configuration ({} is healthy), DELETE resets it.
  router.get("/__sim/faults", (_req, res) => void res.json(faults.get()));
  router.put("/__sim/faults", jsonBody, (req, res, next) => {
    if (!req.is("application/json")) return void res.status(400).json({ error: "Send the fault configuration as JSON (content-type: application/json)" });
    try {
      faults.set(parseFaultConfig(req.body));
    } catch (err) {
      if (!(err instanceof SimulatorError)) return next(err);
      return void res.status(400).json({ error: err.message });
    }
    res.json(faults.get());
  });
  router.delete("/__sim/faults", (_req, res) => {
    faults.set({});
    res.json(faults.get());
  });

  router.get("/__sim/stats", (_req, res) => void res.json(faults.stats()));
  router.delete("/__sim/stats", (_req, res) => {
    faults.resetStats();
    res.json(faults.stats());
  });

  return router;
}
