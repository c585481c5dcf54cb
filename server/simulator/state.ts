import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import path from "node:path";
import { authorize, settlementDetails } from "./payment-methods";
import {
  SimulatorError,
  type CustomerDetails,
  type ItemDetail,
  type PaymentChoice,
  type SimRefund,
  type SimTransaction,
  type TransactionStatus,
} from "./types";

/** Midtrans's lifecycle; deny, cancel, expire and refund are final. */
const TRANSITIONS: Record<TransactionStatus, readonly TransactionStatus[]> = {
  pending: ["settlement", "capture", "deny", "cancel", "expire"],
  capture: ["settlement", "cancel", "refund", "partial_refund"],
  settlement: ["refund", "partial_refund", "deny"],
  partial_refund: ["partial_refund", "refund"],
  deny: [],
  cancel: [],
  expire: [],
  refund: [],
};

export const STATUS_CODES: Record<TransactionStatus, string> = {
  pending: "201",
  capture: "200",
  settlement: "200",
  deny: "202",
  cancel: "200",
  expire: "407",
  refund: "200",
  partial_refund: "200",
};

export interface NewTransaction {
  order_id: string;
  gross_amount: number;
  expiry_time: Date;
  finish_url: string | null;
  notification_urls: string[];
  customer_details: CustomerDetails | null;
  item_details: ItemDetail[];
  redirectUrlFor(token: string): string;
}

export interface RefundRequest {
  amount?: number;
  reason?: string;
  refund_key?: string;
}

export interface RefundOutcome {
  tx: SimTransaction;
  refund: SimRefund;
  /** true when the refund_key was seen before: nothing changed. */
  replayed: boolean;
}

/** What state.json holds: every transaction and the refund id counter. */
export interface StoreSnapshot {
  version: 1;
  next_refund_id: number;
  transactions: SimTransaction[];
}

/**
 * In-memory transactions and the rules for changing them. Returns live records: callers snapshot.
 * Every change ends in `onChange` (StateFile persists the store from there).
 */
export class TransactionStore {
  private readonly byOrderId = new Map<string, SimTransaction>();
  private nextRefundId = 1;
  /** Called after every change of a transaction. */
  onChange: (() => void) | null = null;

  /** Everything the store holds, as plain JSON-safe data (live objects: serialise at once). */
  snapshot(): StoreSnapshot {
    return { version: 1, next_refund_id: this.nextRefundId, transactions: this.list() };
  }

  /** Replaces the store's contents with a snapshot (on start, before anything is served). */
  restore(snapshot: StoreSnapshot): void {
    this.byOrderId.clear();
    for (const tx of snapshot.transactions) this.byOrderId.set(tx.order_id, tx);
    const highest = Math.max(0, ...snapshot.transactions.flatMap((tx) => tx.refunds.map((r) => r.refund_chargeback_id)));
    this.nextRefundId = Math.max(snapshot.next_refund_id, highest + 1);
  }

  private changed<T>(value: T): T {
    this.onChange?.();
    return value;
  }

  create(input: NewTransaction, now: Date): SimTransaction {
    if (this.byOrderId.has(input.order_id)) {
      throw new SimulatorError("conflict", "transaction_details.order_id sudah digunakan");
    }
    const token = randomUUID();
    const tx: SimTransaction = {
      order_id: input.order_id,
      token,
      redirect_url: input.redirectUrlFor(token),
      gross_amount: input.gross_amount,
      currency: "IDR",
      created_at: now.toISOString(),
      expiry_time: input.expiry_time.toISOString(),
      finish_url: input.finish_url,
      notification_urls: input.notification_urls,
      customer_details: input.customer_details,
      item_details: input.item_details,
      transaction_id: null,
      transaction_status: null,
      payment_type: null,
      fraud_status: null,
      transaction_time: null,
      settlement_time: null,
      payment: {},
      refunds: [],
    };
    this.byOrderId.set(tx.order_id, tx);
    return this.changed(tx);
  }

  get(orderId: string): SimTransaction | undefined {
    return this.byOrderId.get(orderId);
  }

