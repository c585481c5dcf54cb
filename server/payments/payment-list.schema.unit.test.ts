import { describe, expect, it } from "vitest";
import { filtersFromSearchParams } from "./payment-list.schema";

describe("filtersFromSearchParams", () => {
  it("takes the filters, trimmed, without empty values, cursor or limit; whole-number amounts as numbers", () => {
    const sp = new URLSearchParams("q=+ord-1+&status=settlement&projectId=&amountMin=1000&amountMax=12.5&createdFrom=2026-05-01&cursor=abc&limit=3&other=x");
    expect(filtersFromSearchParams(sp)).toEqual({ q: "ord-1", status: "settlement", amountMin: 1000, amountMax: "12.5", createdFrom: "2026-05-01" });
  });
});
