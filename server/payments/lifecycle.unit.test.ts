import { describe, expect, it } from "vitest";
import {
  canMove,
  canRefund,
  isOpen,
  isPaymentAttempt,
  isPurchaseStatus,
  isTerminal,
  openStatuses,
  publicStatuses,
  purchaseStatuses,
  publicStatusOf,
  refundableAmount,
  type PurchaseStatus,
} from "./lifecycle";

const purchase = (status: PurchaseStatus, midtrans_status: string | null, refunded_amount = 0) => ({ status, midtrans_status, amount: 75000, refunded_amount });

describe("purchase lifecycle", () => {
  it("is open (may still be paid) only while creating or pending", () => {
    expect(purchaseStatuses.filter(isOpen)).toEqual(["creating", "pending"]);
    expect([...openStatuses].sort()).toEqual(["creating", "pending"]);
    expect(purchaseStatuses.filter(isTerminal)).toEqual(["create_failed", "cancel", "expire"]);
    expect(purchaseStatuses.filter((s) => isOpen(s) && isTerminal(s))).toEqual([]);
  });

  it("shows merchants the public five; a failed creation is not a payment", () => {
    for (const s of purchaseStatuses) {
      const pub = publicStatusOf(s);
      if (pub !== null) expect(publicStatuses).toContain(pub);
    }
    expect(purchaseStatuses.filter((s) => !isPaymentAttempt(s))).toEqual(["create_failed"]);
    expect(isPurchaseStatus("settlement")).toBe(true);
    expect(isPurchaseStatus("capture")).toBe(false);
  });

  it("refunds a settled payment, or the rest of a partially refunded one", () => {
    expect(canRefund(purchase("settlement", "settlement"))).toBe(true);
    expect(refundableAmount(purchase("settlement", "capture"))).toBe(75000);
    expect(refundableAmount(purchase("refund", "partial_refund", 25000))).toBe(50000);
    expect(canRefund(purchase("refund", "refund", 75000))).toBe(false);
    expect(refundableAmount(purchase("refund", "refund", 75000))).toBe(0);
    for (const s of ["creating", "create_failed", "pending", "cancel", "expire"] as const) {
      expect(canRefund(purchase(s, null))).toBe(false);
      expect(refundableAmount(purchase(s, null))).toBe(0);
    }
  });

  it("moves outside Midtrans only from the listed statuses", () => {
    expect(purchaseStatuses.filter((s) => canMove("expiredUnused", s))).toEqual(purchaseStatuses.filter(isOpen));
    expect(purchaseStatuses.filter((s) => canMove("snapCreated", s))).toEqual(["creating"]);
    expect(purchaseStatuses.filter((s) => canMove("createRetried", s))).toEqual(["creating", "create_failed"]);
  });
});
