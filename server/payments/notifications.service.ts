import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { applyMidtransTransaction } from "./apply-status";
import { findPurchaseByMidtransOrderId } from "./payments.queries";
import { environments } from "../midtrans/gateway";
import { midtransNotificationSchema, type MidtransTransaction } from "../midtrans/midtrans.schema";
import { insertNotification, recordNotificationOutcome } from "./notifications.queries";
import { verifyMidtransSignature } from "../midtrans/signature";

/** Headers worth keeping with a notification (never Authorization or cookies). */
const KEPT_HEADERS = ["content-type", "user-agent", "x-forwarded-for", "x-request-id", "x-real-ip"];

export interface IncomingNotification {
  rawBody: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddr: string | null;
}

export type NotificationAnswer = { outcome: "applied" | "duplicate" | "ignored"; detail?: string; signatureValid: boolean };

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).slice(0, 200) : null);

/**
 * POST /api/midtrans/notification. Every notification is recorded first; then its
 * signature is checked with the server key of the payment's environment; then the
 * status is confirmed with Get Status and applied through the state machine.
 * Throws DomainError for answers Midtrans should see as failures (it retries non-2xx).
 */
export async function handleMidtransNotification(ctx: PlatformContext, n: IncomingNotification): Promise<NotificationAnswer> {
  let body: unknown;
  try {
    body = JSON.parse(n.rawBody);
  } catch {
    body = undefined;
  }
  const obj = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const headers: Record<string, string> = {};
  for (const h of KEPT_HEADERS) {
    const v = n.headers[h];
    if (v) headers[h] = String(v).slice(0, 500);
  }
  const id = await insertNotification(ctx.sql, {
    raw_body: n.rawBody.slice(0, 64 * 1024),
    headers,
    remote_addr: n.remoteAddr,
    order_id: str(obj.order_id),
    transaction_status: str(obj.transaction_status),
    status_code: str(obj.status_code),
  });
  const reject = async (error: DomainError, signature_valid: boolean | null = null, extra: { purchase_id?: string; environment?: string } = {}) => {
    await recordNotificationOutcome(ctx.sql, id, { outcome: "rejected", detail: `${error.code}: ${error.message}`, signature_valid, ...extra });
    throw error;
  };

  if (body === undefined) return reject(new DomainError("invalid_json", "The body is not valid JSON"));
  if (typeof obj.signature_key !== "string" || !obj.signature_key) {
    return reject(new DomainError("invalid_signature", "signature_key is missing"), false);
  }
  const shape = midtransNotificationSchema.safeParse(obj);
  if (!shape.success) {
    return reject(new DomainError("validation_failed", "order_id, status_code, gross_amount and transaction_status are required"));
  }
  const orderId = String(shape.data.order_id);
  const purchase = await findPurchaseByMidtransOrderId(ctx.sql, orderId);
  if (!purchase) {
    // 200 so that Midtrans stops retrying; whether it was genuine is still recorded.
    const valid = environments.some((env) => {
      const key = ctx.gateway.serverKey(env);
      return key ? verifyMidtransSignature(obj, key) : false;
    });
    await recordNotificationOutcome(ctx.sql, id, { outcome: "ignored", detail: "unknown order_id", signature_valid: valid });
    return { outcome: "ignored", detail: "unknown order_id", signatureValid: valid };
  }
  const scope = { purchase_id: purchase.id, environment: purchase.environment };
  const serverKey = ctx.gateway.serverKey(purchase.environment);
  if (!serverKey) {
    return reject(new DomainError("environment_unavailable", `Midtrans ${purchase.environment} is not configured`), null, scope);
  }
  if (!verifyMidtransSignature(obj, serverKey)) {
    return reject(new DomainError("invalid_signature", "signature_key does not match"), false, scope);
  }

  // The body is authentic; Get Status is the authority on what the transaction is now.
  let current: MidtransTransaction | null;
  try {
    current = await ctx.gateway.getStatus(purchase.environment, orderId);
  } catch (e) {
    const err = new DomainError("gateway_error", `Could not confirm the status with Midtrans: ${(e as Error).message}`);
    await recordNotificationOutcome(ctx.sql, id, { outcome: "error", detail: err.message, signature_valid: true, ...scope });
    throw err;
  }
  if (!current) {
    const detail = "Midtrans Get Status does not know this order";
    await recordNotificationOutcome(ctx.sql, id, { outcome: "ignored", detail, signature_valid: true, ...scope });
    return { outcome: "ignored", detail, signatureValid: true };
  }
  const applied = await applyMidtransTransaction(ctx, purchase.id, current, { source: "notification", notificationId: id });
  const detail =
    applied.outcome === "applied" ? `${applied.from} -> ${applied.to} (${current.transaction_status})` : applied.outcome === "ignored" ? applied.reason : undefined;
  await recordNotificationOutcome(ctx.sql, id, { outcome: applied.outcome, detail, signature_valid: true, ...scope });
  return { outcome: applied.outcome, detail, signatureValid: true };
}
