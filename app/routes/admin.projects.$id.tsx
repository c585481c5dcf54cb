import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { ActionButton, Badge, Empty, ErrorNote } from "~/components/admin/ui";
import { formatWIB } from "~/lib/admin/format";
import { errorMessage, trpc, type RouterOutputs } from "~/lib/admin/trpc";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.name ?? "Project"} — Astapa admin` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  return { project: await load(() => caller.projects.get({ projectId: params.id! })) };
}

type Project = RouterOutputs["projects"]["get"];
type Issued = RouterOutputs["credentials"]["create"];

function EditProject({ p, onSaved }: { p: Project; onSaved: () => void }) {
  const [name, setName] = useState(p.name);
  const [webhookUrl, setWebhookUrl] = useState(p.webhook_url ?? "");
  const [storeUrl, setStoreUrl] = useState(p.store_url_template ?? "");
  const save = useAction(() => trpc.projects.update.mutate({ id: p.id, name, webhook_url: webhookUrl, store_url_template: storeUrl }));
  return (
    <form
      className="a-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save.run()) onSaved();
      }}
    >
      <label>
        Name
        <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Webhook URL
        <input type="url" placeholder="https://shop.example.com/webhooks/astapa" value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} />
      </label>
      <label>
        Store URL template
        <input placeholder="https://shop.example.com/{store_slug}" value={storeUrl} onChange={(e) => setStoreUrl(e.target.value)} />
      </label>
      <ErrorNote error={save.error} />
      {save.status === "done" ? (
        <p className="a-note a-note-ok" role="status">
          Saved.
        </p>
      ) : null}
      <div>
        <ActionButton type="submit" busy={save.busy} testId="save-project">
          Save
        </ActionButton>
      </div>
    </form>
  );
}

/** A just-issued secret: shown this once, with a copy button. */
function SecretOnce({ issued, onDismiss }: { issued: Issued; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="a-note a-note-warn a-secret" role="status" data-testid="issued-credential">
      <p>
        <strong>Copy the secret now: it is shown only once</strong> (only its hash is stored).
        {issued.revoked ? " The previous credential is revoked." : ""}
      </p>
      <dl className="a-dl">
        <div>
          <dt>client_id</dt>
          <dd>
            <code data-testid="issued-client-id">{issued.client_id}</code>
          </dd>
        </div>
        <div>
          <dt>client_secret</dt>
          <dd>
            <code data-testid="issued-secret">{issued.client_secret}</code>
          </dd>
        </div>
      </dl>
      <div className="a-row">
        <button
          type="button"
          className="a-btn a-btn-secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(`ASTAPA_CLIENT_ID=${issued.client_id}\nASTAPA_CLIENT_SECRET=${issued.client_secret}`);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy both"}
        </button>
        <button type="button" className="a-btn a-btn-quiet" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
    </div>
  );
}

function Credentials({ p, onChange }: { p: Project; onChange: () => void }) {
  const [issued, setIssued] = useState<Issued | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  async function act(key: string, fn: () => Promise<Issued | unknown>, confirmText?: string) {
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(key);
    setError(null);
    try {
      const r = await fn();
      if (r && typeof r === "object" && "client_secret" in r) setIssued(r as Issued);
      onChange();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }
  return (
    <section className="a-card" aria-labelledby="credentials">
      <h2 id="credentials">API credentials</h2>
      {issued ? <SecretOnce issued={issued} onDismiss={() => setIssued(null)} /> : null}
      <ErrorNote error={error} />
      {p.credentials.length === 0 ? (
        <Empty>No credential yet.</Empty>
      ) : (
        <div className="a-scroll">
          <table className="a-table" data-testid="credentials-table">
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">client_id</th>
                <th scope="col">Secret</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="a-sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.credentials.map((c) => (
                <tr key={c.id} className={c.revoked_at ? "a-dim" : undefined}>
                  <td>{c.environment}</td>
                  <td>
                    <code>{c.client_id}</code>
                  </td>
                  <td>
                    <code>…{c.secret_last4}</code>
                  </td>
                  <td className="a-nowrap">{formatWIB(c.created_at, { seconds: false })}</td>
                  <td className="a-nowrap">{formatWIB(c.last_used_at, { seconds: false })}</td>
                  <td>{c.revoked_at ? `revoked ${formatWIB(c.revoked_at, { seconds: false })}` : <Badge value="active" />}</td>
                  <td className="a-nowrap">
                    {c.revoked_at ? null : (
                      <>
                        <ActionButton
                          kind="secondary"
                          busy={busy === `rotate-${c.id}`}
                          onClick={() => act(`rotate-${c.id}`, () => trpc.credentials.rotate.mutate({ credentialId: c.id }), `Rotate ${c.client_id}? A new credential is issued and this one stops working at once.`)}
                        >
                          Rotate
                        </ActionButton>{" "}
                        <ActionButton
                          kind="danger"
                          busy={busy === `revoke-${c.id}`}
                          onClick={() => act(`revoke-${c.id}`, () => trpc.credentials.revoke.mutate({ credentialId: c.id }), `Revoke ${c.client_id}? The merchant's calls with it fail from now on.`)}
                        >
                          Revoke
                        </ActionButton>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="a-row">
        <ActionButton testId="new-sandbox-credential" busy={busy === "new-sandbox"} onClick={() => act("new-sandbox", () => trpc.credentials.create.mutate({ projectId: p.id, environment: "sandbox" }))}>
          New sandbox credential
        </ActionButton>
        <ActionButton
          kind="secondary"
          busy={busy === "new-production"}
          onClick={() => act("new-production", () => trpc.credentials.create.mutate({ projectId: p.id, environment: "production" }), "Issue a PRODUCTION credential (real money)?")}
        >
          New production credential
        </ActionButton>
      </div>
    </section>
  );
}

