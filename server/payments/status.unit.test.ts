import { describe, expect, it } from "vitest";
import { publicStatusOf, purchaseStatusFromMidtrans as toPublicStatus } from "./lifecycle";
import { decideTransition, isFinalMidtransStatus, midtransStatuses, type MidtransStatus } from "./status";

describe("public status mapping", () => {
  const cases: [MidtransStatus, string | null, string][] = [
    ["settlement", null, "settlement"],
    ["capture", "accept", "settlement"],
    ["capture", "challenge", "pending"],
    ["capture", "deny", "cancel"],
    ["pending", null, "pending"],
    ["authorize", null, "pending"],
    ["deny", null, "cancel"],
    ["cancel", null, "cancel"],
    ["failure", null, "cancel"],
    ["expire", null, "expire"],
    ["refund", null, "refund"],
    ["partial_refund", null, "refund"],
    ["chargeback", null, "refund"],
    ["partial_chargeback", null, "refund"],
  ];
  it.each(cases)("%s (fraud %s) -> %s", (raw, fraud, expected) => {
    expect(toPublicStatus(raw, fraud)).toBe(expected);
  });
  it("covers every Midtrans status", () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(midtransStatuses));
  });
  it("hides failed creations and shows creating as pending", () => {
    expect(publicStatusOf("create_failed")).toBeNull();
    expect(publicStatusOf("creating")).toBe("pending");
    expect(publicStatusOf("settlement")).toBe("settlement");
  });
});

describe("transitions", () => {
  const s = (status: MidtransStatus, fraudStatus: string | null = null, refundedAmount = 0) => ({ status, fraudStatus, refundedAmount });

  it("applies anything to a purchase with no Midtrans status yet", () => {
    expect(decideTransition(null, s("settlement")).kind).toBe("apply");
  });
  it("treats the same status as a duplicate", () => {
    expect(decideTransition(s("settlement"), s("settlement")).kind).toBe("duplicate");
    expect(decideTransition(s("capture", "accept"), s("capture", "accept")).kind).toBe("duplicate");
  });
  it("never lets a late pending overwrite settlement or a final state", () => {
    for (const from of ["settlement", "capture", "deny", "cancel", "expire", "refund"] as MidtransStatus[]) {
      expect(decideTransition(s(from), s("pending")).kind).toBe("stale");
    }
  });
  it("never lets capture overwrite settlement (out of order)", () => {
    expect(decideTransition(s("settlement"), s("capture", "accept")).kind).toBe("stale");
  });
  it("allows settlement to refund, partial refund, chargeback and reversal (deny)", () => {
    for (const to of ["refund", "partial_refund", "chargeback", "deny"] as MidtransStatus[]) {
      expect(decideTransition(s("settlement"), s(to)).kind).toBe("apply");
    }
  });
  it("applies a second partial refund with a new amount, but not a repeat of the same", () => {
    expect(decideTransition(s("partial_refund", null, 1000), s("partial_refund", null, 3000)).kind).toBe("apply");
    expect(decideTransition(s("partial_refund", null, 1000), s("partial_refund", null, 1000)).kind).toBe("duplicate");
    expect(decideTransition(s("partial_refund", null, 1000), s("refund", null, 5000)).kind).toBe("apply");
  });
  it("applies a fraud review resolution on capture", () => {
    expect(decideTransition(s("capture", "challenge"), s("capture", "accept")).kind).toBe("apply");
  });
  it("final states accept nothing", () => {
    for (const st of ["deny", "cancel", "expire", "failure", "refund", "chargeback"] as MidtransStatus[]) {
      expect(isFinalMidtransStatus(st)).toBe(true);
      expect(decideTransition(s(st), s("settlement")).kind).toBe("stale");
    }
    expect(isFinalMidtransStatus("pending")).toBe(false);
    expect(isFinalMidtransStatus("settlement")).toBe(false);
  });
});
