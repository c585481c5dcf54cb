import { describe, expect, it } from "vitest";
import { isPlausibleOrderId } from "./callback";

// The callback page's loader answers "not found" without a lookup, and does not echo the
// value back, for anything that can never be an order id.
describe("isPlausibleOrderId", () => {
  it("accepts what the API accepts", () => {
    expect(isPlausibleOrderId("your-internal-order-uuid")).toBe(true);
    expect(isPlausibleOrderId("A1_~.-")).toBe(true);
    expect(isPlausibleOrderId("x".repeat(50))).toBe(true);
  });
  it("rejects the rest", () => {
    for (const bad of ["", "x".repeat(51), "a b", "a/b", "<script>", "ä"]) expect(isPlausibleOrderId(bad)).toBe(false);
  });
});