function WebhookSecret({ p, onChange }: { p: Project; onChange: () => void }) {
  const reveal = useAction(() => trpc.projects.revealWebhookSecret.mutate({ projectId: p.id }));
  const rotate = useAction(() => trpc.projects.rotateWebhookSecret.mutate({ projectId: p.id }));
  const test = useAction(() => trpc.projects.sendTestWebhook.mutate({ projectId: p.id }));
  const shown = rotate.result?.webhook_secret ?? reveal.result?.webhook_secret;
  return (
    <section className="a-card" aria-labelledby="webhook-secret">
      <h2 id="webhook-secret">Webhooks</h2>
      <p>
        Signing secret: <code data-testid="webhook-secret">{shown ?? p.webhook_secret_hint}</code>
        {p.webhook_secret_previous_expires_at ? <span className="a-muted"> · the previous secret still signs until {formatWIB(p.webhook_secret_previous_expires_at)}</span> : null}
      </p>
      <div className="a-row">
        <ActionButton kind="secondary" busy={reveal.busy} onClick={() => void reveal.run()} testId="reveal-secret">
          Reveal
        </ActionButton>
        <ActionButton
          kind="secondary"
          busy={rotate.busy}
          onClick={async () => {
            if (!window.confirm("Rotate the signing secret? The old one keeps signing (as a second signature) for 24 hours.")) return;
            if (await rotate.run()) onChange();
          }}
        >
          Rotate
        </ActionButton>
        <ActionButton busy={test.busy} disabled={!p.webhook_url} onClick={() => void test.run()} testId="send-test-webhook">
          Send test webhook
        </ActionButton>
      </div>
      <ErrorNote error={reveal.error ?? rotate.error ?? test.error} />
      {test.result ? (
        <div className={`a-note ${test.result.ok ? "a-note-ok" : "a-note-err"}`} role="status" data-testid="test-webhook-result">
          <p>
            <strong>{test.result.ok ? "Delivered" : "Failed"}</strong>: {test.result.url} answered <strong>{test.result.status ?? "nothing"}</strong> in{" "}
            {test.result.durationMs} ms{test.result.error ? ` — ${test.result.error}` : ""}.
          </p>
          {test.result.bodyExcerpt ? <pre className="a-excerpt">{test.result.bodyExcerpt}</pre> : null}
        </div>
      ) : null}
      <p className="a-muted a-small">
        <Link to={`/admin/webhooks`}>Deliveries in trouble</Link> · <Link to={`/admin/payments?projectId=${p.id}`}>This project's payments</Link> ·{" "}
        <Link to={`/admin/audit?targetId=${p.id}`}>Audit log</Link>
      </p>
    </section>
  );
}

export default function ProjectPage() {
  const { project: p } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const refresh = () => revalidator.revalidate();
  return (
    <>
      <div className="a-head">
        <div>
          <p className="a-crumbs">
            <Link to="/admin/projects">Projects</Link> /
          </p>
          <h1 data-testid="project-name">{p.name}</h1>
          <p className="a-muted a-mono">{p.id}</p>
        </div>
      </div>
      <div className="a-grid-2">
        <section className="a-card" aria-labelledby="settings">
          <h2 id="settings">Settings</h2>
          <EditProject p={p} onSaved={refresh} />
        </section>
        <WebhookSecret p={p} onChange={refresh} />
      </div>
      <Credentials p={p} onChange={refresh} />
    </>
  );
}
