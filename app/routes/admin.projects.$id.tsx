import { useEffect, useRef, useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { ActionButton, Badge, Empty, ErrorNote } from "~/components/admin/ui";
import { formatRupiah, formatWIB } from "~/lib/admin/format";
import { errorMessage, trpc, type RouterOutputs } from "~/lib/admin/trpc";
import { useCan } from "~/lib/admin/can";
import type { MerchantEventType } from "../../server/payments/purchase-events";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.name ?? "Project"} — Astapa admin` }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  // The route's pattern ($id) guarantees the parameter; "" would answer 400 like any bad id.
  const projectId = params.id ?? "";
  const [project, items] = await Promise.all([load(() => caller.projects.get({ projectId })), load(() => caller.items.list({ projectId }))]);
  // "expires in …" is counted from this instant on the server and in the browser alike (no hydration mismatch).
  return { project, items, loadedAt: Date.now() };
}

type Project = RouterOutputs["projects"]["get"];
type Environment = keyof Project["endpoints"];
type Issued = RouterOutputs["credentials"]["create"] | RouterOutputs["credentials"]["rotate"];
type Credential = Project["credentials"][number];
type Item = RouterOutputs["items"]["list"][number];

function EditProject({ p, onSaved }: { p: Project; onSaved: () => void }) {
  const [name, setName] = useState(p.name);
  const [storeUrl, setStoreUrl] = useState(p.store_url_template ?? "");
  const save = useAction(() => trpc.projects.update.mutate({ id: p.id, name, store_url_template: storeUrl }));
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
      </p>
      {"previous" in issued && issued.previous ? (
        <p data-testid="rotated-previous">
          {issued.previous.expires_at
            ? `The previous credential ${issued.previous.client_id} keeps working until ${formatWIB(issued.previous.expires_at, { seconds: false })}: deploy the new one before then.`
            : `The previous credential ${issued.previous.client_id} is revoked.`}
        </p>
      ) : null}
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

/** The overlap choices of a rotation (server/admin/projects-admin.service.ts, CREDENTIAL_OVERLAPS_MS). */
const OVERLAPS = [
  { value: "now", label: "Stop it at once" },
  { value: "1h", label: "1 hour" },
  { value: "24h", label: "24 hours" },
  { value: "7d", label: "7 days" },
] as const;
type Overlap = (typeof OVERLAPS)[number]["value"];

/** "in 23 h 59 min", "in 6 d 23 h", "in 5 min": how long until `iso`, from `fromMs`. */
function timeUntil(iso: string, fromMs: number): string {
  const minutes = Math.floor((Date.parse(iso) - fromMs) / 60_000);
  if (minutes < 1) return "in under a minute";
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `in ${d} d${h ? ` ${h} h` : ""}`;
  if (h > 0) return `in ${h} h${m ? ` ${m} min` : ""}`;
  return `in ${m} min`;
}

/** A credential's state in words: active, expires in … (WIB time), expired …, revoked …. */
function CredentialState({ c, loadedAt }: { c: Credential; loadedAt: number }) {
  if (c.status === "revoked") return <>revoked {formatWIB(c.revoked_at, { seconds: false })}</>;
  if (c.status === "expired") return <>expired {formatWIB(c.expires_at, { seconds: false })}</>;
  if (c.status === "expiring" && c.expires_at) {
    return (
      <>
        <strong>expires {timeUntil(c.expires_at, loadedAt)}</strong> ({formatWIB(c.expires_at, { seconds: false })})
      </>
    );
  }
  return <Badge value="active" />;
}

/** Rotate: the operator chooses how long the old secret keeps working (default 24 hours). */
function RotateDialog({ c, onRotated, onClose }: { c: Credential; onRotated: (r: Issued) => void; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [overlap, setOverlap] = useState<Overlap>("24h");
  const rotate = useAction(() => trpc.credentials.rotate.mutate({ credentialId: c.id, overlap }));
  useEffect(() => {
    if (!ref.current?.open) ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="rotate-title" onClose={onClose} data-testid="rotate-dialog" style={{ maxWidth: "34rem" }}>
      <form
        className="a-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await rotate.run();
          if (!r) return;
          onRotated(r);
          ref.current?.close();
        }}
      >
        <h3 id="rotate-title">
          Rotate <code>{c.client_id}</code>
        </h3>
        <p>A new client_id and secret are issued for {c.environment}. The old secret can keep working while the merchant deploys the new one.</p>
        <fieldset>
          <legend>The old secret keeps working for</legend>
          {OVERLAPS.map((o) => (
            <label key={o.value} className="a-inline">
              <input type="radio" name="overlap" value={o.value} checked={overlap === o.value} onChange={() => setOverlap(o.value)} data-testid={`overlap-${o.value}`} />
              {o.label}
              {o.value === "24h" ? " (default)" : ""}
            </label>
          ))}
        </fieldset>
        <ErrorNote error={rotate.error} />
        <div className="a-row">
          <ActionButton type="submit" busy={rotate.busy} testId="rotate-confirm">
            Rotate
          </ActionButton>
          <button type="button" className="a-btn a-btn-quiet" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

function Credentials({ p, loadedAt, onChange }: { p: Project; loadedAt: number; onChange: () => void }) {
  const [issued, setIssued] = useState<Issued | null>(null);
  const [rotating, setRotating] = useState<Credential | null>(null);
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
  const working = (c: Credential) => c.status === "active" || c.status === "expiring";
  return (
    <section className="a-card" aria-labelledby="credentials">
      <h2 id="credentials">API credentials</h2>
      {issued ? <SecretOnce issued={issued} onDismiss={() => setIssued(null)} /> : null}
      <ErrorNote error={error} />
      {rotating ? (
        <RotateDialog
          c={rotating}
          onClose={() => setRotating(null)}
          onRotated={(r) => {
            setIssued(r);
            onChange();
          }}
        />
      ) : null}
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
                <tr key={c.id} className={working(c) ? undefined : "a-dim"} data-testid="credential-row" data-client-id={c.client_id}>
                  <td>{c.environment}</td>
                  <td>
                    <code>{c.client_id}</code>
                  </td>
                  <td>
                    <code>…{c.secret_last4}</code>
                  </td>
                  <td className="a-nowrap">{formatWIB(c.created_at, { seconds: false })}</td>
                  <td className="a-nowrap" data-testid="credential-last-used">
                    {c.last_used_at ? formatWIB(c.last_used_at, { seconds: false }) : "never"}
                  </td>
                  <td data-testid="credential-state">
                    <CredentialState c={c} loadedAt={loadedAt} />
                  </td>
                  <td className="a-nowrap">
                    {working(c) ? (
                      <>
                        {c.status === "active" ? (
                          <>
                            <ActionButton kind="secondary" testId={`rotate-${c.client_id}`} onClick={() => setRotating(c)}>
                              Rotate
                            </ActionButton>{" "}
                          </>
                        ) : null}
                        <ActionButton
                          kind="danger"
                          busy={busy === `revoke-${c.id}`}
                          testId={`revoke-${c.client_id}`}
                          onClick={() => act(`revoke-${c.id}`, () => trpc.credentials.revoke.mutate({ credentialId: c.id }), `Revoke ${c.client_id}? The merchant's calls with it fail from now on.`)}
                        >
                          Revoke
                        </ActionButton>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="a-muted a-small">"Last used" is written at most once a minute per credential.</p>
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

