import type { Environment } from "../midtrans/gateway";
import type { MidtransTransaction } from "../midtrans/midtrans.schema";
import { parseJakartaTime } from "../midtrans/time";
import { toIsoSeconds } from "../lib/time";
import type { PlatformContext } from "../platform/context";
import { applyMidtransTransaction } from "./apply-status";
import type { PurchaseStatus } from "./lifecycle";
import { midtransOrderIdOf } from "./order-id";
import { isMidtransStatus } from "./status";

/**
 * How the buyer completes a pending payment, from Midtrans's Get Status (never from the query
 * string Snap appends): docs/midtrans.md#pending-instructions, docs/api.md#the-buyers-callback-page.
 * - `va`: transfer to a bank's virtual account (`va_numbers`, or `permata_va_number`);
 * - `mandiri_bill`: Mandiri Bill Payment (`biller_code`, `bill_key`);
 * - `cstore`: pay at a convenience store's till (`store`, `payment_code`);
 * - `continue`: the details live on the Snap page (GoPay, QRIS, …, or no method chosen yet).
 */
export type PaymentInstructionKind = "va" | "mandiri_bill" | "cstore" | "continue";

export interface PaymentInstructions {
  kind: PaymentInstructionKind;
  /** "bca" | "bni" | "bri" | "permata" | "cimb" | … (va), "mandiri" (mandiri_bill); lower case. */
  bank: string | null;
  vaNumber: string | null;
  billerCode: string | null;
  billKey: string | null;
  /** "indomaret" | "alfamart" | … (cstore); lower case. */
  store: string | null;
  paymentCode: string | null;
  /** The Snap payment page while it still accepts payment, else null. */
  continueUrl: string | null;
  /** The payment's deadline (UTC ISO 8601): Get Status's expiry_time, else the Snap page's expiry. */
  expiresAt: string | null;
}

/** What the instructions need of the payment besides Midtrans's answer. */
export interface InstructionsPayment {
  invoiceUrl: string | null;
  /** When the Snap page stops accepting payment. */
  snapExpiresAt: Date | null;
}

const text = (v: string | null | undefined): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const lower = (v: string | null | undefined): string | null => text(v)?.toLowerCase() ?? null;

/** Midtrans writes expiry_time in WIB without an offset; some bodies add " +0700". */
function expiryOf(t: MidtransTransaction | null): Date | null {
  const raw = text(t?.expiry_time);
  return raw ? parseJakartaTime(raw.replace(/\s*\+0700$/, "")) : null;
}

/**
 * The instructions for a pending payment from Get Status's answer (`null`: Midtrans does not
 * know the order yet, the buyer has not chosen a method). Null when Midtrans says it is not
 * pending. Pure.
 */
export function instructionsFrom(t: MidtransTransaction | null, payment: InstructionsPayment, now: Date): PaymentInstructions | null {
  if (t && t.transaction_status !== "pending") return null;
  const deadline = expiryOf(t) ?? payment.snapExpiresAt;
  const open = deadline === null || deadline.getTime() > now.getTime();
  const base: PaymentInstructions = {
    kind: "continue",
    bank: null,
    vaNumber: null,
    billerCode: null,
    billKey: null,
    store: null,
    paymentCode: null,
    continueUrl: open ? text(payment.invoiceUrl) : null,
    expiresAt: deadline ? toIsoSeconds(deadline) : null,
  };
  if (!t) return base;
  switch (t.payment_type) {
    case "bank_transfer": {
      const va = t.va_numbers?.find((v) => text(v.va_number));
      if (va) return { ...base, kind: "va", bank: lower(va.bank), vaNumber: text(va.va_number) };
      const permata = text(t.permata_va_number);
      if (permata) return { ...base, kind: "va", bank: "permata", vaNumber: permata };
      return base;
    }
    case "echannel": {
      const billKey = text(t.bill_key);
      return billKey ? { ...base, kind: "mandiri_bill", bank: "mandiri", billerCode: text(t.biller_code), billKey } : base;
    }
    case "cstore": {
      const code = text(t.payment_code);
      return code ? { ...base, kind: "cstore", store: lower(t.store), paymentCode: code } : base;
    }
    default:
      return base;
  }
}

// ---- Get Status for the buyer's page, cached -------------------------------------------

export interface PendingStatusOptions {
  /** How long a pending answer serves page loads (default 30 s). */
  ttlMs?: number;
  /** How long "Midtrans does not know the order yet" (404) serves (default 5 s: the buyer is choosing now). */
  notFoundTtlMs?: number;
  /** How long a failed or timed-out call is remembered as failed (default 5 s): an outage is not asked on every load. */
  failureTtlMs?: number;
  /** Payments remembered at most (default 1000); the oldest answer goes first. */
  maxEntries?: number;
  /** Bound on one Get Status call the page waits for (default 2 s). */
  timeoutMs?: number;
  /**
   * A finish redirect saying "final" skips cached answers older than this (default 1 s): at most
   * one such call per payment per interval, however often a forged query string is loaded.
   */
  confirmMinIntervalMs?: number;
}

/** The payment as the status reader needs it (a VerifyRow has these). */
export interface StatusTarget {
  id: string;
  environment: Environment;
  order_id: string;
  midtrans_order_id: string | null;
}

/** `undefined`: Get Status failed or timed out (remembered for failureTtlMs). */
export type StatusAnswer = MidtransTransaction | null | undefined;

export interface PendingStatusReader {
  /**
   * Get Status through the cache. `fresh`: a kept answer older than confirmMinIntervalMs does not
   * serve ("any"), or does not serve when it is "not known yet" ("not_found").
   */
  read(p: StatusTarget, opts?: { fresh?: "any" | "not_found" }): Promise<StatusAnswer>;
  /** Payments cached now. */
  size(): number;
}

