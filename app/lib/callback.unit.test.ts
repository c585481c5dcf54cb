import { describe, expect, it } from "vitest";
import {
  callbackHref,
  countdownText,
  documentTitle,
  isPublicPayment,
  MAX_REFRESHES,
  noJsRefreshContent,
  parsePollCount,
  formatWib,
  PAYMENT_METHOD_WORDS,
  paymentMethodText,
  refundInfoOf,
  safeReturnUrl,
  scriptJson,
  stateCopy,
  stopsPolling,
  timeLeftText,
  type CallbackState,
  type PaymentInstructionKind,
} from "./callback";

const ALL: CallbackState[] = ["settlement", "pending", "cancel", "expire", "refund", "notfound", "missing"];

describe("stateCopy", () => {
  it("has a distinct heading for every state", () => {
    const headings = ALL.map((s) => stateCopy(s).heading);
    expect(new Set(headings).size).toBe(ALL.length);
    expect(stateCopy("settlement").heading).toBe("Pembayaran berhasil");
    expect(stateCopy("pending").heading).toBe("Menunggu pembayaran");
  });

  it("words cancelled/denied and expired differently", () => {
    expect(stateCopy("cancel").lead).toMatch(/dibatalkan atau ditolak/);
    expect(stateCopy("expire").lead).toMatch(/Batas waktu/);
    expect(stateCopy("cancel").lead).not.toBe(stateCopy("expire").lead);
  });

  it("says what to do next while pending, and how to check again after the window", () => {
    expect(stateCopy("pending").steps.join(" ")).toMatch(/virtual account/);
    const late = stateCopy("pending", { timedOut: true, storeName: "Warung Bu Sari" });
    expect(late.heading).toBe("Pembayaran masih menunggu");
    expect(late.steps.join(" ")).toMatch(/Cek lagi/);
    expect(late.steps.join(" ")).toContain("Warung Bu Sari");
  });

  it("falls back to a generic store when the name is missing or blank", () => {
    expect(stateCopy("refund", { storeName: "  " }).steps.join(" ")).toContain("hubungi toko.");
    expect(stateCopy("settlement", { storeName: null }).steps[0]).toBe("Pesanan Anda akan diproses oleh toko.");
  });
});

describe("documentTitle", () => {
  it("names the state and the store", () => {
    expect(documentTitle("settlement", "Warung Bu Sari")).toBe("Pembayaran berhasil — Warung Bu Sari");
    expect(documentTitle("expire", "Warung Bu Sari")).toBe("Waktu pembayaran habis — Warung Bu Sari");
    expect(documentTitle("notfound")).toBe("Pesanan tidak ditemukan — Astapa");
    expect(documentTitle("missing", "")).toBe("Nomor pesanan tidak ada — Astapa");
  });
});

describe("the polling budget", () => {
  it("is 20 refreshes of 3 s", () => expect(MAX_REFRESHES).toBe(20));

  it("parses the poll counter defensively", () => {
    expect(parsePollCount(null)).toBe(0);
    expect(parsePollCount("")).toBe(0);
    expect(parsePollCount("7")).toBe(7);
    expect(parsePollCount("20")).toBe(20);
    expect(parsePollCount("999")).toBe(20);
    expect(parsePollCount("-1")).toBe(0);
    expect(parsePollCount("1e3")).toBe(0);
    expect(parsePollCount("abc")).toBe(0);
  });

  it("refreshes a pending page only, and only within the budget", () => {
    expect(noJsRefreshContent("pending", "ord-1", 0)).toBe("3;url=/purchase/callback?order_id=ord-1&poll=1");
    expect(noJsRefreshContent("pending", "ord-1", 19)).toBe("3;url=/purchase/callback?order_id=ord-1&poll=20");
    expect(noJsRefreshContent("pending", "ord-1", 20)).toBeNull();
    for (const s of ALL.filter((s) => s !== "pending")) expect(noJsRefreshContent(s, "ord-1", 0)).toBeNull();
  });

  it("polls only while pending", () => {
    expect(ALL.filter((s) => !stopsPolling(s))).toEqual(["pending"]);
  });
});

