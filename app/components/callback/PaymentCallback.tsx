import {
  countdownText,
  formatWib,
  MAX_REFRESHES,
  noJsRefreshContent,
  paymentMethodText,
  POLL_INTERVAL_MS,
  POLL_WINDOW_MS,
  refundInfoOf,
  RETURN_COUNTDOWN_S,
  safeReturnUrl,
  scriptJson,
  stateCopy,
  stopsPolling,
  timeLeftText,
  VERIFY_PATH,
  type CallbackState,
  type PaymentInstructions,
  type PublicPayment,
} from "~/lib/callback";
import { formatAmount } from "~/lib/money";
import { useNonce } from "~/nonce";
import { enhanceCallbackPage, type EnhanceConfig } from "./enhance";
import { PaymentInstructionsBlock } from "./PaymentInstructionsBlock";
import { StatusIcon, type Tone } from "./StatusIcon";

export interface CallbackData {
  state: CallbackState;
  payment: PublicPayment | null;
  /** The order id asked for (shown on "not found"); null when missing. */
  orderId: string | null;
  /**
   * The id that names this payment alone (its Midtrans order id): what the page polls verify
   * with and refreshes to, whoever else uses the merchant's order_id. Null without a payment.
   */
  pollOrderId: string | null;
  /** The no-JS refresh counter from the URL (0..20). */
  poll: number;
  /** Astapa's purchase id, for the receipt; null without a payment. */
  purchaseId: string | null;
  /** Midtrans's payment_type, once known. */
  paymentType: string | null;
  /** How to finish paying (pending only), from Midtrans's Get Status. */
  instructions: PaymentInstructions | null;
  /** When the server rendered the page (epoch ms): the deadline's time left is counted from it. */
  renderedAt: number;
}

const TONE: Record<CallbackState, Tone> = {
  settlement: "success",
  pending: "pending",
  cancel: "error",
  expire: "error",
  refund: "info",
  notfound: "info",
  missing: "info",
};

/** The inline script's source: the self-contained enhancer, called with its JSON config (safe inside <script>). */
function enhanceScript(cfg: EnhanceConfig): string {
  return `(${String(enhanceCallbackPage)})(${scriptJson(cfg)},${String(timeLeftText)},${String(countdownText)});`;
}

/**
 * The buyer's payment status, rendered on the server only (the route opts out of Remix's scripts:
 * `handle.hydrate`). Everything visible comes from the loader and is correct without JavaScript;
 * a small inline script (`enhance.ts`) polls a pending payment, counts a successful one down back
 * to the store and copies codes. Metadata (store_name, item_name) is rendered as text only.
 */
