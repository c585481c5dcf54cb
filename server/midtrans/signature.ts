import { createHash, timingSafeEqual } from "node:crypto";

type Scalar = string | number;

/** hex(SHA-512(order_id + status_code + gross_amount + server_key)), values exactly as sent. */
export function midtransSignature(orderId: Scalar, statusCode: Scalar, grossAmount: Scalar, serverKey: string): string {
  return createHash("sha512").update(`${orderId}${statusCode}${grossAmount}${serverKey}`).digest("hex");
}

const isScalar = (v: unknown): v is Scalar => typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

/**
 * Verifies a notification body's signature_key in constant time. Numbers are
 * stringified as JSON wrote them (`201`, `10000`), strings are used as they are.
 */
export function verifyMidtransSignature(body: Record<string, unknown>, serverKey: string): boolean {
  const { order_id, status_code, gross_amount, signature_key } = body;
  if (!isScalar(order_id) || !isScalar(status_code) || !isScalar(gross_amount) || typeof signature_key !== "string") {
    return false;
  }
  const expected = Buffer.from(midtransSignature(order_id, status_code, gross_amount, serverKey), "utf8");
  const given = Buffer.from(signature_key.toLowerCase(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
