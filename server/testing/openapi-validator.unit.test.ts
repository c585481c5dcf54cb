import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../rest/openapi";
import { createOpenApiValidator } from "./openapi-validator";

// The validator the integration suite's fetch guard uses (server/testing/openapi-guard.ts): it must
// refuse what the document does not say, or the guard proves nothing.
const validator = createOpenApiValidator(buildOpenApiDocument());
const BASE = "http://127.0.0.1:3000";

const verifyBody = {
  order_id: "order-1001",
  status: "settlement",
  store_name: "Warung Bu Sari",
  redirect_url: "https://shop.example.com/warung-bu-sari",
  amount: 75000,
  currency: "IDR",
  item_name: "Nasi Goreng Spesial",
  paid_at: "2026-05-06T10:00:00Z",
  refunded_amount: 0,
  expires_at: "2026-05-07T09:55:00Z",
};
const verifyHeaders = () => new Headers({ "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "access-control-allow-origin": "*" });
const errorHeaders = (extra: Record<string, string> = {}) => new Headers({ "content-type": "application/json; charset=utf-8", ...extra });
const verify = (status: number, body: unknown, headers = verifyHeaders()) =>
  validator.check({ method: "GET", url: `${BASE}/api/platform/shop-payment/verify?order_id=order-1001`, status, headers, body: JSON.stringify(body) });

describe("OpenAPI answer validator", () => {
  it("accepts an answer the document describes", () => {
    expect(verify(200, verifyBody)).toEqual([]);
    expect(verify(404, { error: { code: "not_found", message: "No payment with this order_id" } }, errorHeaders())).toEqual([]);
  });

  it("refuses an undocumented field, a missing field and a wrong type", () => {
    expect(verify(200, { ...verifyBody, buyer_email: "buyer@example.com" })).toEqual([expect.stringContaining("must NOT have additional properties")]);
    const { paid_at: _, ...withoutPaidAt } = verifyBody;
    expect(verify(200, withoutPaidAt)).toEqual([expect.stringContaining("paid_at")]);
    expect(verify(200, { ...verifyBody, amount: "75000" })).toEqual([expect.stringContaining("/amount must be integer")]);
    expect(verify(200, { ...verifyBody, status: "settled" })).toEqual([expect.stringContaining("/status must be equal to one of the allowed values")]);
  });

  it("refuses an undocumented status and an error code the operation does not document", () => {
    expect(verify(418, { error: { code: "not_found", message: "x" } }, errorHeaders())).toEqual([expect.stringContaining("status not documented")]);
    // order_id_taken is a 409 of create, never of verify.
    expect(verify(409, { error: { code: "order_id_taken", message: "x" } }, errorHeaders())).toEqual([expect.stringContaining("/error/code")]);
    expect(verify(404, { error: { code: "not_found", message: "x", stack: "at main.js:1" } }, errorHeaders())).toEqual([
      expect.stringContaining("must NOT have additional properties"),
    ]);
  });

  it("refuses a missing required header: Retry-After on 429, no-store on verify", () => {
    const limited = { error: { code: "rate_limited", message: "Too many requests", retry_after_seconds: 5 } };
    expect(verify(429, limited, errorHeaders({ "retry-after": "5" }))).toEqual([]);
    expect(verify(429, limited, errorHeaders())).toEqual([expect.stringContaining("header Retry-After missing")]);
    const cached = verifyHeaders();
    cached.delete("cache-control");
    expect(verify(200, verifyBody, cached)).toEqual([expect.stringContaining("header Cache-Control missing")]);
  });

  it("refuses a body that is not JSON", () => {
    expect(verify(200, "x", new Headers({ "content-type": "text/html" }))).toEqual(expect.arrayContaining([expect.stringMatching(/not application\/json/)]));
    expect(validator.check({ method: "GET", url: `${BASE}/api/platform/items`, status: 500, headers: errorHeaders(), body: "<html>" })).toEqual([
      expect.stringContaining("not JSON"),
    ]);
  });

  it("matches path templates and leaves undocumented requests alone", () => {
    expect(validator.operationOf("POST", `${BASE}/api/platform/events/msg_1/resend`)?.operationId).toBe("resendEvent");
    expect(validator.operationOf("GET", `${BASE}/api/platform/events?limit=5`)?.operationId).toBe("listEvents");
    expect(validator.operationOf("DELETE", `${BASE}/api/platform/items`)).toBeUndefined();
    expect(validator.operationOf("GET", `${BASE}/api/trpc/health`)).toBeUndefined();
    expect(validator.check({ method: "GET", url: `${BASE}/purchase/callback`, status: 200, headers: new Headers(), body: "" })).toBeUndefined();
  });
});
