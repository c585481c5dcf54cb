import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { SettledChart } from "~/components/admin/SettledChart";
import { Badge } from "~/components/admin/ui";
import { formatCount, formatPercent, formatRupiah, formatWIB, jakartaDate } from "~/lib/admin/format";

export const meta: MetaFunction = () => [{ title: "Dashboard — Astapa admin" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  return load(() => caller.dashboard.stats());
}

export default function Dashboard() {
  const stats = useLoaderData<typeof loader>();
  return (
    <>
      <div className="a-head">
        <h1>Dashboard</h1>
        <p className="a-muted">As of {formatWIB(stats.generatedAt)}</p>
      </div>
      <div className="a-grid-3">
        {stats.periods.map((p) => (
          <section key={p.key} className="a-card a-period" data-testid={`period-${p.key}`} aria-labelledby={`period-${p.key}`}>
            <h2 id={`period-${p.key}`}>{p.label}</h2>
            <div className="a-kpis">
              <div>
                <span className="a-kpi">{formatCount(p.total.count)}</span>
                <span className="a-muted">payments · {formatRupiah(p.total.amount)}</span>
              </div>
              <div>
                <span className="a-kpi">{formatRupiah(p.settled.amount)}</span>
                <span className="a-muted">settled ({formatCount(p.settled.count)})</span>
              </div>
              <div>
                <span className="a-kpi">{formatPercent(p.settlementRate)}</span>
                <span className="a-muted">settlement rate</span>
              </div>
              <div>
                <span className="a-kpi">{formatPercent(p.webhooks.successRate)}</span>
                <span className="a-muted">
                  webhook success ({p.webhooks.delivered} delivered, {p.webhooks.failed} failed, {p.webhooks.retrying} retrying)
                </span>
              </div>
            </div>
            <table className="a-table a-compact">
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col" className="a-num">Count</th>
                  <th scope="col" className="a-num">Amount</th>
                </tr>
              </thead>
              <tbody>
                {p.byStatus.length === 0 ? (
                  <tr>
                    <td colSpan={3} className="a-muted">
                      No payments
                    </td>
                  </tr>
                ) : (
                  p.byStatus.map((s) => (
                    <tr key={s.status}>
                      <td>
                        <a href={`/admin/payments?status=${s.status}&createdFrom=${jakartaDate(p.from)}`}>
                          <Badge value={s.status} />
                        </a>
                      </td>
                      <td className="a-num">{formatCount(s.count)}</td>
                      <td className="a-num">{formatRupiah(s.amount)}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </section>
        ))}
      </div>
      <section className="a-card">
        <h2>Settled IDR per day</h2>
        <SettledChart days={stats.settledPerDay} />
      </section>
    </>
  );
}
