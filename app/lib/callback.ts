/**
 * Pure pieces of the buyer's callback page (/purchase/callback): states, wording in
 * Bahasa Indonesia, the polling budget and the no-JavaScript refresh. No React, no server
 * code: shared by the loader, the component and the unit tests.
 */

// Types only (erased at build): the page shows exactly what verifyPayment returns.
import type { VerifyResult } from "../../server/payments/payments.schema";
import type { PublicStatus } from "../../server/payments/lifecycle";
import type { PaymentInstructionKind, PaymentInstructions } from "../../server/payments/instructions";
import { formatAmount } from "./money";

/** The public status of a payment, as verifyPayment and GET …/verify give it. */
export type PaymentStatus = PublicStatus;

/** What the page shows; also the value of its `data-state` hook. */
export type CallbackState = PaymentStatus | "notfound" | "missing";

/** The payload of verifyPayment / GET /api/platform/shop-payment/verify. */
export type PublicPayment = VerifyResult;

/** How a pending payment is completed (from Midtrans's Get Status, server-side). */
export type { PaymentInstructionKind, PaymentInstructions };

/** The public verify endpoint the page polls (server/rest/verify.handler.ts). */
export const VERIFY_PATH = "/api/platform/shop-payment/verify";

export const POLL_INTERVAL_MS = 3_000;
export const POLL_WINDOW_MS = 60_000;
/** Without JavaScript: one refresh per interval within the same window (20 × 3 s = 60 s). */
export const MAX_REFRESHES = POLL_WINDOW_MS / POLL_INTERVAL_MS;
/** Seconds the success state waits before sending the buyer back to the store. */
export const RETURN_COUNTDOWN_S = 5;

/** Every public status, keyed so the compiler checks the list against the server's type. */
const PUBLIC_STATUSES: Record<PaymentStatus, true> = { pending: true, settlement: true, cancel: true, expire: true, refund: true };
const isPaymentStatus = (value: unknown): value is PaymentStatus => typeof value === "string" && Object.hasOwn(PUBLIC_STATUSES, value);

/**
 * Whether the page stops polling (and refreshing) in this state: only a pending payment may
 * still change while the buyer waits. Not the server's notion of a final Midtrans status.
 */
export const stopsPolling = (state: CallbackState): boolean => state !== "pending";

/** The `poll` counter the no-JS refresh carries: a whole number in 0..MAX_REFRESHES. */
export function parsePollCount(raw: string | null): number {
  if (!raw || !/^\d{1,3}$/.test(raw)) return 0;
  return Math.min(Number(raw), MAX_REFRESHES);
}

/**
 * This page for an order, optionally with the no-JS refresh counter. The page links to itself
 * with the payment's Midtrans order id (as Snap does): it names that payment alone.
 */
export function callbackHref(orderId: string, poll = 0): string {
  return `/purchase/callback?order_id=${encodeURIComponent(orderId)}${poll > 0 ? `&poll=${poll}` : ""}`;
}

/**
 * The `content` of the no-JS `<meta http-equiv="refresh">`, or null when the page must not
 * refresh: only a pending payment, and only while the refresh budget lasts.
 */
export function noJsRefreshContent(state: CallbackState, orderId: string, poll: number): string | null {
  if (stopsPolling(state) || poll >= MAX_REFRESHES) return null;
  return `${POLL_INTERVAL_MS / 1000};url=${callbackHref(orderId, poll + 1)}`;
}

/** Defence in depth: verifyPayment builds redirect_url safely; still, only http(s) is followed. */
export function safeReturnUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

const optionalString = (v: unknown) => v === null || typeof v === "string";

/** Checks the JSON the page polls (by the Midtrans order id) is the payment shown (by the merchant's order_id) before it replaces what the server rendered. */
export function isPublicPayment(value: unknown, orderId: string): value is PublicPayment {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    v.order_id === orderId &&
    isPaymentStatus(v.status) &&
    typeof v.amount === "number" &&
    typeof v.currency === "string" &&
    optionalString(v.store_name) &&
    optionalString(v.item_name) &&
    optionalString(v.redirect_url) &&
    optionalString(v.paid_at) &&
    (v.refunded_amount === undefined || typeof v.refunded_amount === "number")
  );
}

/** How much of a payment came back to the buyer (verify's `refunded_amount`), for the refund state. */
export interface RefundInfo {
  refundedAmount: number;
  amount: number;
  currency: string;
}

/** The refund figures of a payment, when something was refunded. */
export function refundInfoOf(p: Pick<PublicPayment, "amount" | "currency" | "refunded_amount"> | null | undefined): RefundInfo | null {
  if (!p || !(p.refunded_amount > 0)) return null;
  return { refundedAmount: p.refunded_amount, amount: p.amount, currency: p.currency };
}

/** Part of the amount refunded, not all of it. */
export const isPartialRefund = (r: RefundInfo | null | undefined): boolean => !!r && r.refundedAmount < r.amount;

