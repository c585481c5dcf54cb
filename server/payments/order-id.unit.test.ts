import { describe, expect, it } from "vitest";
import { midtransOrderIdOf, newMidtransOrderId, ORDER_ID_PATTERN } from "./order-id";

describe("newMidtransOrderId (docs/decisions/0004-midtrans-order-ids.md)", () => {
  it("is the merchant's order id + `~` + 9 random base-36 characters", () => {
    expect(newMidtransOrderId("order-1001")).toMatch(/^order-1001~[0-9a-z]{9}$/);
    expect(newMidtransOrderId("A.b_C~d")).toMatch(/^A\.b_C~d~[0-9a-z]{9}$/);
  });

  it("stays within Midtrans's rule for every merchant order id, the longest included", () => {
    for (const orderId of ["1", "x".repeat(40), "y".repeat(41), "z".repeat(50), "a~b.c-d_e".repeat(5).slice(0, 50)]) {
      const id = newMidtransOrderId(orderId);
      expect(id).toMatch(ORDER_ID_PATTERN);
      expect(id.length).toBeLessThanOrEqual(50);
      expect(id.startsWith(`${orderId.slice(0, 40)}~`)).toBe(true);
    }
    expect(newMidtransOrderId("z".repeat(50))).toHaveLength(50);
  });

  it("differs on every call, even for the same order id (a retried create gets a fresh one)", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newMidtransOrderId("1001")));
    expect(ids.size).toBe(10_000);
  });

  it("draws every base-36 character, and no other", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) for (const c of newMidtransOrderId("o").slice(2)) seen.add(c);
    expect([...seen].sort().join("")).toBe("0123456789abcdefghijklmnopqrstuvwxyz");
  });
});

describe("midtransOrderIdOf", () => {
  it("is the derived id, or the order id for rows created before migration 0007", () => {
    expect(midtransOrderIdOf({ order_id: "1001", midtrans_order_id: "1001~k3v9x0qa7" })).toBe("1001~k3v9x0qa7");
    expect(midtransOrderIdOf({ order_id: "1001", midtrans_order_id: null })).toBe("1001");
  });
});
