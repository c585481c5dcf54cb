import { createHash } from "node:crypto";
import { signatureKey } from "./signature";
import { STATUS_CODES, refundedAmount } from "./state";
import { formatJakartaTime } from "./time";
import type { SimTransaction } from "./types";

export interface Merchant {
  serverKey: string;
  merchantId: string;
}

/** A stable "G" + 9 digits merchant id per server key, like Midtrans's. */
export function merchantIdFor(serverKey: string): string {
  const n = BigInt(`0x${createHash("sha256").update(serverKey).digest("hex").slice(0, 15)}`);
  return `G${(n % 1_000_000_000n).toString().padStart(9, "0")}`;
}

/** Midtrans writes IDR amounts as strings with two decimals. */
export function midtransAmount(amount: number): string {
  return amount.toFixed(2);
}

const WIB = (iso: string) => formatJakartaTime(new Date(iso));

/**
 * The transaction as Midtrans describes it in notifications and Get Status: string values,
 * WIB times, and a signature over the exact order_id, status_code and gross_amount strings.
 * Only for transactions with a payment (transaction_status set).
 */
export function describeTransaction(tx: SimTransaction, statusMessage: string, merchant: Merchant): Record<string, unknown> {
  if (tx.transaction_status === null || tx.payment_type === null || !tx.transaction_id || !tx.transaction_time) {
    throw new Error(`describeTransaction: ${tx.order_id} has no payment yet`);
  }
  const statusCode = STATUS_CODES[tx.transaction_status];
  const grossAmount = midtransAmount(tx.gross_amount);
  const { va_numbers, permata_va_number, ...methodFields } = tx.payment;
  const isCard = tx.payment_type === "credit_card";

  return {
    transaction_time: WIB(tx.transaction_time),
    transaction_status: tx.transaction_status,
    transaction_id: tx.transaction_id,
    status_message: statusMessage,
    status_code: statusCode,
    signature_key: signatureKey(tx.order_id, statusCode, grossAmount, merchant.serverKey),
    ...(tx.settlement_time ? { settlement_time: WIB(tx.settlement_time) } : {}),
    payment_type: tx.payment_type,
    order_id: tx.order_id,
    merchant_id: merchant.merchantId,
    gross_amount: grossAmount,
    currency: tx.currency,
    ...(tx.fraud_status ? { fraud_status: tx.fraud_status } : {}),
    // Cards are charged at once; every other method has a payment deadline.
    ...(isCard ? {} : { expiry_time: WIB(tx.expiry_time) }),
    ...methodFields,
    ...(va_numbers ? { va_numbers } : {}),
    ...(permata_va_number ? { permata_va_number } : {}),
    ...(tx.payment_type === "bank_transfer" ? { payment_amounts: paymentAmounts(tx) } : {}),
    ...(tx.refunds.length > 0
      ? {
          refund_amount: midtransAmount(refundedAmount(tx)),
          refunds: tx.refunds.map((r) => ({
            refund_chargeback_id: r.refund_chargeback_id,
            refund_chargeback_uuid: r.refund_chargeback_uuid,
            refund_amount: midtransAmount(r.refund_amount),
            created_at: WIB(r.created_at),
            reason: r.reason,
            refund_key: r.refund_key,
            refund_method: "",
          })),
        }
      : {}),
  };
}

function paymentAmounts(tx: SimTransaction): { paid_at: string; amount: string }[] {
  return tx.settlement_time ? [{ paid_at: WIB(tx.settlement_time), amount: midtransAmount(tx.gross_amount) }] : [];
}

/** Core API action answers (cancel, approve, ...): the transaction without a signature, with the call's own status. */
export function describeAction(tx: SimTransaction, statusCode: string, statusMessage: string, merchant: Merchant): Record<string, unknown> {
  const { signature_key: _signature, ...rest } = describeTransaction(tx, statusMessage, merchant);
  return { ...rest, status_code: statusCode };
}