  require(orderId: string): SimTransaction {
    const tx = this.byOrderId.get(orderId);
    if (!tx) throw new SimulatorError("not_found", `Unknown order_id ${orderId}`);
    return tx;
  }

  findByToken(token: string): SimTransaction | undefined {
    for (const tx of this.byOrderId.values()) if (tx.token === token) return tx;
    return undefined;
  }

  /** Core API paths take an order_id or a transaction_id; unpaid Snap transactions do not exist there yet. */
  findPaid(id: string): SimTransaction | undefined {
    const direct = this.byOrderId.get(id);
    if (direct) return direct.transaction_status ? direct : undefined;
    for (const tx of this.byOrderId.values()) if (tx.transaction_id === id) return tx;
    return undefined;
  }

  list(): SimTransaction[] {
    return [...this.byOrderId.values()];
  }

  isPageExpired(tx: SimTransaction, now: Date): boolean {
    return tx.transaction_status === null && now.getTime() >= Date.parse(tx.expiry_time);
  }

  /** Pending payments whose expiry has passed (Midtrans expires them and notifies). */
  overduePending(now: Date): SimTransaction[] {
    return this.list().filter((tx) => tx.transaction_status === "pending" && now.getTime() >= Date.parse(tx.expiry_time));
  }

  pay(orderId: string, choice: PaymentChoice, now: Date): SimTransaction {
    const tx = this.require(orderId);
    if (tx.transaction_status !== null) {
      throw new SimulatorError("conflict", `Transaction already has a payment (${tx.transaction_status})`);
    }
    if (this.isPageExpired(tx, now)) throw new SimulatorError("conflict", "Transaction has expired");
    const result = authorize(choice, now);
    tx.transaction_id = randomUUID();
    tx.transaction_status = result.status;
    tx.payment_type = result.payment_type;
    tx.fraud_status = "accept";
    tx.transaction_time = now.toISOString();
    tx.payment = result.payment;
    return this.changed(tx);
  }

  approve(orderId: string, now: Date): SimTransaction {
    const tx = this.transition(orderId, "settlement");
    tx.settlement_time = now.toISOString();
    tx.payment = { ...tx.payment, ...settlementDetails(tx.payment_type!) };
    return this.changed(tx);
  }

  /** pending -> deny, or settlement -> deny (a bank reversal). */
  deny(orderId: string): SimTransaction {
    return this.transition(orderId, "deny");
  }

  cancel(orderId: string): SimTransaction {
    return this.transition(orderId, "cancel");
  }

  /** pending -> expire. An unused Snap page just becomes expired: Midtrans has no transaction to change. */
  expire(orderId: string, now: Date): SimTransaction {
    const tx = this.require(orderId);
    if (tx.transaction_status === null) {
      if (!this.isPageExpired(tx, now)) tx.expiry_time = now.toISOString();
      return this.changed(tx);
    }
    return this.transition(orderId, "expire");
  }

  refund(orderId: string, request: RefundRequest, now: Date): RefundOutcome {
    const tx = this.require(orderId);
    const previous = request.refund_key && tx.refunds.find((r) => r.refund_key === request.refund_key);
    if (previous) return { tx, refund: previous, replayed: true };

    // refund and partial_refund are reachable from the same states.
    this.assertTransition(tx, "refund");
    const remaining = tx.gross_amount - refundedAmount(tx);
    const amount = request.amount ?? remaining;
    if (!Number.isInteger(amount) || amount <= 0) {
      throw new SimulatorError("invalid_input", "Refund amount must be a positive integer");
    }
    if (amount > remaining) {
      throw new SimulatorError("refund_exceeds", "Refund amount exceeds the remaining refundable amount of the transaction");
    }
    const refund: SimRefund = {
      refund_chargeback_id: this.nextRefundId++,
      refund_chargeback_uuid: randomUUID(),
      refund_key: request.refund_key ?? randomUUID(),
      refund_amount: amount,
      reason: request.reason ?? "",
      created_at: now.toISOString(),
    };
    tx.refunds.push(refund);
    tx.transaction_status = amount === remaining ? "refund" : "partial_refund";
    return this.changed({ tx, refund, replayed: false });
  }

