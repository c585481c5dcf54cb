import { describe, expect, it } from "vitest";
import { createShopPaymentInput, MAX_AMOUNT_IDR } from "./payments.schema";
import { buildStoreRedirectUrl } from "./redirect";

const valid = { client_id: "c", client_secret: "s", amount: 75000, order_id: "your-internal-order-uuid", buyer_email: "buyer@example.com" };
const fieldsOf = (body: unknown) => {
  const r = createShopPaymentInput.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => i.path.join("."));
};

describe("create shop payment validation", () => {
  it("accepts the example of docs/api.md", () => {
    const r = createShopPaymentInput.parse({
      ...valid,
      buyer_name: "John Doe",
      item_name: "Nasi Goreng Spesial",
      metadata: { store_id: "store-uuid", store_name: "Warung Bu Sari", store_slug: "warung-bu-sari", product_id: "product-uuid" },
    });
    expect(r.metadata.store_slug).toBe("warung-bu-sari");
    expect(createShopPaymentInput.parse(valid).metadata).toEqual({});
  });
  it.each([
    ["amount", { amount: 0 }],
    ["amount", { amount: -1 }],
    ["amount", { amount: 10.5 }],
    ["amount", { amount: "75000" }],
    ["amount", { amount: MAX_AMOUNT_IDR + 1 }],
    ["amount", { amount: Number.MAX_SAFE_INTEGER + 2 }],
    ["amount", { amount: undefined }],
    ["order_id", { order_id: "x".repeat(51) }],
    ["order_id", { order_id: "order id with spaces" }],
    ["order_id", { order_id: "ord/1" }],
    ["order_id", { order_id: "" }],
    ["buyer_email", { buyer_email: "not-an-email" }],
    ["buyer_email", { buyer_email: undefined }],
    ["metadata", { metadata: [1, 2] }],
    ["metadata", { metadata: "str" }],
    ["buyer_name", { buyer_name: 5 }],
  ])("rejects a bad %s", (field, patch) => {
    expect(fieldsOf({ ...valid, ...patch })[0]?.startsWith(field)).toBe(true);
  });
  it("accepts order ids with Midtrans's allowed punctuation, at 50 characters", () => {
    expect(fieldsOf({ ...valid, order_id: "A-b_c~d.e" })).toEqual([]);
    expect(fieldsOf({ ...valid, order_id: "x".repeat(50) })).toEqual([]);
  });
  it("bounds metadata: 50 keys, 500 characters a value, 8 KB in total", () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    expect(fieldsOf({ ...valid, metadata: keys(50) })).toEqual([]);
    expect(fieldsOf({ ...valid, metadata: keys(51) })).toEqual(["metadata"]);
    expect(fieldsOf({ ...valid, metadata: { a: "x".repeat(500) } })).toEqual([]);
    expect(fieldsOf({ ...valid, metadata: { a: "x".repeat(501) } })).toEqual(["metadata.a"]);
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "x".repeat(450)]));
    expect(fieldsOf({ ...valid, metadata: big })).toEqual(["metadata"]);
  });
});

describe("store redirect URL", () => {
  const tpl = "https://shop.example.com/{store_slug}";
  it("builds the URL from a plain slug", () => {
    expect(buildStoreRedirectUrl(tpl, "warung-bu-sari")).toBe("https://shop.example.com/warung-bu-sari");
    expect(buildStoreRedirectUrl("https://shop.example.com/s/{store_slug}?from=astapa", "toko_1")).toBe("https://shop.example.com/s/toko_1?from=astapa");
  });
  it.each(["//evil.com", "../", "%2F%2Fevil", "https://evil.com", "a/../../x", "@evil.com", "a b", "", "-x", "x".repeat(101)])(
    "refuses the crafted slug %j",
    (slug) => {
      expect(buildStoreRedirectUrl(tpl, slug)).toBeNull();
    },
  );
  it("needs both a template and a string slug", () => {
    expect(buildStoreRedirectUrl(null, "ok")).toBeNull();
    expect(buildStoreRedirectUrl(tpl, 42)).toBeNull();
  });
  it("keeps a template whose slug sits in the host on its own domain", () => {
    expect(buildStoreRedirectUrl("https://{store_slug}.shop.example.com/", "warung")).toBe("https://warung.shop.example.com/");
    expect(buildStoreRedirectUrl("https://{store_slug}.shop.example.com/", "evil")).toBe("https://evil.shop.example.com/");
  });
});
