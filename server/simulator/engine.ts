import { describeTransaction, merchantIdFor, type Merchant } from "./midtrans-body";
import type { Notifier, SimLogger } from "./notifier";
import type { SnapRequest } from "./snap-request";
import { TransactionStore, type RefundOutcome, type RefundRequest } from "./state";
import { SimulatorError, type PaymentChoice, type SimTransaction } from "./types";

export const ACTIONS = ["pay", "approve", "deny", "cancel", "expire", "refund", "resend"] as const;
export type Action = (typeof ACTIONS)[number];

export interface EngineOptions {
  serverKey: string;
  notifier: Notifier;
  logger: SimLogger;
  /** Known only once the server listens (port 0). */
  publicUrl: () => string;
}

/**
 * The simulator's operations: change state through the store, then notify. Shared by the Snap and
 * Core API routes, the payment page, the dashboard, the control API and the programmatic API.
 * Returns live records: callers outside the simulator get snapshots.
 */
export class SimulatorEngine {
  readonly store = new TransactionStore();
  readonly merchant: Merchant;

  constructor(private readonly opts: EngineOptions) {
    this.merchant = { serverKey: opts.serverKey, merchantId: merchantIdFor(opts.serverKey) };
  }

  createTransaction(request: SnapRequest, notificationUrls: string[], now: Date): SimTransaction {
    const tx = this.store.create(
      {
        ...request,
        notification_urls: notificationUrls,
        redirectUrlFor: (token) => `${this.opts.publicUrl()}/snap/v4/redirection/${token}`,
      },
      now,
    );
    this.opts.logger.info({ order_id: tx.order_id, gross_amount: tx.gross_amount }, "snap transaction created");
    return tx;
  }

  pay(orderId: string, choice: PaymentChoice): SimTransaction {
    return this.notifyAfter(this.store.pay(orderId, choice, new Date()));
  }

  approve(orderId: string): SimTransaction {
    return this.notifyAfter(this.store.approve(orderId, new Date()));
  }

  deny(orderId: string): SimTransaction {
    return this.notifyAfter(this.store.deny(orderId));
  }

  cancel(orderId: string): SimTransaction {
    return this.notifyAfter(this.store.cancel(orderId));
  }

  /** An unused Snap page expires silently: Midtrans sends no notification for it. */
  expire(orderId: string): SimTransaction {
    const tx = this.store.expire(orderId, new Date());
    return tx.transaction_status === "expire" ? this.notifyAfter(tx) : tx;
  }

  refund(orderId: string, request: RefundRequest): RefundOutcome {
    const outcome = this.store.refund(orderId, request, new Date());
    if (!outcome.replayed) this.notifyAfter(outcome.tx);
    return outcome;
  }

  resendNotification(orderId: string): void {
    const tx = this.store.require(orderId);
    if (tx.transaction_status === null) {
      throw new SimulatorError("conflict", "Nothing to notify: the buyer has not chosen a payment method yet");
    }
    this.notifyAfter(tx);
  }

  /** Shared by the dashboard and the control API; `input` is the already validated action body. */
  perform(action: Action, orderId: string, input: { choice?: PaymentChoice; amount?: number; reason?: string }): SimTransaction {
    switch (action) {
      case "pay":
        if (!input.choice) throw new SimulatorError("invalid_input", "pay needs a payment choice");
        return this.pay(orderId, input.choice);
      case "approve":
        return this.approve(orderId);
      case "deny":
        return this.deny(orderId);
      case "cancel":
        return this.cancel(orderId);
      case "expire":
        return this.expire(orderId);
      case "refund":
        return this.refund(orderId, { amount: input.amount, reason: input.reason }).tx;
      case "resend":
        this.resendNotification(orderId);
        return this.store.require(orderId);
    }
  }

  /** Midtrans expires pending payments at their deadline and notifies; run before reads and on a timer. */
  expireOverdue(): void {
    for (const tx of this.store.overduePending(new Date())) this.expire(tx.order_id);
  }

  private notifyAfter(tx: SimTransaction): SimTransaction {
    const body = describeTransaction(tx, "midtrans payment notification", this.merchant);
    this.opts.notifier.send(tx.order_id, tx.notification_urls, body);
    return tx;
  }
}
