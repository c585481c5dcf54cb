import { z } from "zod";
import { createDocument, type CreateDocumentOptions, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import type { ErrorCode } from "../lib/errors";
import { httpStatusOf } from "../http/errors";
import { MAX_BODY_BYTES } from "../http/body";
import {
  createItemPurchaseInput,
  createShopPaymentInput,
  createShopPaymentResult,
  idempotencyKeySchema,
  itemPurchaseResult,
  verifyResult,
} from "../payments/payments.schema";
import { merchantRefundInput, merchantRefundResult } from "../payments/refunds.service";
import { publicItemList } from "../items/items.schema";
import { merchantEventPage, resendOutcome, testEventOutcome } from "../webhooks/events-api.service";
import { eventIdParams, listEventsQuery, testEventBody } from "./events.routes";
import { REFUND_PATH } from "./refunds.routes";
import { VERIFY_PATH } from "./verify.handler";

/**
 * The merchant API's OpenAPI 3.1 document (docs/api.md is the prose; this is the machine-readable
 * contract, served at `GET /api/platform/openapi.json`, rendered at `/docs/api`). It is built from
 * the zod schemas the handlers parse requests with and type their answers by, and from
 * `httpStatusOf`, so neither a field nor a status can drift from the code without the document
 * following. The test suite checks every merchant-API answer it receives against it
 * (server/testing/openapi-guard.ts). Why: docs/decisions/0013-openapi-from-zod.md.
 */

export const OPENAPI_JSON_PATH = "/api/platform/openapi.json";

// ---- errors: one body shape, the codes each operation can answer, grouped by their one status ----

/** The extra fields some codes carry (`errorBody` in server/http/errors.ts spreads a DomainError's details). */
const errorDetails = {
  fields: z.record(z.string(), z.string()).optional().meta({ description: "Per-field messages, keyed by the field's path (validation_failed)" }),
  midtrans_status: z.number().int().nullable().optional().meta({ description: "Midtrans's HTTP status (gateway_error, refund errors)" }),
  midtrans_messages: z.array(z.string()).optional().meta({ description: "Midtrans's own messages" }),
  retryable: z.boolean().optional().meta({ description: "gateway_error: the same request may be retried" }),
  retry_after_seconds: z.number().int().optional().meta({ description: "rate_limited: seconds until a retry can succeed (also Retry-After)" }),
  remaining_amount: z.number().int().optional().meta({ description: "refund_amount_exceeds_remaining: what is left to refund" }),
};

const errorSchema = (codes: readonly ErrorCode[]) =>
  z.object({
    error: z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]), message: z.string(), ...errorDetails }),
  });

const retryAfter = z.string().regex(/^\d+$/).meta({ description: "Seconds to wait before retrying" });
const wwwAuthenticate = z.string().meta({ description: 'Basic realm="astapa"' });

/** Errors every operation can answer: limits, an unexpected failure, the database unavailable. */
const COMMON: ErrorCode[] = ["rate_limited", "internal_error", "service_unavailable"];
/** Errors of an operation that reads a JSON body (server/http/body.ts). */
const BODY: ErrorCode[] = ["invalid_json", "unsupported_content_type", "validation_failed", "payload_too_large"];