const ENV_WORDS: Record<Environment, { title: string; hint: string }> = {
  sandbox: { title: "Sandbox endpoint", hint: "Receives the events of sandbox payments only, signed with the sandbox secret." },
  production: { title: "Production endpoint", hint: "Receives the events of production payments only (real money), signed with the production secret." },
};

/** One environment's webhook endpoint: its URL, its own signing secret (reveal, rotate) and a test send. */
function WebhookEndpoint({ p, environment, onChange }: { p: Project; environment: Environment; onChange: () => void }) {
  const endpoint = p.endpoints[environment];
  const ref = { projectId: p.id, environment };
  const [url, setUrl] = useState(endpoint.url ?? "");
  const save = useAction(() => trpc.projects.setWebhookUrl.mutate({ ...ref, webhook_url: url }));
  const reveal = useAction(() => trpc.projects.revealWebhookSecret.mutate(ref));
  const rotate = useAction(() => trpc.projects.rotateWebhookSecret.mutate(ref));
  const test = useAction(() => trpc.projects.sendTestWebhook.mutate(ref));
  const reenable = useAction(() => trpc.projects.reenableWebhookEndpoint.mutate(ref));
  const shown = rotate.result?.webhook_secret ?? reveal.result?.webhook_secret;
  const words = ENV_WORDS[environment];
  return (
    <div className="a-event" data-testid={`endpoint-${environment}`}>
      <h3>{words.title}</h3>
      <p className="a-muted a-small">{words.hint}</p>
      {endpoint.disabled_at ? (
        <div className="a-note a-note-err" role="alert" data-testid={`endpoint-disabled-${environment}`}>
          <p>
            <strong>Disabled</strong> on {formatWIB(endpoint.disabled_at)}: every delivery attempt failed for 5 days
            {endpoint.failing_since ? ` (since ${formatWIB(endpoint.failing_since)})` : ""}. New events are still recorded and held; nothing is sent
            until the endpoint is re-enabled, which sends every held event again (same webhook-id) and gives the events that gave up meanwhile a
            fresh retry schedule.
          </p>
          <ActionButton
            busy={reenable.busy}
            testId={`reenable-endpoint-${environment}`}
            onClick={async () => {
              if (!window.confirm(`Re-enable the ${environment} endpoint and replay its held events now?`)) return;
              if (await reenable.run()) onChange();
            }}
          >
            Re-enable and replay
          </ActionButton>
        </div>
      ) : null}
      {reenable.result ? (
        <p className="a-note a-note-ok" role="status" data-testid={`reenabled-${environment}`}>
          Re-enabled: {reenable.result.replayed} event(s) due now.
        </p>
      ) : null}
      <form
        className="a-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await save.run()) onChange();
        }}
      >
        <label>
          {environment === "sandbox" ? "Sandbox" : "Production"} webhook URL
          <input
            type="url"
            placeholder="https://shop.example.com/webhooks/astapa"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            data-testid={`webhook-url-${environment}`}
          />
        </label>
        <div>
          <ActionButton type="submit" kind="secondary" busy={save.busy} testId={`save-webhook-url-${environment}`}>
            Save URL
          </ActionButton>
        </div>
      </form>
      {save.status === "done" ? (
        <p className="a-note a-note-ok" role="status">
          Saved.
        </p>
      ) : null}
      <p>
        Signing secret: <code data-testid={`webhook-secret-${environment}`}>{shown ?? endpoint.secret_hint}</code>
        {endpoint.secret_previous_expires_at ? <span className="a-muted"> · the previous secret still signs until {formatWIB(endpoint.secret_previous_expires_at)}</span> : null}
      </p>
      <div className="a-row">
        <ActionButton kind="secondary" busy={reveal.busy} onClick={() => void reveal.run()} testId={`reveal-secret-${environment}`}>
          Reveal
        </ActionButton>
        <ActionButton
          kind="secondary"
          busy={rotate.busy}
          testId={`rotate-secret-${environment}`}
          onClick={async () => {
            if (!window.confirm(`Rotate the ${environment} signing secret? The old one keeps signing (as a second signature) for 24 hours.`)) return;
            if (await rotate.run()) onChange();
          }}
        >
          Rotate
        </ActionButton>
        <ActionButton busy={test.busy} disabled={!endpoint.url} onClick={() => void test.run()} testId={`send-test-webhook-${environment}`}>
          Send test webhook
        </ActionButton>
      </div>
      <EventTypes p={p} environment={environment} onChange={onChange} />
      <ErrorNote error={save.error ?? reveal.error ?? rotate.error ?? test.error ?? reenable.error} />
      {test.result ? (
        <div className={`a-note ${test.result.ok ? "a-note-ok" : "a-note-err"}`} role="status" data-testid={`test-webhook-result-${environment}`}>
          <p>
            <strong>{test.result.ok ? "Delivered" : "Failed"}</strong>: {test.result.url} answered <strong>{test.result.status ?? "nothing"}</strong> in{" "}
            {test.result.durationMs} ms{test.result.error ? ` — ${test.result.error}` : ""}.
          </p>
          {test.result.bodyExcerpt ? <pre className="a-excerpt">{test.result.bodyExcerpt}</pre> : null}
        </div>
      ) : null}
    </div>
  );
}

