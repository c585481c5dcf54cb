import { useEffect, useRef } from "react";
import {
  countdownText,
  documentTitle,
  MAX_REFRESHES,
  noJsRefreshContent,
  refundInfoOf,
  safeReturnUrl,
  stateCopy,
  stopsPolling,
  type CallbackState,
  type PublicPayment,
} from "~/lib/callback";
import { formatAmount } from "~/lib/money";
import { StatusIcon, type Tone } from "./StatusIcon";
import { usePaymentPolling, type PollPhase } from "./usePaymentPolling";
import { useReturnCountdown } from "./useReturnCountdown";

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

/**
 * The buyer's payment status. Everything visible comes from the loader (server-rendered,
 * correct without JavaScript); once hydrated, a pending payment is polled and a successful
 * one counts down back to the store. Metadata (store_name, item_name) is rendered as text only.
 */
export function PaymentCallback({ data }: { data: CallbackData }) {
  const initialPhase: PollPhase = stopsPolling(data.state) ? "idle" : data.poll < MAX_REFRESHES ? "polling" : "timeout";
  const { payment, phase, checkAgain } = usePaymentPolling(data.payment, data.pollOrderId, initialPhase);
  const state: CallbackState = payment?.status ?? data.state;
  const returnUrl = safeReturnUrl(payment?.redirect_url);
  const countdown = useReturnCountdown(returnUrl, payment ? data.pollOrderId : null, state === "settlement");
  const refund = state === "refund" ? refundInfoOf(payment) : null;
  const copy = stateCopy(state, { storeName: payment?.store_name, timedOut: phase === "timeout", refund });
  const refresh = payment && data.pollOrderId ? noJsRefreshContent(state, data.pollOrderId, data.poll) : null;
  const counting = countdown.secondsLeft !== null;

  const heading = useRef<HTMLHeadingElement>(null);
  const returnLink = useRef<HTMLAnchorElement>(null);

  // The title follows the state when polling changes it (Remix's meta only sees loader data).
  const title = documentTitle(state, payment?.store_name, refund);
  useEffect(() => {
    document.title = title;
  }, [title]);

  const showReturn = returnUrl !== null && (stopsPolling(state) || phase === "timeout");

  return (
    <main className="callback">
      {refresh && (
        // Without JavaScript this refreshes the page (same 3 s / 60 s budget, counted in
        // `poll`); with JavaScript the browser never parses it, so only the polling runs.
        <noscript>
          <meta httpEquiv="refresh" content={refresh} />
        </noscript>
      )}
      <section
        className={`card status tone-${TONE[state]}`}
        data-state={state}
        data-polling={String(phase === "polling")}
        aria-labelledby="status-heading"
      >
        <div className="status-head" aria-live="polite" aria-atomic="true">
          <StatusIcon tone={TONE[state]} />
          <h1 id="status-heading" ref={heading} tabIndex={-1}>
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

        {payment ? (
          <dl className="details">
            {payment.store_name && (
              <>
                <dt>Toko</dt>
                <dd>{payment.store_name}</dd>
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
            <dt>Nomor pesanan</dt>
            <dd className="order-id">{payment.order_id}</dd>
          </dl>
        ) : (
          data.orderId && (
            <dl className="details">
              <dt>Nomor pesanan</dt>
              <dd className="order-id">{data.orderId}</dd>
            </dl>
          )
        )}

        {countdown.secondsLeft !== null && (
          <p className="countdown" data-testid="countdown">
            {countdown.secondsLeft > 0 ? countdownText(countdown.secondsLeft) : "Mengalihkan ke toko…"}
          </p>
        )}

        {(phase === "timeout" || showReturn) && (
          <div className="actions">
            {phase === "timeout" && payment && data.pollOrderId && (
              // A real form so "Cek lagi" also works without JavaScript (a fresh 60 s of refreshes).
              <form
                method="get"
                action="/purchase/callback"
                onSubmit={(e) => {
                  e.preventDefault();
                  checkAgain();
                  heading.current?.focus();
                }}
              >
                <input type="hidden" name="order_id" value={data.pollOrderId} />
                <button type="submit" className="button">
                  Cek lagi
                </button>
              </form>
            )}
            {showReturn && (
              <a
                ref={returnLink}
                href={returnUrl}
                className={phase === "timeout" ? "button secondary" : "button"}
              >
                Kembali ke toko
              </a>
            )}
            {counting && (
              <button
                type="button"
                className="button quiet"
                onClick={() => {
                  countdown.stay();
                  returnLink.current?.focus();
                }}
              >
                Tetap di halaman ini
              </button>
            )}
          </div>
        )}
      </section>
      <p className="footnote">Pembayaran diproses oleh Midtrans melalui Astapa.</p>
    </main>
  );
}
