import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { Empty, JsonBlock } from "~/components/admin/ui";
import { formatWIB } from "~/lib/admin/format";

export const meta: MetaFunction = () => [{ title: "Audit log — Astapa admin" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const sp = new URL(request.url).searchParams;
  const cursor = Number(sp.get("cursor"));
  return load(() =>
    caller.audit.list({
      action: sp.get("action") || undefined,
      targetId: sp.get("targetId") || undefined,
      adminEmail: sp.get("adminEmail") || undefined,
      cursor: Number.isSafeInteger(cursor) && cursor > 0 ? cursor : undefined,
      limit: 100,
    }),
  );
}

const targetLink = (type: string | null, id: string | null) => {
  if (!id) return "—";
  if (type === "purchase") return <Link to={`/admin/payments/${id}`}>{id}</Link>;
  if (type === "project") return <Link to={`/admin/projects/${id}`}>{id}</Link>;
  return <code>{id}</code>;
};

export default function Audit() {
  const { items, nextCursor } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const keep = new URLSearchParams([...params.entries()].filter(([k, v]) => k !== "cursor" && v));
  const next = new URLSearchParams(keep);
  if (nextCursor) next.set("cursor", String(nextCursor));
  return (
    <>
      <div className="a-head">
        <h1>Audit log</h1>
      </div>
      <Form method="get" className="a-card a-filters" role="search">
        <label>
          Action
          <input name="action" defaultValue={params.get("action") ?? ""} placeholder="e.g. payment.refund" />
        </label>
        <label>
          Target id
          <input name="targetId" defaultValue={params.get("targetId") ?? ""} placeholder="pur_… / prj_…" />
        </label>
        <label>
          Admin e-mail
          <input name="adminEmail" type="email" defaultValue={params.get("adminEmail") ?? ""} />
        </label>
        <div className="a-row">
          <button type="submit" className="a-btn a-btn-primary">
            Filter
          </button>
        </div>
      </Form>
      <div className="a-card a-scroll">
        {items.length === 0 ? (
          <Empty>Nothing recorded.</Empty>
        ) : (
          <table className="a-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td className="a-nowrap">{formatWIB(a.created_at)}</td>
                  <td>{a.admin_email ?? <span className="a-muted">system</span>}</td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>{targetLink(a.target_type, a.target_id)}</td>
                  <td>{Object.keys(a.details).length ? <JsonBlock value={a.details} summary={summary(a.details)} /> : "—"}</td>
                  <td className="a-mono a-small">{a.ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="a-pager" aria-label="Pages">
          {params.get("cursor") ? <Link to={`/admin/audit${keep.size ? `?${keep}` : ""}`}>← Newest</Link> : <span />}
          {nextCursor ? <Link to={`/admin/audit?${next}`}>Older →</Link> : null}
        </nav>
      </div>
    </>
  );
}

function summary(d: Record<string, unknown>): string {
  const parts = Object.entries(d)
    .filter(([, v]) => v !== null && typeof v !== "object")
    .slice(0, 3)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return parts.length ? parts.join(" · ").slice(0, 120) : "details";
}