/** What to do while pending when the method is not known. */
const PENDING_STEPS_GENERIC = [
  "Transfer bank (virtual account): selesaikan transfer ke nomor virtual account yang diberikan, sebelum batas waktunya.",
  "GoPay atau QRIS: selesaikan pembayaran di aplikasi Anda.",
];

/** What to do while pending, per kind of instructions (the details follow on the page). */
const PENDING_STEP: Record<PaymentInstructionKind, string> = {
  va: "Selesaikan transfer ke nomor virtual account di bawah ini, sebelum batas waktunya.",
  mandiri_bill: "Bayar lewat Livin’ by Mandiri, ATM atau internet banking Mandiri dengan kode perusahaan dan kode pembayaran di bawah ini, sebelum batas waktunya.",
  cstore: "Tunjukkan kode pembayaran di bawah ini kepada kasir gerai, sebelum batas waktunya.",
  continue: "Selesaikan pembayaran di halaman pembayaran (misalnya GoPay atau QRIS di aplikasi Anda), sebelum batas waktunya.",
};

export interface StateCopy {
  /** The visible heading. */
  heading: string;
  /** One or two calm sentences under the heading. */
  lead: string;
  /** What the buyer can do next, if anything. */
  steps: string[];
}

/**
 * Wording per state. `storeName` is metadata (untrusted): it is only ever returned inside
 * plain strings that React renders as text.
 */
export function stateCopy(
  state: CallbackState,
  opts: { storeName?: string | null; timedOut?: boolean; refund?: RefundInfo | null; instructions?: PaymentInstructionKind | null } = {},
): StateCopy {
  const store = opts.storeName?.trim() || "toko";
  switch (state) {
    case "settlement":
      return {
        heading: "Pembayaran berhasil",
        lead: "Terima kasih! Pembayaran Anda sudah kami terima.",
        steps: [`Pesanan Anda akan diproses oleh ${store}.`],
      };
    case "pending":
      return opts.timedOut
        ? {
            heading: "Pembayaran masih menunggu",
            lead: "Kami belum menerima konfirmasi pembayaran Anda.",
            steps: [
              "Jika Anda sudah membayar, konfirmasi biasanya datang dalam beberapa menit. Tekan “Cek lagi” untuk memeriksa.",
              `Anda juga boleh menutup halaman ini: ${store} akan diberi tahu begitu pembayaran diterima.`,
            ],
          }
        : {
            heading: "Menunggu pembayaran",
            lead: "Pesanan Anda sudah tercatat. Kami sedang menunggu konfirmasi pembayarannya.",
            steps: [
              ...(opts.instructions ? [PENDING_STEP[opts.instructions]] : PENDING_STEPS_GENERIC),
              "Halaman ini berubah sendiri begitu pembayaran diterima. Anda tidak perlu membayar dua kali.",
            ],
          };
    case "cancel":
      return {
        heading: "Pembayaran tidak berhasil",
        lead: "Pembayaran ini dibatalkan atau ditolak oleh penyedia pembayaran.",
        steps: ["Jika masih ingin membeli, kembali ke toko dan coba lagi, misalnya dengan metode pembayaran lain."],
      };
    case "expire":
      return {
        heading: "Waktu pembayaran habis",
        lead: "Batas waktu untuk membayar pesanan ini sudah lewat, jadi pembayarannya tidak dapat diselesaikan lagi.",
        steps: ["Jika masih ingin membeli, silakan buat pesanan baru di toko."],
      };
    case "refund":
      return {
        heading: isPartialRefund(opts.refund) ? "Sebagian pembayaran dikembalikan" : "Pembayaran dikembalikan",
        lead: !opts.refund
          ? "Dana pembayaran pesanan ini sudah dikembalikan kepada Anda, seluruhnya atau sebagian."
          : isPartialRefund(opts.refund)
            ? `Sebagian dana pesanan ini, ${formatAmount(opts.refund.refundedAmount, opts.refund.currency)} dari ${formatAmount(opts.refund.amount, opts.refund.currency)}, sudah dikembalikan kepada Anda.`
            : `Seluruh dana pesanan ini, ${formatAmount(opts.refund.amount, opts.refund.currency)}, sudah dikembalikan kepada Anda.`,
        steps: [
          "Lama dana sampai ke rekening atau kartu Anda tergantung bank atau penyedia pembayaran.",
          `Jika ada pertanyaan, hubungi ${store}.`,
        ],
      };
    case "notfound":
      return {
        heading: "Pesanan tidak ditemukan",
        lead: "Kami tidak menemukan pembayaran dengan nomor pesanan ini.",
        steps: ["Periksa kembali tautan yang Anda buka, atau hubungi toko tempat Anda berbelanja."],
      };
    case "missing":
      return {
        heading: "Nomor pesanan tidak ada",
        lead: "Tautan ini tidak menyertakan nomor pesanan, jadi status pembayaran tidak dapat ditampilkan.",
        steps: ["Buka kembali tautan dari toko atau dari riwayat pesanan Anda."],
      };
  }
}

