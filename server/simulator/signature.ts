import { createHash } from "node:crypto";

/**
 * Midtrans notification signature: hex SHA-512 over order_id + status_code + gross_amount + server key,
 * each exactly as written in the body ("75000.00" and "75000" hash differently).
 */
export function signatureKey(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash("sha512").update(orderId + statusCode + grossAmount + serverKey).digest("hex");
}