/**
 * Get Status for open payments, shared by every buyer loading the callback page in this
 * process: one call per payment per TTL (concurrent loads share the call in flight), bounded in
 * entries and time. Only answers that say "still pending" or "not known yet", and failures
 * (briefly), are kept: a payment that moved is re-read from the database, never from here.
 */
export function createPendingStatusReader(ctx: PlatformContext, options: PendingStatusOptions = {}): PendingStatusReader {
  const ttlMs = options.ttlMs ?? 30_000;
  const notFoundTtlMs = options.notFoundTtlMs ?? 5_000;
  const failureTtlMs = options.failureTtlMs ?? 5_000;
  const maxEntries = Math.max(1, options.maxEntries ?? 1000);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const confirmMinIntervalMs = options.confirmMinIntervalMs ?? 1_000;
  // `undefined`: the last call failed.
  const cache = new Map<string, { at: number; value: StatusAnswer }>();
  const inFlight = new Map<string, Promise<StatusAnswer>>();
  const now = () => ctx.now().getTime();

  function remember(id: string, value: StatusAnswer): void {
    cache.delete(id);
    if (value && value.transaction_status !== "pending") return;
    cache.set(id, { at: now(), value });
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
  }

  function cached(id: string, fresh: "any" | "not_found" | undefined): { value: StatusAnswer } | undefined {
    const entry = cache.get(id);
    if (!entry) return undefined;
    const age = now() - entry.at;
    const ttl = entry.value === undefined ? failureTtlMs : entry.value === null ? notFoundTtlMs : ttlMs;
    if (age >= ttl || age < 0) {
      cache.delete(id);
      return undefined;
    }
    const skip = fresh === "any" || (fresh === "not_found" && !entry.value);
    return skip && age >= confirmMinIntervalMs ? undefined : { value: entry.value };
  }

  async function call(p: StatusTarget): Promise<StatusAnswer> {
    try {
      const t = await ctx.gateway.getStatus(p.environment, midtransOrderIdOf(p), { timeoutMs });
      remember(p.id, t);
      return t;
    } catch (err) {
      ctx.logger.warn({ purchase_id: p.id, err: err instanceof Error ? err.message : String(err) }, "callback page: Get Status failed");
      remember(p.id, undefined);
      return undefined;
    }
  }

  return {
    async read(p, opts = {}) {
      const hit = cached(p.id, opts.fresh);
      if (hit) return hit.value;
      const running = inFlight.get(p.id);
      if (running) return running;
      const promise = call(p).finally(() => inFlight.delete(p.id));
      inFlight.set(p.id, promise);
      return promise;
    },
    size: () => cache.size,
  };
}

/** What the callback page learns from Midtrans about a payment our database still has open. */
export interface PendingCheck {
  /** Midtrans's answer moved the payment (applied like a notification): read it again. */
  changed: boolean;
  /** How to finish paying; null when not pending or unknown (Get Status failed). */
  instructions: PaymentInstructions | null;
  /** Midtrans's payment_type when Get Status gave one. */
  paymentType: string | null;
}

/** The payment as `checkPendingPayment` needs it (a VerifyRow has these). */
export interface PendingPayment extends StatusTarget {
  status: PurchaseStatus;
  invoice_url: string | null;
  snap_expires_at: Date | null;
}

const NOTHING: PendingCheck = { changed: false, instructions: null, paymentType: null };

/**
 * For a pending payment: Get Status (cached, bounded), then either the instructions (still
 * pending) or the new status applied through the one status path (`applyMidtransTransaction`:
 * state machine, history, outbox, in one transaction; history source `reconcile`).
 *
 * `finishStatus` is the transaction_status Snap appended to the finish redirect: buyer-controlled,
 * so it only makes the check skip a kept answer: any, when it names a final status (a card just
 * paid is confirmed before the first render), or a kept "not known yet" when it says pending (the
 * buyer has just chosen a method). What the page shows is always what Midtrans answers. Failures
 * never throw: the page renders from the database.
 */
export async function checkPendingPayment(
  ctx: PlatformContext,
  reader: PendingStatusReader,
  p: PendingPayment,
  finishStatus?: string | null,
): Promise<PendingCheck> {
  // `creating`: the Snap call is under way, Midtrans knows nothing yet.
  if (p.status !== "pending") return NOTHING;
  const fresh = !isMidtransStatus(finishStatus) ? undefined : finishStatus === "pending" ? "not_found" : "any";
  const t = await reader.read(p, { fresh });
  if (t === undefined) return NOTHING;
  const paymentType = t?.payment_type ?? null;
  if (t === null || t.transaction_status === "pending") {
    return { changed: false, paymentType, instructions: instructionsFrom(t, { invoiceUrl: p.invoice_url, snapExpiresAt: p.snap_expires_at }, ctx.now()) };
  }
  try {
    const applied = await applyMidtransTransaction(ctx, p.id, t, { source: "reconcile" });
    if (applied.outcome === "ignored") ctx.logger.warn({ purchase_id: p.id, reason: applied.reason }, "callback page: Get Status answer not applied");
    // A duplicate means a notification got there first: the database has moved either way.
    return { changed: applied.outcome !== "ignored", instructions: null, paymentType };
  } catch (err) {
    ctx.logger.error({ purchase_id: p.id, err: err instanceof Error ? err.message : String(err) }, "callback page: applying Get Status failed");
    return { ...NOTHING, paymentType };
  }
}