describe("callbackHref", () => {
  it("encodes the order id and drops a zero counter", () => {
    expect(callbackHref("a.b~c_d-1")).toBe("/purchase/callback?order_id=a.b~c_d-1");
    expect(callbackHref("a&b", 3)).toBe("/purchase/callback?order_id=a%26b&poll=3");
  });
});

describe("safeReturnUrl", () => {
  it("keeps http(s) URLs", () => {
    expect(safeReturnUrl("https://shop.example/warung-bu-sari")).toBe("https://shop.example/warung-bu-sari");
    expect(safeReturnUrl("http://127.0.0.1:4301/x")).toBe("http://127.0.0.1:4301/x");
  });
  it("drops anything else", () => {
    for (const bad of [null, undefined, "", "javascript:alert(1)", "data:text/html,x", "//evil.com", "/relative"]) {
      expect(safeReturnUrl(bad)).toBeNull();
    }
  });
});

describe("isPublicPayment", () => {
  const ok = {
    order_id: "ord-1",
    status: "settlement",
    store_name: "Warung Bu Sari",
    redirect_url: null,
    amount: 75000,
    currency: "IDR",
    item_name: null,
    paid_at: "2026-05-06T10:00:00Z",
  };
  it("accepts the verify payload for the same order", () => expect(isPublicPayment(ok, "ord-1")).toBe(true));
  it("rejects another order, an unknown status, errors and junk", () => {
    expect(isPublicPayment(ok, "ord-2")).toBe(false);
    expect(isPublicPayment({ ...ok, status: "capture" }, "ord-1")).toBe(false);
    expect(isPublicPayment({ ...ok, amount: "75000" }, "ord-1")).toBe(false);
    expect(isPublicPayment({ ...ok, store_name: 1 }, "ord-1")).toBe(false);
    expect(isPublicPayment({ error: { code: "not_found" } }, "ord-1")).toBe(false);
    expect(isPublicPayment(null, "ord-1")).toBe(false);
    expect(isPublicPayment("settlement", "ord-1")).toBe(false);
  });
});

describe("countdownText", () => {
  it("reads naturally", () => expect(countdownText(5)).toBe("Kembali ke toko dalam 5 detik…"));
});

describe("partial and full refunds on the buyer page", () => {
  const payment = { amount: 88000, currency: "IDR" };
  it("says how much came back, partial vs full, in Bahasa Indonesia", () => {
    const partial = refundInfoOf({ ...payment, refunded_amount: 30000 });
    expect(stateCopy("refund", { refund: partial }).heading).toBe("Sebagian pembayaran dikembalikan");
    expect(stateCopy("refund", { refund: partial }).lead).toBe("Sebagian dana pesanan ini, Rp30.000 dari Rp88.000, sudah dikembalikan kepada Anda.");
    expect(documentTitle("refund", "Warung Bu Sari", partial)).toBe("Sebagian pembayaran dikembalikan — Warung Bu Sari");

    const full = refundInfoOf({ ...payment, refunded_amount: 88000 });
    expect(stateCopy("refund", { refund: full }).heading).toBe("Pembayaran dikembalikan");
    expect(stateCopy("refund", { refund: full }).lead).toBe("Seluruh dana pesanan ini, Rp88.000, sudah dikembalikan kepada Anda.");
    // Nothing recorded (a chargeback): the general wording.
    expect(refundInfoOf({ ...payment, refunded_amount: 0 })).toBeNull();
    expect(stateCopy("refund").lead).toMatch(/seluruhnya atau sebagian/);
  });
});