const WHEN: Partial<Record<ErrorCode, string>> = {
  invalid_json: "the body is not valid JSON, or not a JSON object",
  unsupported_content_type: "the body is not application/json",
  validation_failed: "invalid fields (see `fields`)",
  payload_too_large: `the body is over ${MAX_BODY_BYTES} bytes`,
  invalid_client: "unknown client, wrong secret or revoked credential (one answer for all)",
  not_found: "no such resource for this caller",
  item_not_found: "unknown item, another project's item, or __direct__",
  item_inactive: "the item is not for sale at the moment",
  order_id_taken: "the order_id belongs to another payment of the same project and environment",
  ambiguous_order_id: "several payments use this order_id: add client_id",
  request_in_progress: "the same request is still being processed; retry in a few seconds",
  idempotency_key_reused: "the Idempotency-Key was used for a different request",
  payment_not_paid: "the payment is not paid",
  already_fully_refunded: "everything was refunded already",
  refund_amount_exceeds_remaining: "amount is above what is left to refund",
  refund_not_supported: "Midtrans cannot refund this payment through its API (it answered 412)",
  webhook_endpoint_missing: "the environment has no webhook URL",
  forbidden: "test events are for sandbox credentials only",
  rate_limited: "over a rate limit; Retry-After says when to retry",
  internal_error: "an unexpected failure (logged; the body says nothing more)",
  gateway_error: "Midtrans unreachable, timed out, answered 5xx (retryable) or refused the request",
  environment_unavailable: "production credentials on a platform with no Midtrans production key",
  service_unavailable: "the database is unavailable; Retry-After says when to retry",
};

/**
 * The error responses of an operation: each code under its one HTTP status (`httpStatusOf`).
 * 429 always, and 503 when the database is the only cause, carry a required Retry-After.
 */
function errorResponses(codes: ErrorCode[], opts: { basicAuth?: boolean } = {}): ZodOpenApiResponsesObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(httpStatusOf[code], [...(byStatus.get(httpStatusOf[code]) ?? []), code]);
  const out: ZodOpenApiResponsesObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers: Record<string, z.ZodType> = {};
    if (status === 429 || (status === 503 && list.every((c) => c === "service_unavailable"))) headers["Retry-After"] = retryAfter;
    else if (status === 503) headers["Retry-After"] = retryAfter.optional().meta({ description: "With service_unavailable: seconds to wait" });
    if (status === 401 && opts.basicAuth) headers["WWW-Authenticate"] = wwwAuthenticate;
    out[String(status) as `${4 | 5}${string}`] = {
      description: list.map((c) => `\`${c}\`: ${WHEN[c] ?? c}`).join("; "),
      headers: z.object(headers),
      content: { "application/json": { schema: errorSchema(list) } },
    };
  }
  return out;
}

const json = (schema: z.ZodType) => ({ content: { "application/json": { schema } } });

// The answers, named: each is a component of the document (and a type in the generated client).
const shopPayment = createShopPaymentResult.meta({ id: "ShopPayment" });
const itemPurchase = itemPurchaseResult.meta({ id: "ItemPurchase" });
const paymentStatus = verifyResult.meta({ id: "PaymentStatus" });
const refund = merchantRefundResult.meta({ id: "Refund" });
const itemList = publicItemList.meta({ id: "ItemList" });
const eventPage = merchantEventPage.meta({ id: "EventPage" });
const resendResult = resendOutcome.meta({ id: "ResendResult" });
const testEventResult = testEventOutcome.meta({ id: "TestEventResult" });

// ---- request parts the handlers parse by hand ----

const basicAuth = [{ basicAuth: [] }];

/** Verify's query string (parsed by `parseVerifyQuery`, server/rest/verify.handler.ts). */
const verifyQuery = z.object({
  order_id: z.string().min(1).meta({ description: "Your order_id, or the payment's Midtrans order id. A value that can never be an order id answers 404." }),
  client_id: z.string().min(1).max(200).optional().meta({ description: "Your credential's public id: chooses the project and environment" }),
});

const optionalIdempotencyKey = z.object({
  "Idempotency-Key": idempotencyKeySchema.optional().meta({ description: "Makes a retry the same purchase (1–200 printable ASCII characters, no spaces)" }),
});
const requiredIdempotencyKey = z.object({
  "Idempotency-Key": idempotencyKeySchema.meta({ description: "Required: makes a retry the same refund (1–200 printable ASCII characters, no spaces)" }),
});

const noStore = z.literal("no-store");
const corsOrigin = z.literal("*");

// ---- the operations ----

