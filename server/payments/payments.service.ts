import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { MidtransGatewayError } from "../midtrans/gateway";
import { authenticateClient } from "../projects/projects.service";
import { toIsoSeconds } from "../midtrans/time";
import * as q from "./payments.queries";
import {
  createShopPaymentInput,
  DIRECT_ITEM_ID,
  type CreateShopPaymentInput,
  type CreateShopPaymentResult,
  type PurchaseRow,
  type VerifyResult,
} from "./payments.schema";
import { buildStoreRedirectUrl } from "./redirect";
import { publicStatusOf } from "./status";

/** Snap pages live 24 h by default (midtrans-facts). */
const SNAP_LIFETIME_MS = 24 * 3600_000;
/** A `creating` row older than this belongs to a request that died mid-call: it may be taken over. */
const STALE_CREATING_MS = 2 * 60_000;

export function zodFields(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const i of issues) {
    const key = i.path.map(String).join(".") || "body";
    fields[key] ??= i.message;
  }
  return fields;
}

/** The name shown in Snap and sent in the webhook when the merchant gave none. */
export const displayItemName = (p: { item_name: string | null; order_id: string }) => p.item_name ?? `Order ${p.order_id}`;

type Claim = { kind: "new" | "retry"; purchase: PurchaseRow } | { kind: "existing"; purchase: PurchaseRow };

const sameRequest = (p: PurchaseRow, i: CreateShopPaymentInput, environment: string) =>
  p.environment === environment && p.amount === i.amount && p.buyer_email === i.buyer_email && p.buyer_name === i.buyer_name;

async function claimOrderId(ctx: PlatformContext, input: CreateShopPaymentInput, projectId: string, environment: string): Promise<Claim> {
  const fields = {
    environment,
    amount: input.amount,
    buyer_email: input.buyer_email,
    buyer_name: input.buyer_name,
    item_id: DIRECT_ITEM_ID,
    item_name: input.item_name,
    metadata: input.metadata,
  };
  return ctx.sql.begin(async (tx): Promise<Claim> => {
    const existing = await q.lockPurchaseByOrderId(tx, input.order_id);
    if (!existing) {
      const purchase = await q.insertCreatingPurchase(tx, { id: newId("pur"), project_id: projectId, order_id: input.order_id, ...fields });
      return { kind: "new", purchase };
    }
    if (existing.project_id !== projectId) throw orderIdTaken();
    const same = sameRequest(existing, input, environment);
    if (existing.status === "pending" && existing.invoice_url && same) return { kind: "existing", purchase: existing };
    const staleCreating = existing.status === "creating" && ctx.now().getTime() - existing.updated_at.getTime() > STALE_CREATING_MS;
    if (existing.status === "create_failed" || staleCreating) {
      return { kind: "retry", purchase: await q.restartFailedPurchase(tx, existing.id, fields) };
    }
    if (existing.status === "creating" && same) {
      throw new DomainError("request_in_progress", "A request for this order_id is still being processed; retry in a few seconds");
    }
    throw orderIdTaken();
  });
}

const orderIdTaken = () =>
  new DomainError("order_id_taken", "This order_id is already used by another payment; order ids must be unique");

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === "23505";

/**
 * POST /api/platform/shop-payment. The order_id is claimed in one short transaction,
 * Snap is called with no transaction open, and the outcome is recorded in another.
 */
export async function createShopPayment(
  ctx: PlatformContext,
  body: unknown,
): Promise<{ created: boolean; result: CreateShopPaymentResult }> {
  const parsed = createShopPaymentInput.safeParse(body);
  if (!parsed.success) {
    const fields = zodFields(parsed.error.issues);
    // Credentials problems are reported as such only after the rest validates.
    throw new DomainError("validation_failed", `Invalid request: ${Object.values(fields)[0]}`, fields);
  }
  const input = parsed.data;
  const credential = await authenticateClient(ctx.sql, input.client_id, input.client_secret);
  const environment = credential.environment;
  if (!ctx.gateway.isConfigured(environment)) {
    throw new DomainError("environment_unavailable", `Midtrans ${environment} is not configured on this platform`);
  }

  let claim: Claim;
  try {
    claim = await claimOrderId(ctx, input, credential.project_id, environment);
  } catch (e) {
    // Two first requests raced on the unique order_id: the loser re-reads the winner's row.
    if (!isUniqueViolation(e)) throw e;
    claim = await claimOrderId(ctx, input, credential.project_id, environment);
  }
  const result = (p: PurchaseRow): CreateShopPaymentResult => ({
    invoice_url: p.invoice_url!,
    order_id: p.order_id,
    purchase_id: p.id,
    status: "pending",
    amount: p.amount,
    environment: p.environment,
  });
  if (claim.kind === "existing") return { created: false, result: result(claim.purchase) };

  const purchase = claim.purchase;
  let snap: { token: string; redirect_url: string };
  try {
    snap = await ctx.gateway.createSnapTransaction(
      environment,
      {
        transaction_details: { order_id: purchase.order_id, gross_amount: purchase.amount },
        customer_details: { email: purchase.buyer_email, ...(purchase.buyer_name ? { first_name: purchase.buyer_name } : {}) },
        item_details: [{ id: DIRECT_ITEM_ID, price: purchase.amount, quantity: 1, name: displayItemName(purchase).slice(0, 50) }],
        callbacks: { finish: `${ctx.config.publicUrl}/purchase/callback` },
        custom_field1: purchase.id,
      },
      { notificationUrl: `${ctx.config.publicUrl}/api/midtrans/notification` },
    );
  } catch (e) {
    const err = e instanceof MidtransGatewayError ? e : new MidtransGatewayError("unreachable", String(e), null);
    await q.markCreateFailed(ctx.sql, purchase.id, `${err.kind}: ${err.message}`.slice(0, 1000));
    ctx.logger.warn({ order_id: purchase.order_id, kind: err.kind, httpStatus: err.httpStatus }, "snap create failed");
    throw new DomainError(
      "gateway_error",
      err.kind === "rejected" ? `Midtrans rejected the payment: ${err.message}` : `${err.message}; the order_id can be retried`,
      undefined,
      { midtrans_status: err.httpStatus, midtrans_messages: err.midtransMessages, retryable: err.retryable },
    );
  }
  const expiresAt = new Date(ctx.now().getTime() + SNAP_LIFETIME_MS);
  const updated = await ctx.sql.begin(async (tx) => {
    const row = await q.markSnapCreated(tx, purchase.id, { token: snap.token, invoice_url: snap.redirect_url, expires_at: expiresAt });
    await q.insertStatusHistory(tx, { purchase_id: purchase.id, from_status: "creating", to_status: row!.status, source: "create" });
    return row!;
  });
  return { created: true, result: result(updated) };
}

/** GET /api/platform/shop-payment/verify and the callback page: public, no personal data. */
export async function verifyPayment(ctx: PlatformContext, orderId: string): Promise<VerifyResult> {
  const row = await q.findVerifyRow(ctx.sql, orderId);
  const status = row ? publicStatusOf(row.status) : null;
  if (!row || !status) throw new DomainError("not_found", "No payment with this order_id");
  return {
    order_id: row.order_id,
    status,
    store_name: row.store_name,
    redirect_url: buildStoreRedirectUrl(row.store_url_template, row.store_slug),
    amount: row.amount,
    currency: row.currency,
    item_name: row.item_name,
    paid_at: row.paid_at ? toIsoSeconds(row.paid_at) : null,
  };
}