export function PaymentCallback({ data }: { data: CallbackData }) {
  const nonce = useNonce();
  const { payment, state } = data;
  const phase = stopsPolling(state) ? "idle" : data.poll < MAX_REFRESHES ? "polling" : "timeout";
  const returnUrl = safeReturnUrl(payment?.redirect_url);
  const refund = state === "refund" ? refundInfoOf(payment) : null;
  const instructions = state === "pending" ? data.instructions : null;
  const copy = stateCopy(state, { storeName: payment?.store_name, timedOut: phase === "timeout", refund, instructions: instructions?.kind });
  const refresh = payment && data.pollOrderId ? noJsRefreshContent(state, data.pollOrderId, data.poll) : null;
  const showReturn = returnUrl !== null && (stopsPolling(state) || phase === "timeout");
  const paidAt = state === "settlement" || state === "refund" ? formatWib(payment?.paid_at) : null;
  const method = payment ? paymentMethodText(data.paymentType, data.instructions) : null;
  const receipt = state === "settlement" || state === "refund";

  return (
    <>
      <main className="callback">
        {refresh && (
          // Without JavaScript this refreshes the page (same 3 s / 60 s budget, counted in
          // `poll`); with JavaScript the browser never parses it, so only the polling runs.
          <noscript>
            <meta httpEquiv="refresh" content={refresh} />
          </noscript>
        )}
        <section className={`card status tone-${TONE[state]}`} data-state={state} data-polling={String(phase === "polling")} aria-labelledby="status-heading">
          <div className="status-head" aria-live="polite" aria-atomic="true">
            <StatusIcon tone={TONE[state]} />
            {/* elementtiming: the bench measures when the status is painted (bench/scenarios/callback-page.ts). */}
            <h1 id="status-heading" tabIndex={-1} {...{ elementtiming: "status" }}>
              {copy.heading}
            </h1>
            <p className="lead">{copy.lead}</p>
          </div>

          {copy.steps.length > 1 ? (
            <ul className="steps">
              {copy.steps.map((step) => (
                <li key={step}>{step}</li>
              ))}
            </ul>
          ) : (
            copy.steps.length === 1 && <p className="steps">{copy.steps[0]}</p>
          )}

          {phase === "polling" && (
            <p className="checking">
              <span className="spinner" aria-hidden="true" />
              Memeriksa status pembayaran…
            </p>
          )}

          {instructions && payment && (
            <PaymentInstructionsBlock instructions={instructions} amount={payment.amount} currency={payment.currency} now={data.renderedAt} />
          )}

          {payment ? (
            <section className="receipt" aria-labelledby="receipt-heading">
              <h2 id="receipt-heading" className={receipt ? undefined : "sr-only"}>
                {receipt ? "Bukti pembayaran" : "Rincian pesanan"}
              </h2>
              <dl className="details">
                {payment.store_name && (
                  <>
                    <dt>Toko</dt>
                    <dd data-testid="receipt-store">{payment.store_name}</dd>
                  </>
                )}
                {payment.item_name && (
                  <>
                    <dt>Barang</dt>
                    <dd>{payment.item_name}</dd>
                  </>
                )}
                <dt>Jumlah</dt>
                <dd className="amount">{formatAmount(payment.amount, payment.currency)}</dd>
                {refund && (
                  <>
                    <dt>Dikembalikan</dt>
                    <dd className="refunded" data-testid="refunded-amount">
                      {formatAmount(refund.refundedAmount, refund.currency)}
                    </dd>
                  </>
                )}
                {paidAt && (
                  <>
                    <dt>Dibayar pada</dt>
                    <dd data-testid="paid-at">
                      <time dateTime={payment.paid_at ?? undefined}>{paidAt}</time>
                    </dd>
                  </>
                )}
                {method && (
                  <>
                    <dt>Metode pembayaran</dt>
                    <dd data-testid="payment-method">{method}</dd>
                  </>
                )}
                <dt>Nomor pesanan</dt>
                <dd className="order-id">{payment.order_id}</dd>
                {data.purchaseId && (
                  <>
                    <dt>ID transaksi</dt>
                    <dd className="purchase-id" data-testid="purchase-id">
                      {data.purchaseId}
                    </dd>
                  </>
                )}
              </dl>
            </section>
          ) : (
            data.orderId && (
              <dl className="details">
                <dt>Nomor pesanan</dt>
                <dd className="order-id">{data.orderId}</dd>
              </dl>
            )
          )}

          {(phase === "timeout" || showReturn || receipt) && (
            <div className="actions">
              {phase === "timeout" && payment && data.pollOrderId && (
                // A real form so "Cek lagi" also works without JavaScript (a fresh 60 s of refreshes);
                // the script turns it into an immediate check and a new polling window.
                <form method="get" action="/purchase/callback" data-check-again="">
                  <input type="hidden" name="order_id" value={data.pollOrderId} />
                  <button type="submit" className="button">
                    Cek lagi
                  </button>
                </form>
              )}
              {showReturn && (
                <a href={returnUrl} className={phase === "timeout" ? "button secondary" : "button"} data-return="">
                  Kembali ke toko
                </a>
              )}
              {receipt && (
                <button type="button" className="button secondary print-receipt" data-print="" hidden>
                  Cetak bukti
                </button>
              )}
            </div>
          )}
        </section>
        <p className="footnote">Pembayaran diproses oleh Midtrans melalui Astapa.</p>
      </main>
      {payment && data.pollOrderId && (
        <script
          nonce={nonce}
          // The page's whole client side: its own code, and JSON escaped for a script element.
          // biome-ignore lint/security/noDangerouslySetInnerHtml: our own function's source and escaped JSON, no user text unescaped
          dangerouslySetInnerHTML={{
            __html: enhanceScript({
              orderId: payment.order_id,
              pollOrderId: data.pollOrderId,
              phase,
              verifyPath: VERIFY_PATH,
              pagePath: "/purchase/callback",
              intervalMs: POLL_INTERVAL_MS,
              windowMs: POLL_WINDOW_MS,
              maxRefreshes: MAX_REFRESHES,
              countdownS: RETURN_COUNTDOWN_S,
            }),
          }}
        />
      )}
    </>
  );
}