/** The merchant event types (server/payments/purchase-events.ts, merchantEventTypes; docs/api.md). */
const EVENT_TYPES = ["item.purchased", "payment.expired", "payment.failed", "payment.refunded", "payment.reversed"] as const satisfies readonly MerchantEventType[];

/** Which event types an endpoint receives: all (the default), or a chosen few. */
function EventTypes({ p, environment, onChange }: { p: Project; environment: Environment; onChange: () => void }) {
  const current = p.endpoints[environment].event_types;
  const [all, setAll] = useState(current === null);
  const [chosen, setChosen] = useState<string[]>(current ?? [...EVENT_TYPES]);
  const save = useAction(() =>
    trpc.projects.setWebhookEventTypes.mutate({ projectId: p.id, environment, event_types: all ? null : EVENT_TYPES.filter((t) => chosen.includes(t)) }),
  );
  return (
    <form
      className="a-form"
      data-testid={`event-types-${environment}`}
      onSubmit={async (e) => {
        e.preventDefault();
        if (await save.run()) onChange();
      }}
    >
      <fieldset>
        <legend>Events sent to this endpoint</legend>
        <label>
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} data-testid={`event-types-all-${environment}`} /> All events
          (including types added later)
        </label>
        {all
          ? null
          : EVENT_TYPES.map((t) => (
              <label key={t}>
                <input
                  type="checkbox"
                  checked={chosen.includes(t)}
                  onChange={(e) => setChosen(e.target.checked ? [...chosen, t] : chosen.filter((c) => c !== t))}
                  data-testid={`event-type-${environment}-${t}`}
                />{" "}
                <code>{t}</code>
              </label>
            ))}
      </fieldset>
      <div>
        <ActionButton type="submit" kind="secondary" busy={save.busy} testId={`save-event-types-${environment}`}>
          Save events
        </ActionButton>
      </div>
      <ErrorNote error={save.error} />
    </form>
  );
}

