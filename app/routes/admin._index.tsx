import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { isBadRequest, load, requireAdmin } from "~/admin.server";
import type { DashboardStats } from "../../server/admin/dashboard.service";
import { AttentionPanel } from "~/components/admin/AttentionPanel";
import { SettledChart } from "~/components/admin/SettledChart";
import { Badge, ProjectFilter } from "~/components/admin/ui";
import { formatCount, formatPercent, formatRupiah, formatWIB, jakartaDate } from "~/lib/admin/format";

export const meta: MetaFunction = () => [{ title: "Dashboard — Astapa admin" }];

type DashboardEnvironment = DashboardStats["filters"]["environment"];
const environmentLabels: Record<DashboardEnvironment, string> = { production: "Production", sandbox: "Sandbox", all: "All environments" };
const isEnvironment = (v: string): v is keyof typeof environmentLabels => Object.hasOwn(environmentLabels, v);

/**
 * The dashboard of `?environment=` (production unless asked: sandbox, all) and `?projectId=`. An
 * unknown value gets a message naming it, and the default dashboard (production, every project).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const sp = new URL(request.url).searchParams;
  const envParam = sp.get("environment")?.trim() || "production";
  const projectParam = sp.get("projectId")?.trim() || undefined;
  const projects = (await load(() => caller.projects.list())).map((p) => ({ id: p.id, name: p.name }));
  const errors: string[] = [];
  if (!isEnvironment(envParam)) errors.push(`Unknown environment “${envParam}”: choose production, sandbox or all.`);
  if (projectParam && !projects.some((p) => p.id === projectParam)) errors.push(`No project has the id “${projectParam}”.`);
  if (errors.length > 0) {
    const stats = await load(() => caller.dashboard.stats({ environment: "production" }));
    return { stats, projects, error: `${errors.join(" ")} Showing production, every project.` };
  }
  try {
    const stats = await caller.dashboard.stats({ environment: isEnvironment(envParam) ? envParam : "production", projectId: projectParam });
    return { stats, projects, error: null as string | null };
  } catch (e) {
    if (!isBadRequest(e)) throw e;
    const stats = await load(() => caller.dashboard.stats({ environment: "production" }));
    return { stats, projects, error: "These filters are invalid. Showing production, every project." };
  }
}

export default function Dashboard() {
  const { stats, projects, error } = useLoaderData<typeof loader>();
  const { environment, projectId } = stats.filters;
  // The payment list's filters for the same scope (its links carry them).
  const scope = new URLSearchParams();
  if (environment !== "all") scope.set("environment", environment);
  if (projectId) scope.set("projectId", projectId);
  const projectName = projects.find((p) => p.id === projectId)?.name;
  return (
    <>
      <div className="a-head">
        <h1>Dashboard</h1>
        <p className="a-muted">
          {environmentLabels[environment]}
          {projectName ? ` · ${projectName}` : " · every project"} · as of {formatWIB(stats.generatedAt)}
        </p>
      </div>
      <Form method="get" className="a-card a-filters" aria-label="Dashboard filters" data-testid="dashboard-filters">
        <label>
          Environment
          <select name="environment" defaultValue={environment}>
            {Object.entries(environmentLabels).map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <ProjectFilter projects={projects} value={projectId ?? ""} />
        <div className="a-row">
          <button type="submit" className="a-btn a-btn-primary">
            Show
          </button>
        </div>
      </Form>
      {error ? (
        <p className="a-note a-note-err" role="alert" data-testid="dashboard-error">
          {error}
        </p>
      ) : null}
      <AttentionPanel attention={stats.attention} scope={scope.toString()} />
      <div className="a-grid-3">
        {stats.periods.map((p) => {
          const listOf = (status: string) => {
            const q = new URLSearchParams(scope);
            q.set("status", status);
            q.set("createdFrom", jakartaDate(p.from));
            return `/admin/payments?${q}`;
          };
          return (
            <section key={p.key} className="a-card a-period" data-testid={`period-${p.key}`} aria-labelledby={`period-${p.key}`}>
              <h2 id={`period-${p.key}`}>{p.label}</h2>
              <div className="a-kpis">
                <div>
                  <span className="a-kpi">{formatCount(p.total.count)}</span>
                  <span className="a-muted">payments · {formatRupiah(p.total.amount)}</span>
                </div>
                <div>
                  <span className="a-kpi">{formatRupiah(p.settled.amount)}</span>
                  <span className="a-muted" data-testid="kpi-settled">
                    settled ({formatCount(p.settled.count)})
                  </span>
                </div>
                <div>
                  <span className="a-kpi">{formatRupiah(p.refunded.refundedAmount)}</span>
                  <span className="a-muted" data-testid="kpi-refunded">
                    refunded of {formatCount(p.refunded.count)} payment{p.refunded.count === 1 ? "" : "s"}
                  </span>
                </div>
                <div>
                  <span className="a-kpi">{formatPercent(p.settlementRate)}</span>
                  <span className="a-muted">paid rate (paid at some point, refunds included)</span>
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
                    <th scope="col" className="a-num">
                      Count
                    </th>
                    <th scope="col" className="a-num">
                      Amount
                    </th>
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
                      <tr key={s.status} data-testid={`status-row-${s.status}`}>
                        <td>
                          <Link to={listOf(s.status)}>
                            <Badge value={s.status} />
                          </Link>
                        </td>
                        <td className="a-num">{formatCount(s.count)}</td>
                        <td className="a-num">{formatRupiah(s.amount)}</td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </section>
          );
        })}
      </div>
      <section className="a-card">
        <h2>Paid IDR per day</h2>
        <p className="a-muted">By the day paid (WIB); payments refunded since are included.</p>
        <SettledChart days={stats.settledPerDay} />
      </section>
    </>
  );
}
