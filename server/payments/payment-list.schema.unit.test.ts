import { describe, expect, it } from "vitest";
import { filtersFromSearchParams, parseFilters } from "./payment-list.schema";

describe("filtersFromSearchParams", () => {
  it("takes the filters, trimmed, without empty values, cursor or limit; whole-number amounts as numbers", () => {
    const sp = new URLSearchParams("q=+ord-1+&status=settlement&projectId=&amountMin=1000&amountMax=12.5&createdFrom=2026-05-01&cursor=abc&limit=3&other=x");
    expect(filtersFromSearchParams(sp)).toEqual({ q: "ord-1", status: "settlement", amountMin: 1000, amountMax: "12.5", createdFrom: "2026-05-01" });
  });
});

describe("parseFilters", () => {
  it("refuses a day that does not exist or lies outside 2000-2100, and a NUL in the search (400 validation_failed, never a PostgreSQL error)", () => {
    for (const [field, value] of [
      ["createdFrom", "9999-99-99"],
      ["createdFrom", "2026-02-30"],
      ["createdTo", "2101-01-01"],
      ["createdTo", "1999-12-31"],
      ["q", "ord\u0000"],
      ["projectId", "prj_\ud800"],
    ]) {
      expect(() => parseFilters({ [field]: value }), `${field}=${value}`).toThrow(
        expect.objectContaining({ code: "validation_failed", fields: { [field]: expect.any(String) } }),
      );
    }
    expect(parseFilters({ createdFrom: "2024-02-29", createdTo: "2100-12-31" })).toEqual({ createdFrom: "2024-02-29", createdTo: "2100-12-31" });
  });
});