/** The document title: "Pembayaran berhasil — Warung Bu Sari". */
export function documentTitle(state: CallbackState, storeName?: string | null, refund?: RefundInfo | null): string {
  const site = storeName?.trim() || "Astapa";
  return `${stateCopy(state, { refund }).heading} — ${site}`;
}

/** "Kembali ke toko dalam 5 detik…" */
export const countdownText = (seconds: number): string => `Kembali ke toko dalam ${seconds} detik…`;

/**
 * How Midtrans's `payment_type` (Get Status and notifications; Midtrans API reference, "Transaction
 * Status") reads to a buyer, for every value Midtrans documents.
 */
export const PAYMENT_METHOD_WORDS = {
  credit_card: "Kartu kredit/debit",
  bank_transfer: "Transfer bank (virtual account)",
  echannel: "Mandiri Bill Payment",
  bca_klikpay: "BCA KlikPay",
  bca_klikbca: "KlikBCA",
  bri_epay: "BRI e-Pay",
  cimb_clicks: "OCTO Clicks (CIMB Niaga)",
  danamon_online: "Danamon Online Banking",
  uob_ezpay: "UOB EZPay",
  mandiri_clickpay: "Mandiri Clickpay",
  gopay: "GoPay",
  shopeepay: "ShopeePay",
  qris: "QRIS",
  cstore: "Bayar di gerai",
  akulaku: "Akulaku PayLater",
  kredivo: "Kredivo",
  telkomsel_cash: "Telkomsel Cash",
  xl_tunai: "XL Tunai",
  indosat_dompetku: "Indosat Dompetku",
  mandiri_ecash: "Mandiri e-cash",
} as const satisfies Record<string, string>;

export type MidtransPaymentType = keyof typeof PAYMENT_METHOD_WORDS;

const BANK_NAMES: Record<string, string> = {
  bca: "BCA",
  bni: "BNI",
  bri: "BRI",
  mandiri: "Mandiri",
  permata: "Permata",
  cimb: "CIMB Niaga",
  danamon: "Danamon",
  bsi: "BSI",
  seabank: "SeaBank",
};

const STORE_NAMES: Record<string, string> = { indomaret: "Indomaret", alfamart: "Alfamart", alfamidi: "Alfamidi", dandan: "Dan+Dan" };

/** "bca" → "BCA"; an unknown bank in capitals. */
export const bankName = (bank: string): string => BANK_NAMES[bank.toLowerCase()] ?? bank.toUpperCase();

/** "indomaret" → "Indomaret". */
export const storeOutletName = (store: string): string => STORE_NAMES[store.toLowerCase()] ?? store.charAt(0).toUpperCase() + store.slice(1);

/**
 * The payment method in words: "Transfer bank (virtual account BCA)", "Kartu kredit/debit",
 * "Bayar di Indomaret". Null when Midtrans has not said; a type Midtrans adds later reads
 * "Pembayaran online" rather than an internal code.
 */
export function paymentMethodText(paymentType: string | null | undefined, instructions?: Pick<PaymentInstructions, "bank" | "store"> | null): string | null {
  if (!paymentType) return null;
  if (paymentType === "bank_transfer" && instructions?.bank) return `Transfer bank (virtual account ${bankName(instructions.bank)})`;
  if (paymentType === "cstore" && instructions?.store) return `Bayar di ${storeOutletName(instructions.store)}`;
  return Object.hasOwn(PAYMENT_METHOD_WORDS, paymentType) ? PAYMENT_METHOD_WORDS[paymentType as MidtransPaymentType] : "Pembayaran online";
}

const WIB = new Intl.DateTimeFormat("id-ID", {
  timeZone: "Asia/Jakarta",
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** "2026-11-26T16:59:00Z" → "Kamis, 26 November 2026 pukul 23.59 WIB" (Asia/Jakarta); null when unparseable. */
export function formatWib(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : `${WIB.format(t)} WIB`;
}

/**
 * Time left until a deadline, in words: "1 hari 3 jam", "2 jam 5 menit", "4 menit 10 detik",
 * "" once it has passed. Self-contained (no outer references): the page's script runs this same
 * function (`String(timeLeftText)`) for the live countdown.
 */
export function timeLeftText(ms: number): string {
  if (!(ms > 0)) return "";
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d} hari${h > 0 ? ` ${h} jam` : ""}`;
  if (h > 0) return `${h} jam${m > 0 ? ` ${m} menit` : ""}`;
  if (m > 0) return `${m} menit ${sec} detik`;
  return `${sec} detik`;
}

/**
 * JSON that is safe inside an inline `<script>`: no `</script>`, `<!--` or HTML entity can form,
 * and the line separators older engines reject in string literals are escaped.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
