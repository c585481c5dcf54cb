import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { Empty, JsonBlock } from "~/components/admin/ui";
import { formatWIB, withWibTimes } from "~/lib/admin/format";
import type { AuditAction } from "../../server/admin/audit.service";

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

// The action filter's options: every action the audit log records, typed by the server's one list
// (server/admin/audit.service.ts auditActions), so an action added there must be labelled here.
const actionLabels: Record<AuditAction, string> = {
  "admin.create": "Person created (CLI)",
  "admin.invite": "Person invited",
  "admin.invite_revoke": "Invitation revoked",
  "admin.invite_accept": "Invitation accepted",
  "admin.role_change": "Role changed",
  "admin.disable": "Person disabled",
  "admin.enable": "Person enabled",
  "admin.password_change": "Own password changed",
  "admin.password_change_failed": "Own password change refused",
  "admin.password_reset": "Password reset",
  "admin.password_reset_link": "Password reset link made",
  "admin.login": "Signed in",
  "admin.login_failed": "Sign-in refused",
  "admin.logout": "Signed out",
  "admin.two_factor_enrol": "Two-factor sign-in set up",
  "admin.two_factor_failed": "Two-factor code refused",
  "admin.two_factor_disable": "Two-factor sign-in turned off",
  "admin.two_factor_reset": "Two-factor sign-in reset",
  "admin.recovery_code_used": "Recovery code used",
  "admin.recovery_codes_regenerate": "Recovery codes regenerated",
  "admin.session_revoke": "Session signed out",
  "admin.sessions_revoke_others": "Other sessions signed out",
  "payment.reconcile": "Payment reconciled",
  "payment.refund": "Payment refunded",
  "payments.bulk_reconcile": "Bulk reconcile",
  "payments.export_csv": "Payments exported (CSV)",
  "webhook.resend": "Webhook resent",
  "webhooks.retry_batch": "Webhooks retried (batch)",
  "project.create": "Project created",
  "project.update": "Project updated",
  "project.set_webhook_url": "Webhook URL set",
  "project.set_webhook_event_types": "Webhook event types set",
  "project.reveal_webhook_secret": "Webhook secret revealed",
  "project.rotate_webhook_secret": "Webhook secret rotated",
  "project.test_webhook": "Test webhook sent",
  "project.reenable_webhook_endpoint": "Webhook endpoint re-enabled",
  "credential.create": "Credential created",
  "credential.rotate": "Credential rotated",
  "credential.revoke": "Credential revoked",
  "item.create": "Item created",
  "item.update": "Item updated",
};

/** A long id on one line, cut with an ellipsis when the column is narrow (the whole id in its title). */
const Id = ({ id }: { id: string }) => (
  <span className="a-clip" title={id}>
    {id}
  </span>
);

const targetLink = (type: string | null, id: string | null) => {
  if (!id) return "—";
  if (type === "purchase")
    return (
      <Link to={`/admin/payments/${id}`}>
        <Id id={id} />
      </Link>
    );
  if (type === "project")
    return (
      <Link to={`/admin/projects/${id}`}>
        <Id id={id} />
      </Link>
    );
  return (
    <code>
      <Id id={id} />
    </code>
  );
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
          <select name="action" defaultValue={params.get("action") ?? ""} data-testid="audit-action-filter">
            <option value="">All</option>
            {Object.entries(actionLabels).map(([action, label]) => (
              <option key={action} value={action}>
                {label} ({action})
              </option>
            ))}
            {params.get("action") && !Object.hasOwn(actionLabels, params.get("action") ?? "") ? (
              <option value={params.get("action") ?? ""}>{params.get("action")}</option>
            ) : null}
          </select>
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
          <table className="a-table a-audit" data-testid="audit-table">
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
                  <td className="a-nowrap">{a.admin_email ?? <span className="a-muted">system</span>}</td>
                  <td className="a-nowrap">
                    <code>{a.action}</code>
                  </td>
                  <td className="a-nowrap">{targetLink(a.target_type, a.target_id)}</td>
                  <td>{Object.keys(a.details).length ? <JsonBlock value={a.details} summary={summary(a.details)} /> : "—"}</td>
                  <td className="a-mono a-small a-nowrap">{a.ip ?? "—"}</td>
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
  return parts.length ? withWibTimes(parts.join(" · ")).slice(0, 120) : "details";
}
