import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { MidtransGatewayError } from "../midtrans/gateway";
import type { CredentialRow } from "../projects/projects.schema";
import { chargedAmount, findPurchasableItem } from "../items/items.service";
import { toIsoSeconds } from "../lib/time";
import * as q from "./payments.queries";
import type { VerifyRow } from "./payments.queries";
import {
  DEFAULT_EXPIRY_MINUTES,
  DIRECT_ITEM_ID,
  type CreateItemPurchaseInput,
  type CreateShopPaymentInput,
  type CreateShopPaymentResult,
  type PurchaseRow,
  type VerifyResult,
} from "./payments.schema";
import { buildStoreRedirectUrl } from "./redirect";
import { isOpen, publicStatusOf } from "./lifecycle";
import { midtransOrderIdOf, newMidtransOrderId } from "./order-id";

/** A `creating` row older than this belongs to a request that died mid-call: it may be taken over. */
const STALE_CREATING_MS = 2 * 60_000;

/** The name shown in Snap and sent in the webhook when the merchant gave none. */
export const displayItemName = (p: { item_name: string | null; order_id: string }) => p.item_name ?? `Order ${p.order_id}`;

/** One purchase to start, whichever endpoint asked for it. */
interface PurchaseRequest {
  order_id: string;
  amount: number;
  item_id: string;
  item_name: string | null;
  buyer_email: string;
  buyer_name: string | null;
  metadata: Record<string, unknown>;
  idempotency_key: string | null;
  /** Snap page lifetime (payments.schema.ts bounds); null: Snap's default, 24 hours. */
  expiry_minutes: number | null;
}

type Claim = { kind: "new" | "retry" | "existing"; purchase: PurchaseRow };

/** The columns a request sets on its purchase (on insert, and on a retry in place). */
const purchaseFields = (r: PurchaseRequest, environment: string) => ({
  environment,
  amount: r.amount,
  buyer_email: r.buyer_email,
  buyer_name: r.buyer_name,
  item_id: r.item_id,
  item_name: r.item_name,
  metadata: r.metadata,
});

const sameRequest = (p: PurchaseRow, r: PurchaseRequest, environment: string) =>
  p.environment === environment &&
  p.amount === r.amount &&
  p.item_id === r.item_id &&
  p.buyer_email === r.buyer_email &&
  p.buyer_name === r.buyer_name;

/**
 * A request whose order_id (or Idempotency-Key) already exists, decided under a row lock in
 * one short transaction: a repeat of the same request gets the same purchase; a failed
 * creation is retried in place; anything else is a conflict.
 */
async function claimPurchase(ctx: PlatformContext, req: PurchaseRequest, projectId: string, environment: string, by: "order_id" | "idempotency_key"): Promise<Claim> {
  // Order ids and Idempotency-Keys are the merchant's, per project AND environment: another
  // merchant's, or the project's other environment's, never conflict (docs/api.md#idempotency).
  const scope = { projectId, environment };
  return ctx.sql.begin(async (tx): Promise<Claim> => {
    const existing =
      by === "order_id" ? await q.lockPurchaseByOrderId(tx, scope, req.order_id) : await q.lockPurchaseByIdempotencyKey(tx, scope, req.idempotency_key!);
    // The insert that sent us here conflicted with a committed row, so it is visible now.
    if (!existing) throw new DomainError("request_in_progress", "A request for this purchase is still being processed; retry in a few seconds");
    const fields = purchaseFields(req, environment);
    const conflict = () =>
      by === "order_id"
        ? new DomainError("order_id_taken", "This order_id is already used by another payment of this project in this environment")
        : new DomainError("idempotency_key_reused", "This Idempotency-Key was used for a different request");
    if (existing.project_id !== projectId) throw conflict();
    const same = sameRequest(existing, req, environment);
    if (existing.status === "pending" && existing.invoice_url && same) return { kind: "existing", purchase: existing };
    const staleCreating = existing.status === "creating" && ctx.now().getTime() - existing.updated_at.getTime() > STALE_CREATING_MS;
    if ((existing.status === "create_failed" || staleCreating) && (by === "order_id" || same)) {
      // A request that died mid-call may have created the Snap transaction: do not reuse its id.
      const nextMidtransOrderId = staleCreating ? newMidtransOrderId(existing.order_id) : null;
      return { kind: "retry", purchase: await q.restartFailedPurchase(tx, existing.id, fields, nextMidtransOrderId) };
    }
    if (existing.status === "creating" && same) {
      throw new DomainError("request_in_progress", "A request for this purchase is still being processed; retry in a few seconds");
    }
    throw conflict();
  });
}

