import type { IncomingMessage, ServerResponse } from "node:http";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { unstorableTextReason } from "../lib/validation";
import { verifyPayment } from "../payments/payments.service";
import { orderIdSchema } from "../payments/payments.schema";
import { sendError } from "../http/errors";
import { clientIp } from "../http/limits";
import { takePublicLookup } from "../http/public-limits";
import type { RateLimits } from "../http/rate-limit";

export const VERIFY_PATH = "/api/platform/shop-payment/verify";

/** Public, polled by storefronts from the browser: CORS open, never cached, no personal data. */
export function setVerifyCors(res: ServerResponse): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.setHeader("Access-Control-Max-Age", "86400");
}

/**
 * The JSON bytes of an answer, encoded once per answer object: a kept answer is the same object
 * on every poll (server/payments/public-payment-cache.ts), so a cache hit sends bytes encoded
 * when it was loaded instead of stringifying it again (docs/decisions/0016-verify-cache.md).
 * Answers are never changed after they are made; an answer that is dropped is collected with its bytes.
 */
const encodedAnswers = new WeakMap<object, Buffer>();
export function encodedAnswer(answer: object): Buffer {
  let bytes = encodedAnswers.get(answer);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(answer), "utf8");
    encodedAnswers.set(answer, bytes);
  }
  return bytes;
}

/** The query of a request target (`?…`, before any `#`) as `new URL(target).searchParams` reads it, without parsing a URL. */
export function verifyQueryOf(url: string): URLSearchParams {
  const q = url.indexOf("?");
  if (q < 0) return new URLSearchParams();
  const hash = url.indexOf("#", q);
  return new URLSearchParams(hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash));
}

/**
 * GET /api/platform/shop-payment/verify on a plain node request: polled every 3 s by every
 * waiting buyer, so it is served ahead of Express (server/runtime/http-app.ts) with the same
 * logging, limits and errors as every other route. An answer is sent as bytes encoded once
 * (`encodedAnswer`), with its headers in one `writeHead`.
 */
export function createVerifyHandler(ctx: PlatformContext, limits: RateLimits) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setVerifyCors(res);
    res.setHeader("Cache-Control", "no-store");
    // The public lookup limits, shared with the callback page; a miss point is refunded unless the answer is 404.
    let settleLimits: ((status: number) => void) | undefined;
    try {
      settleLimits = await takePublicLookup(limits, clientIp(req));
      const query = parseVerifyQuery(verifyQueryOf(req.url ?? "/"));
      const body = encodedAnswer(await verifyPayment(ctx, query.orderId, query.clientId));
      res.writeHead(200, JSON_HEADERS(body.length));
      res.end(body);
    } catch (err) {
      sendError(res, err);
    }
    settleLimits?.(res.statusCode);
  };
}

const JSON_HEADERS = (length: number) => ({ "Content-Type": "application/json; charset=utf-8", "Content-Length": length });

/** One value of a query parameter: missing, empty or repeated → `validation_failed`. */
function single(params: URLSearchParams, name: string, required: boolean): string | undefined {
  const values = params.getAll(name);
  if (values.length === 0 && !required) return undefined;
  if (values.length === 0 || values[0] === "") throw new DomainError("validation_failed", `${name} is required`, { [name]: "required" });
  if (values.length > 1) throw new DomainError("validation_failed", `${name} must be given once`, { [name]: "must be a single value" });
  return values[0];
}

/**
 * `order_id` (required) and `client_id` (optional: public, it chooses the merchant and the
 * environment when several use the order id; docs/api.md). A value that can never be an order id
 * or a client_id cannot name a payment either: 404, as for an unknown one (no oracle).
 */
export function parseVerifyQuery(params: URLSearchParams): { orderId: string; clientId?: string } {
  const orderId = single(params, "order_id", true)!;
  const clientId = single(params, "client_id", false);
  if (!orderIdSchema.safeParse(orderId).success || (clientId !== undefined && (clientId.length > 200 || unstorableTextReason(clientId)))) {
    throw new DomainError("not_found", "No payment with this order_id");
  }
  return { orderId, clientId };
}
