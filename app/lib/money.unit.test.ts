import { describe, expect, it } from "vitest";
import { formatAmount, formatRupiah } from "./money";

describe("formatRupiah", () => {
  it("writes Rupiah the Indonesian way, with no space after Rp", () => {
    expect(formatRupiah(75000)).toBe("Rp75.000");
    expect(formatRupiah(1500)).toBe("Rp1.500");
    expect(formatRupiah(999)).toBe("Rp999");
    expect(formatRupiah(0)).toBe("Rp0");
    expect(formatRupiah(1234567890)).toBe("Rp1.234.567.890");
  });

  it("leaves no (no-break) space of any kind", () => {
    expect(formatRupiah(75000)).not.toMatch(/[\s\u00a0\u202f]/);
  });

  it("never shows decimals and keeps the sign", () => {
    expect(formatRupiah(75000.4)).toBe("Rp75.000");
    expect(formatRupiah(-75000)).toBe("-Rp75.000");
  });
});

describe("formatAmount", () => {
  it("uses Rupiah for IDR, whatever the case, and by default", () => {
    expect(formatAmount(75000, "IDR")).toBe("Rp75.000");
    expect(formatAmount(75000, "idr")).toBe("Rp75.000");
    expect(formatAmount(75000, null)).toBe("Rp75.000");
  });

  it("formats another currency through Intl and survives an invalid code", () => {
    expect(formatAmount(10, "USD")).toContain("10");
    expect(formatAmount(10, "USD")).toMatch(/US\$|\$/);
    expect(formatAmount(10, "not a currency")).toBe("NOT A CURRENCY 10");
  });
});
