// Verify's hot path (docs/decisions/0016-verify-cache.md): a kept answer is sent as bytes encoded once.
import { describe, expect, it } from "vitest";
import { encodedAnswer, parseVerifyQuery, verifyQueryOf } from "./verify.handler";

describe("encodedAnswer", () => {
  it("encodes an answer once: the same answer object gives the same bytes object", () => {
    const answer = { order_id: "o-1", status: "pending", amount: 25000, store_name: "Toko Ümit" };
    const first = encodedAnswer(answer);
    expect(encodedAnswer(answer)).toBe(first);
    expect(JSON.parse(first.toString("utf8"))).toEqual(answer);
    expect(first.length).toBe(Buffer.byteLength(JSON.stringify(answer)));
  });

  it("encodes another answer object anew, even with equal content", () => {
    const a = { order_id: "o-1", status: "pending" };
    const b = { order_id: "o-1", status: "settlement" };
    expect(encodedAnswer(a)).not.toBe(encodedAnswer({ ...a }));
    expect(JSON.parse(encodedAnswer(b).toString())).toEqual(b);
  });
});

describe("verifyQueryOf", () => {
  it("reads the query as a URL would: decoded, + as space, fragment dropped", () => {
    const q = verifyQueryOf("/api/platform/shop-payment/verify?order_id=a%2Db+c&client_id=x#frag");
    expect([q.getAll("order_id"), q.getAll("client_id")]).toEqual([["a-b c"], ["x"]]);
    expect(parseVerifyQuery(verifyQueryOf("/api/platform/shop-payment/verify?order_id=o-1#x?order_id=o-2"))).toEqual({ orderId: "o-1", clientId: undefined });
  });

  it("gives the same parameters as new URL(…).searchParams for odd targets", () => {
    for (const target of ["/v", "/v?", "/v?order_id=", "/v?order_id=a&order_id=b", "/v?order_id=%E2%9C%93", "/v?&&order_id=a&", "/v?order_id=a#", "/v?order_id=%zz"]) {
      expect([...verifyQueryOf(target)]).toEqual([...new URL(target, "http://local").searchParams]);
    }
  });
});
