import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { PaymentActions, ResendEventButton } from "~/components/admin/PaymentActions";
import { ConsoleRouteError } from "~/components/admin/RouteError";
import { WebhookAttemptsTable } from "~/components/admin/WebhookAttempts";
import { Badge, Empty, JsonBlock } from "~/components/admin/ui";
import { formatRupiah, formatWIB, prettyJson, withWibTimes } from "~/lib/admin/format";
import { buildTimeline, timelineKindLabels } from "~/lib/admin/timeline";
import { useCan } from "~/lib/admin/can";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.payment.order_id ?? "Payment"} — Astapa admin` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const ref = params.id!;
  return load(() => caller.payments.detail(/^pur_/.test(ref) ? { id: ref } : { orderId: ref }));
}

/** An unknown payment is a "Not found" inside the console's layout. */
export const ErrorBoundary = ConsoleRouteError;

export default function PaymentDetail() {
  const d = useLoaderData<typeof loader>();
  const can = useCan();
  const p = d.payment;
  const timeline = buildTimeline(d);
  const fields: [string, React.ReactNode][] = [
    ["Purchase id", <code key="id">{p.id}</code>],
    ["Order id", <code key="oid">{p.order_id}</code>],
    ...(p.midtrans_order_id !== p.order_id
      ? [
          [
            "Order id at Midtrans",
            <code key="moid" data-testid="midtrans-order-id">
              {p.midtrans_order_id}
            </code>,
          ] as [string, React.ReactNode],
        ]
      : []),
    [
      "Project",
      <Link key="pr" to={`/admin/projects/${d.project.id}`}>
        {d.project.name}
      </Link>,
    ],
    ["Environment", p.environment],
    ["Status", <Badge key="st" value={p.status} testId="payment-status" />],
    ["Public status", p.public_status ?? "— (not a payment)"],
    ["Midtrans status", p.midtrans_status ?? "—"],
    ["Fraud status", p.fraud_status ?? "—"],
    ["Payment type", p.payment_type ?? "—"],
    ["Midtrans transaction id", p.midtrans_transaction_id ? <code key="tx">{p.midtrans_transaction_id}</code> : "—"],
    ["Amount", `${formatRupiah(p.amount)} (${p.currency})`],
    ["Refunded", formatRupiah(p.refunded_amount)],
    ["Buyer", `${p.buyer_name ?? "—"} <${p.buyer_email}>`],
    ["Item", `${p.item_name ?? "—"} (${p.item_id})`],
    ["Created", formatWIB(p.created_at)],
    ["Paid", formatWIB(p.paid_at)],
    ["Updated", formatWIB(p.updated_at)],
    [
      "Snap invoice URL",
      p.invoice_url ? (
        <a key="inv" href={p.invoice_url} rel="noreferrer noopener" target="_blank">
          {p.invoice_url}
        </a>
      ) : (
        "—"
      ),
    ],
    ["Snap token", p.snap_token ? <code key="tok">{p.snap_token}</code> : "—"],
    ["Snap page expires", formatWIB(p.snap_expires_at)],
    ["Creation error", withWibTimes(p.create_error) ?? "—"],
    ["Last reconciled", formatWIB(p.reconcile_checked_at)],
    ["Expired by", p.status === "expire" || p.expired_by_astapa ? (p.expired_by_astapa ? "Astapa (Snap page lapsed unused)" : "Midtrans") : "—"],
    ["Paid after expiry", formatWIB(p.settled_after_expiry_at)],
  ];
  return (
    <>
      <div className="a-head">
        <div>
          <p className="a-crumbs">
            <Link to="/admin/payments">Payments</Link> /
          </p>
          <h1 className="a-mono" data-testid="payment-order-id">
            {p.order_id}
          </h1>
        </div>
        <div className="a-headline">
          <Badge value={p.status} />
          <span className="a-kpi">{formatRupiah(p.amount)}</span>
        </div>
      </div>

      {p.settled_after_expiry_at ? (
        <p className="a-note a-note-err" role="alert" data-testid="settled-after-expiry">
          <strong>Paid after expiry.</strong> Astapa had expired this payment, then Midtrans reported it paid on {formatWIB(p.settled_after_expiry_at)}. The
          money arrived and the merchant was sent <code>item.purchased</code>; check with the merchant that the order is still wanted (or refund it).
        </p>
      ) : null}

      {/* Only what the admin's role allows (app/lib/admin/can.ts); a viewer gets no actions at all. */}
      {can("payments.reconcile") || can("webhooks.resend") || can("payments.refund") ? (
        <PaymentActions
          purchaseId={p.id}
          canResend={d.actions.canResendWebhook}
          canRefund={d.actions.canRefund && can("payments.refund")}
          refundable={d.actions.refundable}
          latestEventType={d.actions.latestEventType}
          mayReconcile={can("payments.reconcile")}
          mayResend={can("webhooks.resend")}
        />
      ) : null}

      <div className="a-grid-2">
        <section className="a-card" aria-labelledby="fields">
          <h2 id="fields">Payment</h2>
          <dl className="a-dl">
            {fields.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
          <h3>Metadata</h3>
          {Object.keys(p.metadata).length ? <pre className="a-pre">{JSON.stringify(p.metadata, null, 2)}</pre> : <Empty>None.</Empty>}
        </section>

        <section className="a-card" aria-labelledby="timeline">
          <h2 id="timeline">Timeline</h2>
          <ol className="a-timeline" data-testid="timeline">
            {timeline.map((e) => (
              <li key={e.key} className={e.ok === true ? "a-ok" : e.ok === false ? "a-bad" : undefined}>
                <time dateTime={e.at}>{formatWIB(e.at)}</time>
                <span className="a-kind">{timelineKindLabels[e.kind]}</span>
                <span className="a-title">{withWibTimes(e.title)}</span>
                {e.detail ? <span className="a-detail">{withWibTimes(e.detail)}</span> : null}
              </li>
            ))}
          </ol>
        </section>
      </div>

      <section className="a-card" aria-labelledby="notifications">
        <h2 id="notifications">Midtrans notifications ({d.notifications.length})</h2>
        {d.notifications.length === 0 ? (
          <Empty>No notification received.</Empty>
        ) : (
          <div className="a-scroll">
            <table className="a-table">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Status</th>
                  <th scope="col">Signature</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Why</th>
                  <th scope="col">Raw</th>
                </tr>
              </thead>
              <tbody>
                {d.notifications.map((n) => (
                  <tr key={n.id}>
                    <td className="a-nowrap">{formatWIB(n.received_at)}</td>
                    <td>
                      {n.transaction_status ?? "—"} {n.status_code ? <span className="a-muted">({n.status_code})</span> : null}
                    </td>
                    <td>
                      {n.signature_valid === null ? "—" : n.signature_valid ? <Badge value="valid" /> : <span className="a-badge a-tone-err">invalid</span>}
                    </td>
                    <td>
                      <Badge value={n.outcome} />
                    </td>
                    <td>{withWibTimes(n.detail) ?? "—"}</td>
                    <td>
                      <JsonBlock value={prettyJson(n.raw_body)} summary="JSON" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="a-card" aria-labelledby="history">
        <h2 id="history">Status history</h2>
        <div className="a-scroll">
          <table className="a-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Midtrans</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {d.history.map((h) => (
                <tr key={h.id}>
                  <td className="a-nowrap">{formatWIB(h.created_at)}</td>
                  <td>{h.from_status ?? "—"}</td>
                  <td>
                    <Badge value={h.to_status} />
                  </td>
                  <td>
                    {h.midtrans_status ?? "—"}
                    {h.fraud_status ? ` (fraud ${h.fraud_status})` : ""}
                  </td>
                  <td>
                    {h.source}
                    {h.notification_id ? ` #${h.notification_id}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="a-card" aria-labelledby="webhooks">
        <h2 id="webhooks">Merchant webhooks</h2>
        <p className="a-muted" data-testid="webhook-endpoint">
          {d.payment.environment === "production" ? "Production" : "Sandbox"} endpoint: {d.project.webhook_url ?? "none configured"}
        </p>
        {d.webhookEvents.length === 0 ? (
          <Empty>No webhook event (the merchant is told when the payment settles, expires, fails, is refunded or reversed).</Empty>
        ) : (
          d.webhookEvents.map((e) => (
            <div key={e.id} className="a-event" data-testid="webhook-event">
              <p>
                <code>{e.id}</code> · {e.event_type} · <Badge value={e.status} /> · {e.attempt_count} scheduled attempt{e.attempt_count === 1 ? "" : "s"}
                {e.next_attempt_at ? ` · next ${formatWIB(e.next_attempt_at)}` : ""}
                {e.delivered_at ? ` · delivered ${formatWIB(e.delivered_at)}` : ""}
                {e.last_error ? ` · last error: ${withWibTimes(e.last_error)}` : ""}
              </p>
              <JsonBlock value={e.payload} summary="Payload" />
              {can("webhooks.resend") ? <ResendEventButton purchaseId={p.id} eventId={e.id} disabled={!d.project.webhook_url} /> : null}
              <div className="a-scroll">
                <WebhookAttemptsTable attempts={e.attempts} />
              </div>
            </div>
          ))
        )}
      </section>

      <section className="a-card" aria-labelledby="audit">
        <h2 id="audit">Admin actions on this payment</h2>
        {d.audit.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          <ul className="a-list">
            {d.audit.map((a) => (
              <li key={a.id}>
                {formatWIB(a.created_at)} — <strong>{a.action}</strong> by {a.admin_email ?? "system"}
                <JsonBlock value={a.details} summary="details" />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
