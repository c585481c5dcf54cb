import { daysBefore, inBatches } from "../lib/batches";
import { createHash } from "node:crypto";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { findUnstorable, toStorableText, validationError } from "../lib/validation";
import { applyMidtransNotification, appliedDetail } from "./apply-status";
import { environments, type Environment } from "../midtrans/gateway";
import { midtransNotificationSchema, type MidtransTransaction } from "../midtrans/midtrans.schema";
import {
  deleteExpiredNotifications,
  findPurchaseAndRecordReceived,
  insertNotification,
  recordNotificationOutcome,
  type NewNotification,
} from "./notifications.queries";
import { verifyMidtransSignature } from "../midtrans/signature";

/** Headers worth keeping with a notification (never Authorization or cookies). */
const KEPT_HEADERS = ["content-type", "user-agent", "x-forwarded-for", "x-request-id", "x-real-ip"];

/** What is kept of a rejected notification's body: its first bytes (and its SHA-256 and size). */
export const REJECTED_EXCERPT_BYTES = 512;

export interface IncomingNotification {
  /** The body's bytes, as received (bounded by the route: 16 KB). */
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The sender's address (the one rejections are charged to). */
  remoteAddr: string | null;
}

/**
 * Anyone can POST to the notification URL. A notification that turns out not to be Midtrans's
 * (invalid JSON or fields, a signature that verifies with no configured server key, or with
 * another environment's key than its payment's) is charged to its sender BEFORE anything is
 * stored; over the sender's limit, `chargeRejection` throws (DomainError "rate_limited") and
 * nothing is stored. A notification with a valid signature is never charged.
 */
export interface NotificationGuard {
  chargeRejection(): Promise<void>;
}

export type NotificationAnswer = { outcome: "applied" | "duplicate" | "ignored"; detail?: string };

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? toStorableText(String(v).slice(0, 200)) : null);

/** PostgreSQL text cannot hold NUL; broken UTF-8 is already U+FFFD once decoded. */
const storableText = (body: Buffer) => body.toString("utf8").replaceAll("\u0000", "\uFFFD");

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, cut between characters. */
export function utf8Excerpt(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, "utf8");
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

function keptHeaders(headers: IncomingNotification["headers"], maxLength: number): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const h of KEPT_HEADERS) {
    const v = headers[h];
    if (v) kept[h] = String(v).slice(0, maxLength);
  }
  return kept;
}

/**
 * POST /api/midtrans/notification (docs/api.md#post-apimidtransnotification). The body is parsed
 * and its signature checked against the configured server keys first, with no database work.
 * A rejected notification is charged to its sender (`guard`), then stored as an excerpt; an
 * authentic one is stored whole, confirmed with Get Status and applied through the state machine.
 * Throws DomainError for answers Midtrans should see as failures (it retries non-2xx).
 */
