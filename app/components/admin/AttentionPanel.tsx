import { Link } from "@remix-run/react";
import type { DashboardStats } from "../../../server/admin/dashboard.service";
import type { AttentionFilter } from "../../../server/payments/payment-list.schema";
import { formatCount, formatWIB, withWibTimes } from "~/lib/admin/format";

type Attention = DashboardStats["attention"];

/** What each attention item of payments means, in the console's words. */
function paymentItemLabel(kind: AttentionFilter, a: Attention): { title: string; hint: string } {
  switch (kind) {
    case "stale_pending":
      return { title: "Stale pending payments", hint: `open for more than ${a.staleAfterMinutes} minutes: reconcile them with Midtrans` };
    case "settled_after_expiry":
      return { title: "Paid after expiry", hint: `money arrived after Astapa expired the payment (last ${a.windowDays} days): fulfil or refund` };
    case "amount_mismatch":
      return { title: "Amount mismatches", hint: `Midtrans reported another amount than the payment's (last ${a.windowDays} days)` };
  }
}

/**
 * The Webhooks page filtered to one endpoint (project and environment): a failing endpoint's
 * failing events; a disabled endpoint's every event (held pending ones, failing, exhausted).
 */
function endpointDeliveriesLink(e: Attention["endpoints"][number]): string {
  const q = new URLSearchParams({ projectId: e.project_id, environment: e.environment });
  if (!e.disabled_at) q.set("state", "failing");
  return `/admin/webhooks?${q}`;
}

/**
 * The dashboard's "needs attention" panel: each item with its count and a link to the list of
 * what it counts (the payment list filtered by `attention=`, in the dashboard's scope).
 */
export function AttentionPanel({ attention: a, scope }: { attention: Attention; scope: string }) {
  const failing = a.endpoints.filter((e) => !e.disabled_at).length;
  const disabled = a.endpoints.length - failing;
  const nothing = a.payments.every((p) => p.count === 0) && a.endpoints.length === 0 && a.rejectedNotifications.count === 0;
  return (
    <section className="a-card" aria-labelledby="attention-title" data-testid="attention-panel">
      <h2 id="attention-title">Needs attention</h2>
      {nothing ? <p className="a-muted">Nothing needs attention.</p> : null}
      <ul className="a-attention">
        {a.payments.map((p) => {
          const { title, hint } = paymentItemLabel(p.kind, a);
          const q = new URLSearchParams(scope);
          q.set("attention", p.kind);
          return (
            <li key={p.kind} className={p.count > 0 ? "a-attention-on" : undefined} data-testid={`attention-${p.kind}`}>
              <span className="a-kpi" data-testid="attention-count">
                {formatCount(p.count)}
              </span>{" "}
              {p.count > 0 ? <Link to={`/admin/payments?${q}`}>{title}</Link> : <span>{title}</span>} <span className="a-muted">— {hint}</span>
            </li>
          );
        })}
        <li className={a.endpoints.length > 0 ? "a-attention-on" : undefined} data-testid="attention-endpoints">
          <span className="a-kpi" data-testid="attention-count">
            {formatCount(a.endpoints.length)}
          </span>{" "}
          <span>Webhook endpoints failing or disabled</span>{" "}
          <span className="a-muted">
            — {failing} failing, {disabled} disabled (disabled after 5 days of failures: re-enable on the project's page)
          </span>
          {a.endpoints.length > 0 ? (
            <ul>
              {a.endpoints.map((e) => (
                <li key={`${e.project_id}/${e.environment}`} data-testid="attention-endpoint">
                  <Link to={`/admin/projects/${e.project_id}`}>
                    {e.project_name} · {e.environment}
                  </Link>{" "}
                  <span className="a-mono">{e.url ?? "(no URL)"}</span>{" "}
                  <span className="a-muted">
                    {e.disabled_at ? `disabled ${formatWIB(e.disabled_at)}` : `failing since ${formatWIB(e.failing_since)}`}
                  </span>{" "}
                  <Link to={endpointDeliveriesLink(e)} data-testid="attention-endpoint-deliveries">
                    deliveries
                  </Link>
                </li>
              ))}
            </ul>
          ) : null}
        </li>
        <li className={a.rejectedNotifications.count > 0 ? "a-attention-on" : undefined} data-testid="attention-rejected">
          <span className="a-kpi" data-testid="attention-count">
            {formatCount(a.rejectedNotifications.count)}
          </span>{" "}
          <span>Rejected notifications</span>{" "}
          <span className="a-muted">— posted to the Midtrans notification URL in the last 24 h but not Midtrans's (bad signature, invalid body)</span>
          {a.rejectedNotifications.count > 0 ? (
            <details>
              <summary>Latest {a.rejectedNotifications.latest.length}</summary>
              <table className="a-table a-compact">
                <thead>
                  <tr>
                    <th scope="col">Received (WIB)</th>
                    <th scope="col">Order id</th>
                    <th scope="col">From</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {a.rejectedNotifications.latest.map((n) => (
                    <tr key={n.id}>
                      <td className="a-nowrap">{formatWIB(n.received_at)}</td>
                      <td className="a-mono">{n.purchase_id ? <Link to={`/admin/payments/${n.purchase_id}`}>{n.order_id}</Link> : (n.order_id ?? "—")}</td>
                      <td className="a-mono">{n.remote_addr ?? "—"}</td>
                      <td>{withWibTimes(n.detail) ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ) : null}
        </li>
      </ul>
    </section>
  );
}
