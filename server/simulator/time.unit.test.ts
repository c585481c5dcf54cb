import { describe, expect, it } from "vitest";
import { formatRupiah } from "./pages";
import { formatJakartaTime, parseMidtransTime } from "./time";

describe("Midtrans formats", () => {
  it("formats times in Asia/Jakarta without offset", () => {
    expect(formatJakartaTime(new Date("2024-12-31T17:30:05Z"))).toBe("2025-01-01 00:30:05");
  });

  it("parses expiry start times with an offset", () => {
    expect(parseMidtransTime("2025-01-01 00:30:05 +0700")?.toISOString()).toBe("2024-12-31T17:30:05.000Z");
    expect(parseMidtransTime("2025-01-01T00:30:05+07:00")).toBeUndefined();
  });

  it("formats Rupiah with dots", () => {
    expect(formatRupiah(75000)).toBe("Rp75.000");
    expect(formatRupiah(1234567)).toBe("Rp1.234.567");
    expect(formatRupiah(500)).toBe("Rp500");
  });
});