function Webhooks({ p, onChange }: { p: Project; onChange: () => void }) {
  return (
    <section className="a-card" aria-labelledby="webhooks">
      <h2 id="webhooks">Webhooks</h2>
      <p className="a-muted a-small">
        Each environment has its own endpoint and its own signing secret: a sandbox event never reaches the production URL nor carries the production
        signature.
      </p>
      <WebhookEndpoint p={p} environment="sandbox" onChange={onChange} />
      <WebhookEndpoint p={p} environment="production" onChange={onChange} />
      <p className="a-muted a-small">
        <Link to={`/admin/webhooks`}>Deliveries in trouble</Link> · <Link to={`/admin/payments?projectId=${p.id}`}>This project's payments</Link> ·{" "}
        <Link to={`/admin/audit?targetId=${p.id}`}>Audit log</Link>
      </p>
    </section>
  );
}

/** Whole rupiah from a text field: "8.000", "8000" and "Rp8.000" all mean 8000 (NaN when not a number). */
const parseRupiah = (v: string): number => {
  const t = v.trim().replace(/^Rp\s*/i, "");
  return /^(\d+|\d{1,3}(\.\d{3})+)$/.test(t) ? Number(t.replace(/\./g, "")) : Number.NaN;
};
const optionalRupiah = (v: string): number | null => (v.trim() === "" ? null : parseRupiah(v));

