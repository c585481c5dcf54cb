/** Midtrans transaction_status values the simulator produces. */
export type TransactionStatus =
  | "pending"
  | "capture"
  | "settlement"
  | "deny"
  | "cancel"
  | "expire"
  | "refund"
  | "partial_refund";

export type PaymentType = "credit_card" | "gopay" | "qris" | "bank_transfer" | "echannel" | "cstore";
export type VaBank = "bca" | "bni" | "bri" | "permata";
/** Convenience stores (Midtrans's `cstore` payment type), as Midtrans names them in its bodies. */
export type CStore = "indomaret" | "alfamart";

export type PaymentChoice =
  | { type: "credit_card"; cardNumber: string; cvv: string; expiry?: string }
  | { type: "gopay" }
  | { type: "qris" }
  | { type: "bank_transfer"; bank: VaBank }
  /** Mandiri Bill Payment: a biller code and a bill key. */
  | { type: "echannel" }
  | { type: "cstore"; store: CStore };

export interface ItemDetail {
  id?: string;
  name: string;
  price: number;
  quantity: number;
}

export interface CustomerDetails {
  first_name?: string;
  last_name?: string;
  email?: string;
  phone?: string;
}

/** Method-specific fields, named as in Midtrans bodies. */
export interface PaymentDetails {
  masked_card?: string;
  bank?: string;
  card_type?: string;
  approval_code?: string;
  channel_response_code?: string;
  channel_response_message?: string;
  va_numbers?: { bank: string; va_number: string }[];
  permata_va_number?: string;
  /** Mandiri Bill Payment (echannel). */
  biller_code?: string;
  bill_key?: string;
  /** Convenience store (cstore). */
  store?: CStore;
  payment_code?: string;
  acquirer?: string;
  issuer?: string;
}

export interface SimRefund {
  refund_chargeback_id: number;
  refund_chargeback_uuid: string;
  refund_key: string;
  refund_amount: number;
  reason: string;
  /** ISO-8601 */
  created_at: string;
}

export interface SimTransaction {
  order_id: string;
  token: string;
  redirect_url: string;
  gross_amount: number;
  currency: "IDR";
  /** ISO-8601 */
  created_at: string;
  /** ISO-8601: the Snap page and a pending payment expire then. */
  expiry_time: string;
  finish_url: string | null;
  notification_urls: string[];
  customer_details: CustomerDetails | null;
  item_details: ItemDetail[];
  /** null until the buyer picks a payment method: Midtrans creates the transaction only then. */
  transaction_id: string | null;
  transaction_status: TransactionStatus | null;
  payment_type: PaymentType | null;
  fraud_status: "accept" | null;
  /** ISO-8601, when the buyer chose the method. */
  transaction_time: string | null;
  /** ISO-8601 */
  settlement_time: string | null;
  payment: PaymentDetails;
  refunds: SimRefund[];
}

export interface NotificationDelivery {
  order_id: string;
  url: string;
  body: Record<string, unknown>;
  /** 1 for the first try, then 2, 3, ... for retries. */
  attempt: number;
  responseStatus: number | null;
  error: string | null;
  /** ISO-8601: when the answer (or the failure) came back. */
  at: string;
  /** ISO-8601: when this attempt's request was sent (absent for a dropped notification, never sent). */
  sent_at?: string;
  /** With the notificationDuplicates fault: which copy (1..n) this attempt belongs to. */
  copy?: number;
  /** "dropped": lost to the notificationDropRate fault, never sent (attempt 1, no status, no retries). */
  fault?: "dropped";
}

export type SimulatorErrorCode = "not_found" | "conflict" | "invalid_input" | "refund_exceeds";

export class SimulatorError extends Error {
  constructor(
    readonly code: SimulatorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SimulatorError";
  }
}

/** Where the simulator logs (pino-compatible; silent in tests). */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}
