import { bankName, formatWib, storeOutletName, timeLeftText, type PaymentInstructions } from "~/lib/callback";
import { formatAmount } from "~/lib/money";

/**
 * A code the buyer types or reads out (VA number, bill key, payment code): selectable text, and a
 * copy button that only appears with JavaScript (the page's script un-hides it).
 */
function CopyableCode({ id, value, what }: { id: string; value: string; what: string }) {
  return (
    <dd className="code-row">
      <span className="pay-code" id={id} data-testid={id}>
        {value}
      </span>
      <button type="button" className="copy" data-copy={value} aria-describedby={id} hidden>
        <span data-copy-label="">Salin</span>
        <span className="sr-only"> {what}</span>
      </button>
    </dd>
  );
}

/**
 * How to finish a pending payment, from Midtrans's Get Status (server-side; never from the query
 * string): the bank and virtual account, Mandiri's biller code and bill key, or the store and
 * payment code; the deadline in WIB with the time left; and the way back to the payment page
 * while it still accepts payment. `now` is the render time (the script keeps the time left live).
 */
export function PaymentInstructionsBlock({
  instructions: i,
  amount,
  currency,
  now,
}: {
  instructions: PaymentInstructions;
  amount: number;
  currency: string;
  now: number;
}) {
  const deadline = formatWib(i.expiresAt);
  const msLeft = i.expiresAt ? Date.parse(i.expiresAt) - now : Number.NaN;
  const open = Number.isNaN(msLeft) || msLeft > 0;
  const continueUrl = open ? i.continueUrl : null;
  return (
    <section className="instructions" aria-labelledby="instructions-heading" data-kind={i.kind}>
      <h2 id="instructions-heading">Cara membayar</h2>
      {i.kind !== "continue" && (
        <dl className="pay-details">
          {i.kind === "va" && i.vaNumber && (
            <>
              <dt>Bank</dt>
              <dd data-testid="va-bank">{i.bank ? bankName(i.bank) : "Bank"}</dd>
              <dt>Nomor virtual account</dt>
              <CopyableCode id="va-number" value={i.vaNumber} what="nomor virtual account" />
            </>
          )}
          {i.kind === "mandiri_bill" && i.billKey && (
            <>
              <dt>Bank</dt>
              <dd data-testid="va-bank">Mandiri (Mandiri Bill Payment)</dd>
              {i.billerCode && (
                <>
                  <dt>Kode perusahaan (biller code)</dt>
                  <CopyableCode id="biller-code" value={i.billerCode} what="kode perusahaan" />
                </>
              )}
              <dt>Kode pembayaran (bill key)</dt>
              <CopyableCode id="bill-key" value={i.billKey} what="kode pembayaran" />
            </>
          )}
          {i.kind === "cstore" && i.paymentCode && (
            <>
              <dt>Gerai</dt>
              <dd data-testid="cstore-name">{i.store ? storeOutletName(i.store) : "Gerai ritel"}</dd>
              <dt>Kode pembayaran</dt>
              <CopyableCode id="payment-code" value={i.paymentCode} what="kode pembayaran" />
            </>
          )}
          <dt>Jumlah yang dibayar</dt>
          <dd className="amount">{formatAmount(amount, currency)}</dd>
        </dl>
      )}
      {deadline && i.expiresAt && (
        <p className="deadline" data-deadline={i.expiresAt}>
          Bayar sebelum{" "}
          <time dateTime={i.expiresAt} data-testid="deadline">
            {deadline}
          </time>
          . <span data-time-left="">{open ? `Sisa waktu ${timeLeftText(msLeft)}` : "Batas waktu sudah lewat"}</span>
        </p>
      )}
      {continueUrl &&
        (i.kind === "continue" ? (
          <a className="button continue" href={continueUrl} data-while-open="">
            Lanjutkan pembayaran
          </a>
        ) : (
          <p className="back-to-payment" data-while-open="">
            <a href={continueUrl}>Buka lagi halaman pembayaran</a> untuk memilih cara lain atau melihat petunjuknya.
          </p>
        ))}
    </section>
  );
}