const createShopPayment: ZodOpenApiOperationObject = {
  operationId: "createShopPayment",
  summary: "Create a shop payment",
  description: "Creates a payment for an amount and an order id of your own; redirect the buyer to `invoice_url`. Credentials travel in the body.",
  tags: ["Payments"],
  requestBody: { required: true, ...json(createShopPaymentInput) },
  responses: {
    "201": { description: "Created", ...json(shopPayment) },
    "200": { description: "An idempotent repeat of a pending create: the same payment", ...json(shopPayment) },
    ...errorResponses([...BODY, ...COMMON, "invalid_client", "order_id_taken", "request_in_progress", "gateway_error", "environment_unavailable"]),
  },
};

const verifyPayment: ZodOpenApiOperationObject = {
  operationId: "verifyPayment",
  summary: "Check a payment's status",
  description: "Public, no authentication, CORS open, never cached, no buyer data. Send `client_id` whenever you can.",
  tags: ["Payments"],
  security: [],
  requestParams: { query: verifyQuery },
  responses: {
    "200": {
      description: "The payment",
      headers: z.object({ "Cache-Control": noStore, "Access-Control-Allow-Origin": corsOrigin }),
      ...json(paymentStatus),
    },
    ...errorResponses([...COMMON, "validation_failed", "not_found", "ambiguous_order_id"]),
  },
};

const verifyPreflight: ZodOpenApiOperationObject = {
  operationId: "verifyPaymentPreflight",
  summary: "CORS preflight for verify",
  tags: ["Payments"],
  security: [],
  responses: { "204": { description: "CORS preflight answered", headers: z.object({ "Access-Control-Allow-Origin": corsOrigin }) } },
};

const listItems: ZodOpenApiOperationObject = {
  operationId: "listItems",
  summary: "List the catalog's active items",
  description: "The project's active catalog items, newest first (at most 1,000).",
  tags: ["Items"],
  security: basicAuth,
  responses: {
    "200": { description: "The items", ...json(itemList) },
    ...errorResponses([...COMMON, "invalid_client"], { basicAuth: true }),
  },
};

const createItemPurchase: ZodOpenApiOperationObject = {
  operationId: "createItemPurchase",
  summary: "Buy a catalog item",
  description: "Astapa generates the order_id (`ast-` + 24 characters). Credentials travel in the body.",
  tags: ["Items"],
  requestParams: { header: optionalIdempotencyKey },
  requestBody: { required: true, ...json(createItemPurchaseInput) },
  responses: {
    "201": { description: "Created", ...json(itemPurchase) },
    "200": { description: "The same Idempotency-Key with the same request: the same purchase", ...json(itemPurchase) },
    ...errorResponses([
      ...BODY,
      ...COMMON,
      "invalid_client",
      "item_not_found",
      "item_inactive",
      "idempotency_key_reused",
      "request_in_progress",
      "gateway_error",
      "environment_unavailable",
    ]),
  },
};

const refundPayment: ZodOpenApiOperationObject = {
  operationId: "refundPayment",
  summary: "Refund a paid payment, in full or in part",
  description: "Through Midtrans's refund API. Credentials travel in the body; the Idempotency-Key header is required.",
  tags: ["Payments"],
  requestParams: { header: requiredIdempotencyKey },
  requestBody: { required: true, ...json(merchantRefundInput) },
  responses: {
    "200": {
      description: "Refunded (or the stored answer of an idempotent replay)",
      headers: z.object({ "Idempotent-Replayed": z.literal("true").optional().meta({ description: "Present on a replay of a stored answer" }) }),
      ...json(refund),
    },
    ...errorResponses([
      ...BODY,
      ...COMMON,
      "invalid_client",
      "not_found",
      "payment_not_paid",
      "already_fully_refunded",
      "idempotency_key_reused",
      "request_in_progress",
      "refund_amount_exceeds_remaining",
      "refund_not_supported",
      "gateway_error",
      "environment_unavailable",
    ]),
  },
};