describe("pending instructions wording", () => {
  it("replaces the generic steps by the one that fits the method, and keeps the reassurance", () => {
    const kinds: PaymentInstructionKind[] = ["va", "mandiri_bill", "cstore", "continue"];
    const firsts = kinds.map((k) => stateCopy("pending", { instructions: k }).steps[0]);
    expect(new Set(firsts).size).toBe(kinds.length);
    expect(stateCopy("pending", { instructions: "va" }).steps).toEqual([
      "Selesaikan transfer ke nomor virtual account di bawah ini, sebelum batas waktunya.",
      "Halaman ini berubah sendiri begitu pembayaran diterima. Anda tidak perlu membayar dua kali.",
    ]);
    expect(stateCopy("pending", { instructions: "cstore" }).steps[0]).toMatch(/kasir/);
    // After the window, the "Cek lagi" wording wins whatever the method.
    expect(stateCopy("pending", { instructions: "va", timedOut: true }).heading).toBe("Pembayaran masih menunggu");
  });
});

describe("the receipt", () => {
  it("names the payment method in words, with the bank or store when known", () => {
    expect(paymentMethodText("credit_card")).toBe("Kartu kredit/debit");
    expect(paymentMethodText("bank_transfer", { bank: "bca", store: null })).toBe("Transfer bank (virtual account BCA)");
    expect(paymentMethodText("bank_transfer", { bank: "permata", store: null })).toBe("Transfer bank (virtual account Permata)");
    expect(paymentMethodText("bank_transfer")).toBe("Transfer bank (virtual account)");
    expect(paymentMethodText("echannel")).toBe("Mandiri Bill Payment");
    expect(paymentMethodText("cstore", { bank: null, store: "indomaret" })).toBe("Bayar di Indomaret");
    expect(paymentMethodText("gopay")).toBe("GoPay");
    expect(paymentMethodText("qris")).toBe("QRIS");
    // Unknown to us (Midtrans adds methods): words, never the internal code; nothing when not known yet.
    expect(paymentMethodText("some_new_wallet")).toBe("Pembayaran online");
    expect(paymentMethodText(null)).toBeNull();
    // Every documented type has its own words, none of them an internal code.
    for (const [type, words] of Object.entries(PAYMENT_METHOD_WORDS)) expect(words, type).not.toContain("_");
  });

  it("shows times in WIB (Asia/Jakarta, UTC+7) whatever the server's zone", () => {
    expect(formatWib("2026-11-26T16:59:00Z")).toBe("Kamis, 26 November 2026 pukul 23.59 WIB");
    expect(formatWib("2026-11-26T17:00:00Z")).toBe("Jumat, 27 November 2026 pukul 00.00 WIB");
    expect(formatWib(null)).toBeNull();
    expect(formatWib("not a date")).toBeNull();
  });

  it("says the time left to a deadline in words", () => {
    expect(timeLeftText(26 * 3600_000 + 5 * 60_000)).toBe("1 hari 2 jam");
    expect(timeLeftText(24 * 3600_000)).toBe("1 hari");
    expect(timeLeftText(23 * 3600_000 + 59 * 60_000 + 30_000)).toBe("23 jam 59 menit");
    expect(timeLeftText(3600_000)).toBe("1 jam");
    expect(timeLeftText(4 * 60_000 + 10_000)).toBe("4 menit 10 detik");
    expect(timeLeftText(9_500)).toBe("9 detik");
    expect(timeLeftText(0)).toBe("");
    expect(timeLeftText(-1)).toBe("");
    expect(timeLeftText(Number.NaN)).toBe("");
  });

  it("is self-contained, so the page's script can run the same function from its source", () => {
    const copy = new Function(`return (${String(timeLeftText)})`)() as typeof timeLeftText;
    expect(copy(4 * 60_000 + 10_000)).toBe("4 menit 10 detik");
  });
});

describe("scriptJson", () => {
  it("cannot close the script element or open a comment, and round-trips", () => {
    const value = { a: "</script><script>alert(1)</script>", b: "<!-- & -->", c: "\u2028\u2029" };
    const json = scriptJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