function ItemForm({ projectId, item, onSaved, onCancel }: { projectId: string; item?: Item; onSaved: (saved: Item) => void; onCancel?: () => void }) {
  const prefix = item ? `item-${item.id}` : "new-item";
  const [name, setName] = useState(item?.name ?? "");
  const [description, setDescription] = useState(item?.description ?? "");
  const [price, setPrice] = useState(item ? String(item.price) : "");
  const [active, setActive] = useState(item?.active ?? true);
  const [overridable, setOverridable] = useState(item?.price_overridable ?? false);
  const [minPrice, setMinPrice] = useState(item?.min_price == null ? "" : String(item.min_price));
  const [maxPrice, setMaxPrice] = useState(item?.max_price == null ? "" : String(item.max_price));
  const save = useAction(() => {
    const fields = {
      name,
      description: description || null,
      price: parseRupiah(price),
      active,
      price_overridable: overridable,
      min_price: overridable ? optionalRupiah(minPrice) : null,
      max_price: overridable ? optionalRupiah(maxPrice) : null,
    };
    for (const [k, v] of Object.entries(fields)) {
      if (typeof v === "number" && Number.isNaN(v)) return Promise.reject(new Error(`${k}: a whole number of rupiah, e.g. 8000`));
    }
    return item ? trpc.items.update.mutate({ projectId, itemId: item.id, item: fields }) : trpc.items.create.mutate({ projectId, item: fields });
  });
  return (
    <form
      className="a-form"
      data-testid={`${prefix}-form`}
      onSubmit={async (e) => {
        e.preventDefault();
        const saved = await save.run();
        if (!saved) return;
        if (!item) {
          setName("");
          setDescription("");
          setPrice("");
          setActive(true);
          setOverridable(false);
          setMinPrice("");
          setMaxPrice("");
        }
        onSaved(saved);
      }}
    >
      <div className="a-row">
        <label>
          Item name
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid={`${prefix}-name`} />
        </label>
        <label>
          Price (Rp)
          <input required inputMode="numeric" placeholder="8000" value={price} onChange={(e) => setPrice(e.target.value)} data-testid={`${prefix}-price`} />
        </label>
        <label className="a-inline">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} data-testid={`${prefix}-active`} />
          Active
        </label>
      </div>
      <label>
        Description
        <input maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} data-testid={`${prefix}-description`} />
      </label>
      <div className="a-row">
        <label className="a-inline">
          <input type="checkbox" checked={overridable} onChange={(e) => setOverridable(e.target.checked)} data-testid={`${prefix}-overridable`} />
          Buyer may change the price
        </label>
        {overridable ? (
          <>
            <label>
              Min price (Rp)
              <input inputMode="numeric" value={minPrice} onChange={(e) => setMinPrice(e.target.value)} data-testid={`${prefix}-min`} />
            </label>
            <label>
              Max price (Rp)
              <input inputMode="numeric" value={maxPrice} onChange={(e) => setMaxPrice(e.target.value)} data-testid={`${prefix}-max`} />
            </label>
          </>
        ) : null}
      </div>
      <ErrorNote error={save.error} />
      <div className="a-row">
        <ActionButton type="submit" busy={save.busy} testId={`${prefix}-save`}>
          {item ? "Save item" : "Create item"}
        </ActionButton>
        {onCancel ? (
          <button type="button" className="a-btn a-btn-quiet" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

const overrideBounds = (i: Item) => (i.price_overridable ? `${i.min_price === null ? "any" : formatRupiah(i.min_price)} – ${i.max_price === null ? "any" : formatRupiah(i.max_price)}` : "fixed");

function Items({ projectId, items, onChange }: { projectId: string; items: Item[]; onChange: () => void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [created, setCreated] = useState<Item | null>(null);
  return (
    <section className="a-card" aria-labelledby="items">
      <h2 id="items">Items</h2>
      <p className="a-muted a-small">The catalog merchants sell with POST /api/platform/purchase. Price changes never touch existing payments.</p>
      {items.length === 0 ? (
        <Empty>No item yet.</Empty>
      ) : (
        <div className="a-scroll">
          <table className="a-table" data-testid="items-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">item_id</th>
                <th scope="col">Price</th>
                <th scope="col">State</th>
                <th scope="col">Buyer's price</th>
                <th scope="col">Updated</th>
                <th scope="col">
                  <span className="a-sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) =>
                editing === i.id ? (
                  <tr key={i.id} data-testid="item-row" data-item-id={i.id}>
                    <td colSpan={7}>
                      <ItemForm
                        projectId={projectId}
                        item={i}
                        onCancel={() => setEditing(null)}
                        onSaved={() => {
                          setEditing(null);
                          onChange();
                        }}
                      />
                    </td>
                  </tr>
                ) : (
                  <tr key={i.id} className={i.active ? undefined : "a-dim"} data-testid="item-row" data-item-id={i.id}>
                    <td>
                      {i.name}
                      {i.description ? <div className="a-muted a-small">{i.description}</div> : null}
                    </td>
                    <td>
                      <code data-testid="item-id">{i.id}</code>
                    </td>
                    <td className="a-nowrap" data-testid="item-price">
                      {formatRupiah(i.price)}
                    </td>
                    <td>{i.active ? <Badge value="active" /> : <Badge value="inactive" />}</td>
                    <td className="a-nowrap">{overrideBounds(i)}</td>
                    <td className="a-nowrap">{formatWIB(i.updated_at, { seconds: false })}</td>
                    <td>
                      <ActionButton kind="secondary" onClick={() => setEditing(i.id)} testId={`edit-item-${i.id}`}>
                        Edit
                      </ActionButton>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
      <h3>New item</h3>
      {created ? (
        <p className="a-note a-note-ok" role="status" data-testid="item-created">
          Created {created.name} ({formatRupiah(created.price)}): <code data-testid="created-item-id">{created.id}</code>
        </p>
      ) : null}
      <ItemForm
        projectId={projectId}
        onSaved={(saved) => {
          setCreated(saved);
          onChange();
        }}
      />
    </section>
  );
}

export default function ProjectPage() {
  const { project: p, items, loadedAt } = useLoaderData<typeof loader>();
  const can = useCan();
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
      {/* Roles without projects/credentials rights read the page with every control disabled (app/lib/admin/can.ts). */}
      <fieldset className="a-plain" disabled={!(can("projects.manage") && can("credentials.manage"))} data-testid="project-controls">
        <div className="a-grid-2">
          <section className="a-card" aria-labelledby="settings">
            <h2 id="settings">Settings</h2>
            <EditProject p={p} onSaved={refresh} />
          </section>
          <Webhooks p={p} onChange={refresh} />
        </div>
        <Credentials p={p} loadedAt={loadedAt} onChange={refresh} />
        <Items projectId={p.id} items={items} onChange={refresh} />
      </fieldset>
    </>
  );
}