/**
 * Starts a purchase: claim (one transaction), Snap (no transaction open), record the
 * outcome (another transaction). Shared by shop payments and item purchases.
 */
async function startPurchase(
  ctx: PlatformContext,
  credential: CredentialRow,
  req: PurchaseRequest,
  by: "order_id" | "idempotency_key" | "none",
): Promise<{ created: boolean; result: CreateShopPaymentResult }> {
  const environment = credential.environment;
  if (!ctx.gateway.isConfigured(environment)) {
    throw new DomainError("environment_unavailable", `Midtrans ${environment} is not configured on this platform`);
  }
  // The common case, a first request, is one statement; only a repeat takes the locking path.
  const inserted = await q.tryInsertCreatingPurchase(ctx.sql, {
    id: newId("pur"),
    project_id: credential.project_id,
    order_id: req.order_id,
    // What Midtrans will know the purchase by: unique platform-wide, whoever else uses order_id.
    midtrans_order_id: newMidtransOrderId(req.order_id),
    idempotency_key: req.idempotency_key,
    ...purchaseFields(req, environment),
  });
  let claim: Claim;
  if (inserted) claim = { kind: "new", purchase: inserted };
  else if (by === "none") throw new DomainError("request_in_progress", "Please retry"); // a generated order id collided: practically never
  else {
    claim = await claimPurchase(ctx, req, credential.project_id, environment, by);
  }
  const result = (p: PurchaseRow): CreateShopPaymentResult => ({
    invoice_url: p.invoice_url!,
    order_id: p.order_id,
    purchase_id: p.id,
    status: "pending",
    amount: p.amount,
    environment: p.environment,
    expires_at: toIsoSeconds(p.snap_expires_at ?? new Date(p.created_at.getTime() + DEFAULT_EXPIRY_MINUTES * 60_000)),
  });
  if (claim.kind === "existing") return { created: false, result: result(claim.purchase) };

  const purchase = claim.purchase;
  const expiryMinutes = req.expiry_minutes ?? DEFAULT_EXPIRY_MINUTES;
  // Counted from before the call: Snap counts from its own receipt, a little later (never earlier).
  const expiresAt = new Date(ctx.now().getTime() + expiryMinutes * 60_000);
  let snap: { token: string; redirect_url: string };
  try {
    snap = await ctx.gateway.createSnapTransaction(
      environment,
      {
        transaction_details: { order_id: midtransOrderIdOf(purchase), gross_amount: purchase.amount },
        customer_details: { email: purchase.buyer_email, ...(purchase.buyer_name ? { first_name: purchase.buyer_name } : {}) },
        item_details: [{ id: purchase.item_id.slice(0, 50), price: purchase.amount, quantity: 1, name: displayItemName(purchase).slice(0, 50) }],
        callbacks: { finish: `${ctx.config.publicUrl}/purchase/callback` },
        custom_field1: purchase.id,
        // Astapa owns expiry: the page lives exactly as long as the merchant asked (docs/api.md#expiry).
        expiry: { unit: "minutes", duration: expiryMinutes },
      },
      { notificationUrl: `${ctx.config.publicUrl}/api/midtrans/notification` },
    );
  } catch (e) {
    const err = e instanceof MidtransGatewayError ? e : new MidtransGatewayError("unreachable", String(e), null);
    // No answer or a 5xx: Midtrans may have created the transaction all the same, and would
    // then refuse this order id forever ("sudah digunakan"). The retry asks under a fresh one.
    // A 4xx is a definite no: the same id again (it may be taken outside Astapa).
    const nextMidtransOrderId = err.retryable ? newMidtransOrderId(purchase.order_id) : null;
    await q.markCreateFailed(ctx.sql, purchase.id, `${err.kind}: ${err.message}`.slice(0, 1000), nextMidtransOrderId);
    ctx.logger.warn({ order_id: purchase.order_id, kind: err.kind, httpStatus: err.httpStatus }, "snap create failed");
    throw new DomainError(
      "gateway_error",
      err.kind === "rejected" ? `Midtrans rejected the payment: ${err.message}` : `${err.message}; the request can be retried`,
      undefined,
      { midtrans_status: err.httpStatus, midtrans_messages: err.midtransMessages, retryable: err.retryable },
    );
  }
  const updated = await q.markSnapCreated(ctx.sql, purchase.id, { token: snap.token, invoice_url: snap.redirect_url, expires_at: expiresAt });
  return { created: true, result: result(updated!) };
}

