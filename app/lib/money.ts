const rupiah = new Intl.NumberFormat("id-ID", {
  style: "currency",
  currency: "IDR",
  minimumFractionDigits: 0,
  maximumFractionDigits: 0,
});

// Intl puts a (narrow) no-break space between "Rp" and the digits; Indonesian receipts
// write "Rp75.000". Server (Node ICU) and browser (Chromium ICU) then agree too.
const SPACES = /[\s\u00a0\u202f]/g;

/** 75000 → "Rp75.000"; -75000 → "-Rp75.000". */
export function formatRupiah(amount: number): string {
  return rupiah.format(amount).replace(SPACES, "");
}

/** The payment's amount for display: Rupiah as above, any other currency through Intl. */
export function formatAmount(amount: number, currency: string | null | undefined): string {
  const code = (currency ?? "IDR").toUpperCase();
  if (code === "IDR") return formatRupiah(amount);
  try {
    return new Intl.NumberFormat("id-ID", { style: "currency", currency: code }).format(amount).replace(SPACES, "\u00a0");
  } catch {
    return `${code} ${amount}`;
  }
}
