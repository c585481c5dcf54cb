import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { ResendEventButton } from "~/components/admin/PaymentActions";
import { Badge, JsonBlock } from "~/components/admin/ui";
import { WebhookAttemptsTable } from "~/components/admin/WebhookAttempts";
import { formatWIB } from "~/lib/admin/format";
import { useCan } from "~/lib/admin/can";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.id ?? "Webhook"} — Astapa admin` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  return load(() => caller.webhooks.event({ id: params.eventId ?? "" }));
}

/**
 * One webhook (`/admin/webhooks/msg_…`): what it is, where it stands, every attempt, and "resend"
 * for an event. `webhooks_` keeps it out of the list page's layout (Remix flat routes).
 */
export default function WebhookEvent() {
  const e = useLoaderData<typeof loader>();
  const can = useCan();
  const fields: [string, React.ReactNode][] = [
    ["Id (webhook-id)", <code key="id">{e.id}</code>],
    ["Type", e.kind === "test" ? `${e.event_type} (test webhook, sent from the ${e.test_source === "api" ? "merchant API" : "console"})` : e.event_type],
    ["State", <Badge key="st" value={e.state} testId="webhook-state" />],
    [
      "Project",
      <Link key="pr" to={`/admin/projects/${e.project_id}`}>
        {e.project_name}
      </Link>,
    ],
    ["Environment", e.environment],
    [
      "Order",
      e.purchase_id ? (
        <Link key="or" to={`/admin/payments/${e.purchase_id}`} className="a-mono">
          {e.order_id}
        </Link>
      ) : (
        "— (a test webhook is about no payment)"
      ),
    ],
    ["Created (WIB)", formatWIB(e.created_at)],
    ["Delivered (WIB)", formatWIB(e.delivered_at)],
    ["Next attempt (WIB)", formatWIB(e.next_attempt_at)],
    ["Last error", e.last_error ?? "—"],
    [e.kind === "test" ? "Sent to" : "Endpoint now", e.webhook_url ? <code key="url">{e.webhook_url}</code> : "none configured"],
  ];
  return (
    <>
      <div className="a-head">
        <h1>
          Webhook <span className="a-mono">{e.id}</span>
        </h1>
        <Link to="/admin/webhooks">← All webhooks</Link>
      </div>
      <section className="a-card" aria-labelledby="webhook-facts">
        <h2 id="webhook-facts">{e.kind === "test" ? "Test webhook" : "Event"}</h2>
        <dl className="a-dl">
          {fields.map(([k, val]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{val}</dd>
            </div>
          ))}
        </dl>
        {e.payload ? <JsonBlock value={e.payload} summary="Payload" /> : null}
        {e.kind === "event" && e.purchase_id && can("webhooks.resend") ? (
          <ResendEventButton purchaseId={e.purchase_id} eventId={e.id} disabled={!e.webhook_url} />
        ) : null}
      </section>
      <section className="a-card" aria-labelledby="webhook-attempts">
        <h2 id="webhook-attempts">Attempts ({e.attempts.length})</h2>
        <WebhookAttemptsTable attempts={e.attempts} />
      </section>
    </>
  );
}