const listEvents: ZodOpenApiOperationObject = {
  operationId: "listEvents",
  summary: "List webhook events",
  description: "The credential's own project and environment, newest first, keyset-paginated by `next_cursor`.",
  tags: ["Events"],
  security: basicAuth,
  requestParams: { query: listEventsQuery },
  responses: {
    "200": { description: "One page of events", headers: z.object({ "Cache-Control": noStore }), ...json(eventPage) },
    ...errorResponses([...COMMON, "invalid_client", "validation_failed"], { basicAuth: true }),
  },
};

const resendEvent: ZodOpenApiOperationObject = {
  operationId: "resendEvent",
  summary: "Resend one event now",
  description: "With the same webhook-id and payload, to the environment's endpoint as it is now. The answer is the attempt's outcome.",
  tags: ["Events"],
  security: basicAuth,
  requestParams: { path: eventIdParams.extend({ id: eventIdParams.shape.id.meta({ description: "The event id (`msg_…`)" }) }) },
  responses: {
    "200": { description: "The attempt's outcome (`ok` false when your endpoint failed)", ...json(resendResult) },
    ...errorResponses([...COMMON, "invalid_client", "not_found", "webhook_endpoint_missing", "validation_failed"], { basicAuth: true }),
  },
};

const sendTestEvent: ZodOpenApiOperationObject = {
  operationId: "sendTestEvent",
  summary: "Send a signed test event to the sandbox endpoint",
  description: "Sandbox credentials only. Not stored, not retried; times out after 10 s. The body is optional (default type item.purchased).",
  tags: ["Events"],
  security: basicAuth,
  requestBody: { required: false, ...json(testEventBody) },
  responses: {
    "200": { description: "The attempt's outcome (`ok` false when your endpoint failed)", ...json(testEventResult) },
    ...errorResponses([...BODY, ...COMMON, "invalid_client", "forbidden", "webhook_endpoint_missing"], { basicAuth: true }),
  },
};

/**
 * Readability only, never a looser contract: zod writes JavaScript's safe-integer range on every
 * integer and its full calendar regex beside `format: date-time` (the format says it, and the
 * answers come from `toIsoSeconds`).
 */
const tidy: CreateDocumentOptions["override"] = ({ jsonSchema }) => {
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
  if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
};

/** Builds the document (pure: the same input always gives the same JSON). */
export function buildOpenApiDocument() {
  return createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Astapa merchant API",
        version: "1.0.0",
        description:
          "Midtrans checkout for Indonesian merchants: create payments, check their status, refund them, sell catalog items and read your webhook events. " +
          "The prose contract, webhooks and signatures: docs/api.md in the Astapa repository. " +
          "Errors are JSON `{ error: { code, message, … } }` with a stable `code`; each code has one HTTP status.",
      },
      servers: [{ url: "/", description: "This Astapa" }],
      tags: [
        { name: "Payments", description: "Shop payments: create, verify, refund" },
        { name: "Items", description: "The catalog Astapa keeps, and purchases of its items" },
        { name: "Events", description: "Your webhook events: list, resend, test" },
      ],
      components: {
        securitySchemes: {
          basicAuth: { type: "http", scheme: "basic", description: "HTTP Basic `client_id:client_secret` (server to server only)" },
        },
      },
      paths: {
        "/api/platform/shop-payment": { post: createShopPayment },
        [VERIFY_PATH]: { get: verifyPayment, options: verifyPreflight },
        [REFUND_PATH]: { post: refundPayment },
        "/api/platform/items": { get: listItems },
        "/api/platform/purchase": { post: createItemPurchase },
        "/api/platform/events": { get: listEvents },
        "/api/platform/events/{id}/resend": { post: resendEvent },
        "/api/platform/webhooks/test": { post: sendTestEvent },
      },
    },
    { override: tidy },
  );
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

let cached: { doc: OpenApiDocument; json: string } | undefined;

/** The document and its JSON, built once per process. */
export function openApiDocument(): { doc: OpenApiDocument; json: string } {
  cached ??= (() => {
    const doc = buildOpenApiDocument();
    return { doc, json: JSON.stringify(doc) };
  })();
  return cached;
}