/** POST /api/platform/shop-payment: the merchant's own order_id and amount. */
export async function createShopPayment(
  ctx: PlatformContext,
  /** Authenticated by the transport (projects.service authenticateClient) before any per-client limit. */
  credential: CredentialRow,
  input: CreateShopPaymentInput,
): Promise<{ created: boolean; result: CreateShopPaymentResult }> {
  return startPurchase(
    ctx,
    credential,
    {
      order_id: input.order_id,
      amount: input.amount,
      item_id: DIRECT_ITEM_ID,
      item_name: input.item_name,
      buyer_email: input.buyer_email,
      buyer_name: input.buyer_name,
      metadata: input.metadata,
      idempotency_key: null,
      expiry_minutes: input.expiry_minutes,
    },
    "order_id",
  );
}

/** Unguessable, Midtrans-safe (≤ 50 of [a-z0-9-]) order id for catalog purchases. */
export const generateOrderId = () => newId("ast", 24).replace("_", "-");

/** POST /api/platform/purchase: an item of the project's catalog, order_id made by Astapa. */
export async function createItemPurchase(
  ctx: PlatformContext,
  credential: CredentialRow,
  input: CreateItemPurchaseInput,
  /** Validated by the transport (idempotencyKeySchema); undefined when the request has none. */
  idempotencyKey: string | undefined,
): Promise<{ created: boolean; result: CreateShopPaymentResult & { item_id: string } }> {
  const item = await findPurchasableItem(ctx.sql, credential.project_id, input.item_id);
  const amount = chargedAmount(item, input.amount);
  const out = await startPurchase(
    ctx,
    credential,
    {
      order_id: generateOrderId(),
      amount,
      item_id: item.id,
      item_name: item.name, // a snapshot: renaming or repricing the item later changes no purchase
      buyer_email: input.buyer_email,
      buyer_name: input.buyer_name,
      metadata: input.metadata,
      idempotency_key: idempotencyKey ?? null,
      expiry_minutes: input.expiry_minutes,
    },
    idempotencyKey !== undefined ? "idempotency_key" : "none",
  );
  return { created: out.created, result: { ...out.result, item_id: item.id } };
}

/**
 * The payment an order id names, for the public endpoints (verify, the callback page):
 * - with a client_id (public: it names a credential, hence a project AND an environment), the
 *   payment using that order id there; an unknown client_id is the same 404 as an unknown order;
 * - without one, the payment whose Midtrans order id it is (Astapa derives those: unique, and
 *   what Snap appends to the callback URL), else THE payment using it as its order_id, or
 *   `ambiguous_order_id` when several merchants or environments use it.
 * A failed creation is not a payment (404). docs/api.md#get-apiplatformshop-paymentverify
 */
export async function findPublicPayment(ctx: PlatformContext, orderId: string, clientId?: string): Promise<VerifyRow> {
  const notFound = () => new DomainError("not_found", "No payment with this order_id");
  if (clientId !== undefined) {
    const row = await q.findPublicPaymentForClient(ctx.sql, clientId, orderId);
    if (!row) throw notFound();
    return row;
  }
  const [first, second] = await q.findPublicPaymentCandidates(ctx.sql, orderId);
  if (!first) throw notFound();
  if (!first.by_midtrans_id && second) {
    throw new DomainError(
      "ambiguous_order_id",
      "Several payments use this order_id (other merchants or environments): add your client_id to choose yours",
    );
  }
  return first;
}

/** A public payment as verify answers it: no personal data, and only the merchant's order_id. */
export function toVerifyResult(row: VerifyRow): VerifyResult {
  return {
    order_id: row.order_id,
    status: publicStatusOf(row.status)!,
    store_name: row.store_name,
    redirect_url: buildStoreRedirectUrl(row.store_url_template, row.store_slug),
    amount: row.amount,
    currency: row.currency,
    item_name: row.item_name,
    paid_at: row.paid_at ? toIsoSeconds(row.paid_at) : null,
    refunded_amount: row.refunded_amount,
    expires_at: row.snap_expires_at ? toIsoSeconds(row.snap_expires_at) : null,
  };
}

/**
 * GET /api/platform/shop-payment/verify: public, no personal data. Answered from this process's
 * cache when it has one (ctx.publicPayments, dropped on every status change: decisions/0016);
 * a not-found or ambiguous order id is never kept, so it always asks the database.
 */
export async function verifyPayment(ctx: PlatformContext, orderId: string, clientId?: string): Promise<VerifyResult> {
  const load = async () => {
    const row = await findPublicPayment(ctx, orderId, clientId);
    return { answer: toVerifyResult(row), open: isOpen(row.status) };
  };
  if (!ctx.publicPayments) return (await load()).answer;
  return ctx.publicPayments.get(orderId, clientId, load);
}