export async function handleMidtransNotification(ctx: PlatformContext, n: IncomingNotification, guard: NotificationGuard): Promise<NotificationAnswer> {
  const text = storableText(n.body);
  let body: unknown;
  try {
    body = JSON.parse(n.body.toString("utf8"));
  } catch {
    body = undefined;
  }
  const obj = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const described = {
    remote_addr: n.remoteAddr,
    order_id: str(obj.order_id),
    transaction_status: str(obj.transaction_status),
    status_code: str(obj.status_code),
    body_sha256: createHash("sha256").update(n.body).digest("hex"),
    body_bytes: n.body.length,
  };

  const reject = async (
    error: DomainError,
    signature_valid: boolean | null,
    scope: { purchase_id?: string; environment?: Environment } = {},
  ): Promise<never> => {
    await guard.chargeRejection();
    await insertNotification(ctx.sql, {
      ...described,
      raw_body: utf8Excerpt(text, REJECTED_EXCERPT_BYTES),
      headers: keptHeaders(n.headers, 200),
      outcome: "rejected",
      detail: `${error.code}: ${error.message}`,
      signature_valid,
      ...scope,
    });
    throw error;
  };

  if (body === undefined) return reject(new DomainError("invalid_json", "The body is not valid JSON"), null);
  // A NUL or lone surrogate anywhere, or nesting past the limit: refused like missing fields (docs/api.md#limits-on-text-json-and-dates).
  const unstorable = findUnstorable(body);
  if (unstorable) return reject(validationError({ issues: [unstorable] }, "Invalid notification"), null);
  if (typeof obj.signature_key !== "string" || !obj.signature_key) {
    return reject(new DomainError("invalid_signature", "signature_key is missing"), false);
  }
  const shape = midtransNotificationSchema.safeParse(obj);
  if (!shape.success) {
    return reject(new DomainError("validation_failed", "order_id, status_code, gross_amount and transaction_status are required"), null);
  }
  // Which configured server keys made this signature: none means it is not Midtrans's.
  const signedFor = environments.filter((env) => {
    const key = ctx.gateway.serverKey(env);
    return key ? verifyMidtransSignature(obj, key) : false;
  });
  if (signedFor.length === 0) return reject(new DomainError("invalid_signature", "signature_key does not match"), false);

  const orderId = String(shape.data.order_id);
  const record = (o: Pick<NewNotification, "outcome" | "detail" | "purchase_id" | "environment">) =>
    insertNotification(ctx.sql, { ...described, raw_body: text, headers: keptHeaders(n.headers, 500), signature_valid: true, ...o });
  // Signed with one environment's key (the usual case: each environment has its own), the payment
  // can only be of that environment: Get Status is asked while the database finds the payment,
  // not after it. Its answer is used only once the payment is found and of that environment.
  const earlyStatus = signedFor.length === 1 ? ctx.gateway.getStatus(signedFor[0], orderId) : null;
  earlyStatus?.catch(() => undefined); // awaited below, or not needed (rejected, unknown order)
  // One statement finds the payment and stores the authentic notification as `received`
  // (the notification path's round trips: bench/RESULTS.md, "Database round trips").
  const found = await findPurchaseAndRecordReceived(ctx.sql, orderId, signedFor, { ...described, raw_body: text, headers: keptHeaders(n.headers, 500) });
  if (!found) {
    // Genuine, but not a payment of this platform: 200 so that Midtrans stops retrying.
    await record({ outcome: "ignored", detail: "unknown order_id" });
    return { outcome: "ignored", detail: "unknown order_id" };
  }
  const purchase = found.purchase;
  const scope = { purchase_id: purchase.id, environment: purchase.environment };
  if (found.notificationId === null) {
    // Only the server key of the payment's own environment speaks for it.
    if (!ctx.gateway.serverKey(purchase.environment)) {
      return reject(new DomainError("environment_unavailable", `Midtrans ${purchase.environment} is not configured`), null, scope);
    }
    return reject(new DomainError("invalid_signature", "signature_key does not match"), false, scope);
  }

  // The body is authentic; Get Status is the authority on what the transaction is now.
  const id = found.notificationId;
  let current: MidtransTransaction | null;
  try {
    current = await (earlyStatus && signedFor[0] === purchase.environment ? earlyStatus : ctx.gateway.getStatus(purchase.environment, orderId));
  } catch (e) {
    const err = new DomainError("gateway_error", `Could not confirm the status with Midtrans: ${(e as Error).message}`);
    await recordNotificationOutcome(ctx.sql, id, { outcome: "error", detail: err.message });
    throw err;
  }
  if (!current) {
    const detail = "Midtrans Get Status does not know this order";
    await recordNotificationOutcome(ctx.sql, id, { outcome: "ignored", detail });
    return { outcome: "ignored", detail };
  }
  // Decided on the row read with the notification, written in one statement if the row is still
  // that version (else decided again on the locked row); the outcome is recorded with it.
  const applied = await applyMidtransNotification(ctx, { purchase, rowVersion: found.rowVersion }, current, id);
  if (applied.outcome === "applied") return { outcome: "applied", detail: appliedDetail(applied.from, applied.to, current.transaction_status) };
  const detail = applied.outcome === "ignored" ? applied.reason : undefined;
  if (!applied.outcomeRecorded) await recordNotificationOutcome(ctx.sql, id, { outcome: applied.outcome, detail });
  return { outcome: applied.outcome, detail };
}

/**
 * Retention (run by the workers, server/runtime/workers.ts): deletes notifications older than
 * `config.rejectedNotificationRetentionDays` that were rejected or belong to no payment of this
 * platform, in batches so that no delete holds locks for long. Returns how many were deleted.
 */
export async function pruneNotifications(ctx: PlatformContext, opts: { batchSize?: number } = {}): Promise<number> {
  const cutoff = daysBefore(ctx.now(), ctx.config.rejectedNotificationRetentionDays);
  return inBatches(opts.batchSize, (limit) => deleteExpiredNotifications(ctx.sql, cutoff, limit));
}