  private transition(orderId: string, target: TransactionStatus): SimTransaction {
    const tx = this.require(orderId);
    this.assertTransition(tx, target);
    tx.transaction_status = target;
    return this.changed(tx);
  }

  private assertTransition(tx: SimTransaction, target: TransactionStatus): void {
    const current = tx.transaction_status;
    if (current === null) {
      throw new SimulatorError("conflict", "The buyer has not chosen a payment method yet");
    }
    if (!TRANSITIONS[current].includes(target)) {
      throw new SimulatorError("conflict", `Cannot change transaction status from ${current} to ${target}`);
    }
  }
}

export function refundedAmount(tx: SimTransaction): number {
  return tx.refunds.reduce((sum, r) => sum + r.refund_amount, 0);
}

/** Where StateFile logs (the simulator's logger). */
interface StateLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * The store kept in `dir/state.json` across restarts, as real Midtrans keeps its transactions:
 * loaded once on start, written after each change (debounced, so a burst is one write), always
 * whole and atomically (a temporary file, fsync, then rename: a crash leaves the old file or the
 * new one, never half of one). A file that cannot be read is moved aside, never overwritten.
 */
export class StateFile {
  readonly file: string;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    dir: string,
    private readonly store: TransactionStore,
    private readonly logger: StateLogger,
    private readonly debounceMs = 50,
  ) {
    // The directory is made at the first write: a start that changes nothing leaves no trace.
    this.file = path.join(dir, "state.json");
  }

  /** Restores the store from the file (if any) and persists every later change. Returns how many transactions were restored. */
  load(): number {
    if (existsSync(this.file)) {
      try {
        const snapshot = parseSnapshot(readFileSync(this.file, "utf8"));
        this.store.restore(snapshot);
        this.logger.info({ file: this.file, transactions: snapshot.transactions.length }, "simulator state restored");
      } catch (err) {
        const aside = `${this.file}.unreadable-${Date.now()}`;
        renameSync(this.file, aside);
        this.logger.warn(
          { file: this.file, movedTo: aside, err: err instanceof Error ? err.message : String(err) },
          "simulator state unreadable: starting empty",
        );
      }
    }
    this.store.onChange = () => this.schedule();
    return this.store.list().length;
  }

  /** Writes soon (after `debounceMs`), once for every change made until then. */
  schedule(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => void this.writeNow(), this.debounceMs);
  }

  /** Writes what is pending now; resolves once it is on disk. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writing || this.dirty) {
      if (this.writing) await this.writing;
      else await this.writeNow();
    }
  }

  /** Writes what is pending and stops persisting. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.store.onChange = null;
  }

  private writeNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dirty = false;
    const body = JSON.stringify(this.store.snapshot());
    const tmp = `${this.file}.${process.pid}.tmp`;
    this.writing = (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(tmp, "w");
      try {
        await handle.writeFile(body, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.file);
    })()
      .catch((err: unknown) => {
        this.logger.warn({ file: this.file, err: err instanceof Error ? err.message : String(err) }, "simulator state not written");
      })
      .finally(() => {
        this.writing = null;
        if (this.dirty && !this.closed && !this.timer) this.timer = setTimeout(() => void this.writeNow(), this.debounceMs);
      });
    return this.writing;
  }
}

function parseSnapshot(text: string): StoreSnapshot {
  const data: unknown = JSON.parse(text);
  if (typeof data !== "object" || data === null) throw new Error("not a JSON object");
  const { version, next_refund_id, transactions } = data as Partial<StoreSnapshot>;
  if (version !== 1) throw new Error(`unknown version ${String(version)}`);
  if (!Array.isArray(transactions) || typeof next_refund_id !== "number") throw new Error("missing transactions or next_refund_id");
  for (const tx of transactions) {
    if (typeof tx?.order_id !== "string" || typeof tx.token !== "string" || !Array.isArray(tx.refunds))
      throw new Error("a transaction without order_id, token or refunds");
  }
  return { version, next_refund_id, transactions };
}
