import { useRef, useState } from "react";
import { useRevalidator } from "@remix-run/react";
import { trpc, type RouterOutputs } from "../../lib/admin/trpc";
import { formatRupiah, formatWIB } from "../../lib/admin/format";
import { useAction } from "./hooks";
import { ActionButton, Badge, ErrorNote, JsonBlock } from "./ui";

type Reconcile = RouterOutputs["payments"]["reconcile"];
type Resend = RouterOutputs["payments"]["resendWebhook"];

const SNAPSHOT_FIELDS = ["status", "midtrans_status", "fraud_status", "refunded_amount", "paid_at"] as const;

const show = (field: string, v: string | number | null) =>
  v === null ? "—" : field === "paid_at" ? formatWIB(String(v)) : field === "refunded_amount" ? formatRupiah(Number(v)) : String(v);

function ReconcileResult({ r }: { r: Reconcile }) {
  return (
    <div className={`a-note ${r.changed ? "a-note-ok" : "a-note-info"}`} data-testid="reconcile-result" role="status">
      <p>
        <strong>{r.changed ? "Updated from Midtrans." : "Nothing changed."}</strong> Outcome: <Badge value={r.outcome} />
        {r.reason ? <> — {r.reason}</> : null}
        {r.webhookEventWritten ? <> The merchant's webhook was queued.</> : null}
      </p>
      <div className="a-scroll">
        <table className="a-table a-compact">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {SNAPSHOT_FIELDS.map((f) => (
              <tr key={f} className={String(r.before[f]) !== String(r.after[f]) ? "a-changed" : undefined}>
                <th scope="row">{f}</th>
                <td>{show(f, r.before[f])}</td>
                <td>{show(f, r.after[f])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.midtrans ? <JsonBlock value={r.midtrans} summary="Midtrans Get Status answer" /> : <p className="a-muted">Midtrans answered 404 (no transaction).</p>}
    </div>
  );
}

function ResendResult({ r }: { r: Resend }) {
  return (
    <div className={`a-note ${r.delivered ? "a-note-ok" : "a-note-err"}`} data-testid="resend-result" role="status">
      <p>
        <strong>{r.delivered ? "Delivered." : "Not delivered."}</strong> {r.eventType} to {r.attempt.url}: answered{" "}
        <strong>{r.attempt.response_status ?? "nothing"}</strong>
        {r.attempt.duration_ms !== null ? ` in ${r.attempt.duration_ms} ms` : ""}
        {r.attempt.error ? ` — ${r.attempt.error}` : ""}. Event is now <Badge value={r.eventStatus} />.
      </p>
      {r.attempt.response_body ? <pre className="a-excerpt">{r.attempt.response_body}</pre> : null}
    </div>
  );
}

/** A new key for one submission of the refund form (docs/api.md#console-refunds); works on plain http too (no randomUUID). */
function newSubmissionKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `cfr-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The refund form. One submission is one refund: the submission's key goes with the request
 * (the server answers a repeat with the first refund), a second submit while one is in flight
 * is ignored (the button is disabled, and a ref guards the moment before React re-renders),
 * and after a success the form is emptied under a fresh key.
 */
function RefundForm({ purchaseId, refundable, onDone }: { purchaseId: string; refundable: number; onDone: () => void }) {
  const [amount, setAmount] = useState(String(refundable));
  const [reason, setReason] = useState("");
  const submissionKey = useRef<string | null>(null);
  const inFlight = useRef(false);
  const refund = useAction((input: { purchaseId: string; amount?: number; reason: string; idempotencyKey: string }) => trpc.payments.refund.mutate(input));
  const result = refund.result;
  return (
    <form
      className="a-form a-refund"
      data-testid="refund-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (inFlight.current) return;
        inFlight.current = true;
        try {
          const n = Number(amount);
          if (!window.confirm(`Refund ${formatRupiah(n)} through Midtrans? This cannot be undone.`)) return;
          submissionKey.current ??= newSubmissionKey();
          const done = await refund.run({ purchaseId, amount: n, reason, idempotencyKey: submissionKey.current });
          if (done) {
            submissionKey.current = null;
            setAmount("");
            setReason("");
            onDone();
          }
        } finally {
          inFlight.current = false;
        }
      }}
    >
      <h3>Refund</h3>
      <div className="a-row">
        <label>
          Amount (Rp, up to {formatRupiah(refundable)})
          <input
            type="number"
            min={1}
            max={refundable}
            step={1}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            required
            data-testid="refund-amount"
          />
        </label>
        <label className="a-grow">
          Reason
          <input
            type="text"
            maxLength={255}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
            placeholder="e.g. item out of stock"
            data-testid="refund-reason"
          />
        </label>
        <ActionButton type="submit" kind="danger" busy={refund.status === "busy"} testId="refund-submit">
          Refund
        </ActionButton>
      </div>
      <ErrorNote error={refund.error} />
      {result ? (
        <p className="a-note a-note-ok" role="status" data-testid="refund-result">
          {result.replayed ? "This submission had already been refunded: " : ""}Midtrans accepted the refund of {formatRupiah(result.amount)} (key{" "}
          <code>{result.refundKey}</code>). Status now <Badge value={result.status} />, refunded {formatRupiah(result.refundedAmount)} in total.
        </p>
      ) : null}
    </form>
  );
}

/** "Resend" on one webhook event row of the payment page: sends exactly that event again (same webhook-id). */
export function ResendEventButton({ purchaseId, eventId, disabled }: { purchaseId: string; eventId: string; disabled: boolean }) {
  const revalidator = useRevalidator();
  const resend = useAction(() => trpc.payments.resendWebhook.mutate({ purchaseId, eventId }));
  return (
    <>
      <ActionButton
        testId="resend-event"
        kind="secondary"
        busy={resend.status === "busy"}
        disabled={disabled}
        onClick={async () => {
          if (await resend.run()) revalidator.revalidate();
        }}
      >
        Resend this event
      </ActionButton>
      <ErrorNote error={resend.error} />
      {resend.result ? <ResendResult r={resend.result} /> : null}
    </>
  );
}

/** The payment page's actions: reconcile, resend webhook, refund. Results stay on screen; the page data refreshes. */
export function PaymentActions({
  purchaseId,
  canResend,
  canRefund,
  refundable,
  latestEventType,
  mayReconcile = true,
  mayResend = true,
}: {
  purchaseId: string;
  canResend: boolean;
  canRefund: boolean;
  refundable: number;
  latestEventType: string | null;
  /** The admin's role allows reconciling / resending (docs/decisions/0017-roles.md): the buttons are left out otherwise. */
  mayReconcile?: boolean;
  mayResend?: boolean;
}) {
  const revalidator = useRevalidator();
  const reconcile = useAction(() => trpc.payments.reconcile.mutate({ purchaseId }));
  const resend = useAction(() => trpc.payments.resendWebhook.mutate({ purchaseId }));
  return (
    <section className="a-card" aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <div className="a-row">
        {mayReconcile ? (
          <ActionButton
            testId="reconcile"
            busy={reconcile.status === "busy"}
            onClick={async () => {
              if (await reconcile.run()) revalidator.revalidate();
            }}
          >
            Reconcile with Midtrans
          </ActionButton>
        ) : null}
        {mayResend ? (
          <ActionButton
            testId="resend-webhook"
            kind="secondary"
            busy={resend.status === "busy"}
            disabled={!canResend}
            onClick={async () => {
              if (await resend.run()) revalidator.revalidate();
            }}
          >
            Resend latest webhook{latestEventType ? ` (${latestEventType})` : ""}
          </ActionButton>
        ) : null}
        {mayResend && !canResend ? <span className="a-muted">No webhook to resend (no event yet, or the project has no webhook URL).</span> : null}
      </div>
      <ErrorNote error={reconcile.error} />
      {reconcile.result ? <ReconcileResult r={reconcile.result} /> : null}
      <ErrorNote error={resend.error} />
      {resend.result ? <ResendResult r={resend.result} /> : null}
      {canRefund ? <RefundForm purchaseId={purchaseId} refundable={refundable} onDone={() => revalidator.revalidate()} /> : null}
    </section>
  );
}
