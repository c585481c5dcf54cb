import { randomInt } from "node:crypto";
import { SimulatorError, type CStore, type PaymentChoice, type PaymentDetails, type PaymentType, type VaBank } from "./types";

/** Midtrans sandbox test cards the simulator knows; every other number is rejected. */
export const SUCCESS_CARD = "4811111111111114";
export const DENIED_CARD = "4911111111111113";
export const TEST_CVV = "123";

export interface Authorization {
  status: "capture" | "deny" | "pending";
  payment_type: PaymentType;
  payment: PaymentDetails;
}

/** What the acquirer answers to the buyer's choice; throws invalid_input for cards the sandbox would refuse. */
export function authorize(choice: PaymentChoice, now: Date): Authorization {
  switch (choice.type) {
    case "credit_card":
      return authorizeCard(choice.cardNumber, choice.cvv, choice.expiry, now);
    case "gopay":
      return { status: "pending", payment_type: "gopay", payment: { acquirer: "gopay" } };
    case "qris":
      return { status: "pending", payment_type: "qris", payment: { acquirer: "gopay" } };
    case "bank_transfer":
      return { status: "pending", payment_type: "bank_transfer", payment: virtualAccount(choice.bank) };
    case "echannel":
      // Mandiri Bill Payment: the buyer pays bill key at biller code 70012 (Midtrans's biller code).
      return { status: "pending", payment_type: "echannel", payment: { biller_code: MANDIRI_BILLER_CODE, bill_key: digits(12) } };
    case "cstore":
      return { status: "pending", payment_type: "cstore", payment: { store: choice.store, payment_code: paymentCode(choice.store) } };
  }
}

/** Fields Midtrans adds once money arrives (the QRIS issuer is only known after the scan). */
export function settlementDetails(paymentType: PaymentType): PaymentDetails {
  return paymentType === "qris" ? { issuer: "gopay" } : {};
}

function authorizeCard(rawNumber: string, cvv: string, expiry: string | undefined, now: Date): Authorization {
  const number = rawNumber.replace(/[\s-]/g, "");
  if (number !== SUCCESS_CARD && number !== DENIED_CARD) {
    throw new SimulatorError("invalid_input", "Card not accepted: use a Midtrans sandbox test card");
  }
  if (cvv.trim() !== TEST_CVV) throw new SimulatorError("invalid_input", "Invalid CVV");
  if (expiry !== undefined && !isFutureExpiry(expiry, now)) {
    throw new SimulatorError("invalid_input", "Invalid or past card expiry (use MM/YY)");
  }
  const approved = number === SUCCESS_CARD;
  return {
    status: approved ? "capture" : "deny",
    payment_type: "credit_card",
    payment: {
      masked_card: `${number.slice(0, 8)}-${number.slice(-4)}`,
      bank: "bni",
      card_type: "credit",
      ...(approved ? { approval_code: digits(13) } : {}),
      channel_response_code: approved ? "00" : "05",
      channel_response_message: approved ? "Approved" : "Do not honour",
    },
  };
}

/** "MM/YY" or "MM/YYYY", valid through the last day of that month. */
function isFutureExpiry(expiry: string, now: Date): boolean {
  const m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  if (!m) return false;
  const month = Number(m[1]);
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12) return false;
  return Date.UTC(year, month, 1) > now.getTime();
}

/** The biller code Midtrans's Mandiri Bill Payment answers carry. */
export const MANDIRI_BILLER_CODE = "70012";

/** A numeric payment code the cashier types in (the simulator makes 14 digits for Indomaret, 16 for Alfamart). */
function paymentCode(store: CStore): string {
  return store === "alfamart" ? digits(16) : digits(14);
}

const VA_LENGTH: Record<VaBank, number> = { bca: 11, bni: 16, bri: 16, permata: 18 };

function virtualAccount(bank: VaBank): PaymentDetails {
  const vaNumber = digits(VA_LENGTH[bank]);
  // Permata VAs have their own field in Midtrans bodies instead of va_numbers.
  return bank === "permata" ? { permata_va_number: vaNumber } : { va_numbers: [{ bank, va_number: vaNumber }] };
}

function digits(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}
