import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { isBadRequest, load, requireAdmin, type AdminCaller } from "~/admin.server";
import { ActionButton, Badge, Empty, ErrorNote, FilterActions, FilterSelect, ProjectFilter, Progress } from "~/components/admin/ui";
import { useBatchRun } from "~/components/admin/hooks";
import { formatCount, formatWIB } from "~/lib/admin/format";
import { errorMessage, trpc, type RouterOutputs } from "~/lib/admin/trpc";
import { useCan } from "~/lib/admin/can";
import type { WebhookListState } from "../../server/admin/webhooks-admin.service";

export const meta: MetaFunction = () => [{ title: "Webhooks — Astapa admin" }];

// The tabs, in order, with what each state means (server/webhooks/webhook-events-list.queries.ts).
// Typed by the server's union: a state added there must be added here.
const stateLabels: Record<WebhookListState, { tab: string; hint: string }> = {
  all: { tab: "All", hint: "every event and test webhook" },
  delivered: { tab: "Delivered", hint: "the merchant answered 2xx" },
  pending: { tab: "Pending", hint: "not attempted yet" },
  failing: { tab: "Failing", hint: "attempted, failed, retrying on schedule" },
  exhausted: { tab: "Exhausted", hint: "every scheduled attempt failed: no more retries" },
  no_endpoint: { tab: "No endpoint", hint: "the environment had no webhook URL when it happened" },
  test: { tab: "Test", hint: "test webhooks (console button or merchant API), sent once" },
};
const states = Object.keys(stateLabels) as WebhookListState[];
// The event types (server/payments/purchase-events.ts merchantEventTypes) and the console's test message.
const eventTypes = ["item.purchased", "payment.expired", "payment.failed", "payment.refunded", "payment.reversed", "webhook.test"];
/** The URL's filters (a shareable view); `kind` is the old name of `state` (links made before it). */
const FILTER_KEYS = ["state", "eventType", "projectId", "environment", "q"] as const;

type ListInput = Parameters<AdminCaller["webhooks"]["list"]>[0];
type List = RouterOutputs["webhooks"]["list"];

function filtersOf(sp: URLSearchParams): Record<string, string> {
  const f: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = sp.get(k)?.trim();
    if (v) f[k] = v;
  }
  if (!f.state && sp.get("kind")) f.state = sp.get("kind") as string;
  return f;
}

/** Which filters were refused, in words: the procedure's message per field. */
function invalidFilters(e: unknown): string {
  const fields = (e as { cause?: { fields?: Record<string, unknown> } } | undefined)?.cause?.fields;
  const messages = Object.entries(fields ?? {})
    .filter((f): f is [string, string] => typeof f[1] === "string" && f[1] !== "")
    .map(([field, m]) => (m.includes(field) ? m : `${field}: ${m}`));
  return messages.length > 0 ? `Invalid filter: ${[...new Set(messages)].join("; ")}.` : "Some filters are invalid.";
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const sp = new URL(request.url).searchParams;
  const filters = filtersOf(sp);
  const projects = (await load(() => caller.projects.list())).map((p) => ({ id: p.id, name: p.name }));
  // Strings as typed in the URL: the procedure validates them, naming a refused field.
  const input = { ...filters, cursor: sp.get("cursor") || undefined, limit: 50 } as ListInput;
  try {
    return { list: await caller.webhooks.list(input), projects, error: null as string | null };
  } catch (e) {
    if (isBadRequest(e)) return { list: null as List | null, projects, error: invalidFilters(e) };
    throw e;
  }
}

type RetryResult = RouterOutputs["webhooks"]["retry"];

function RetryOne({ eventId, onDone }: { eventId: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [r, setR] = useState<RetryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="a-retry">
      <ActionButton
        kind="secondary"
        busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            setR(await trpc.webhooks.retry.mutate({ eventId }));
            onDone();
          } catch (e) {
            setError(errorMessage(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        Retry
      </ActionButton>
      {r ? (
        <span className={r.delivered ? "a-ok-text" : "a-err-text"} role="status">
          {r.delivered ? "delivered" : `failed: ${r.attempt.error ?? `HTTP ${r.attempt.response_status}`}`}
        </span>
      ) : null}
      {error ? <span className="a-err-text">{error}</span> : null}
    </div>
  );
}

type TroubleKind = "all" | "failing" | "exhausted";
/** The page's filters a "retry all" keeps to (the procedure validates them). */
type Scope = Pick<Parameters<typeof trpc.webhooks.retryBatch.mutate>[0], "eventType" | "projectId" | "environment">;

/** "Retry all": the failing and/or exhausted events the page shows, in batches, with progress. */
function RetryAll({ kind, scope, total }: { kind: TroubleKind; scope: Scope; total: number }) {
  type Run = { tried: number; delivered: number; failed: number; done: boolean };
  const { run, busy, error, start: startRun, stop } = useBatchRun<Run, RouterOutputs["webhooks"]["retryBatch"]>();
  function start() {
    if (!window.confirm(`Send ${total} webhook${total === 1 ? "" : "s"} again now?`)) return;
    const before = new Date().toISOString();
    return startRun({
      init: () => ({ tried: 0, delivered: 0, failed: 0, done: false }),
      batch: (cursor) => trpc.webhooks.retryBatch.mutate({ kind, ...scope, before, cursor, batchSize: 5 }),
      fold: (state, b) => ({ tried: state.tried + b.tried, delivered: state.delivered + b.delivered, failed: state.failed + b.failed, done: b.done }),
    });
  }
  return (
    <div>
      <div className="a-row">
        <ActionButton onClick={start} busy={busy} disabled={total === 0} testId="retry-all">
          {kind === "all" ? `Retry all failing and exhausted (${total})` : `Retry all (${total})`}
        </ActionButton>
        {busy ? (
          <button type="button" className="a-btn a-btn-quiet" onClick={stop}>
            Stop after this batch
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      {run ? (
        <div aria-live="polite" data-testid="retry-all-result">
          <Progress done={run.tried} total={Math.max(total, run.tried)} />
          <p>
            {run.done ? "Done: " : "Working: "}
            {run.tried} tried, {run.delivered} delivered, {run.failed} still failing.
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** A tab's count; counting stops at the list's countLimit ("10.000+"). */
function countLabel(list: List, state: WebhookListState): string {
  const capped = state === "all" ? states.some((s) => s !== "all" && list.counts[s] >= list.countLimit) : list.counts[state] >= list.countLimit;
  return `${formatCount(state === "all" || !capped ? list.counts[state] : list.countLimit)}${capped ? "+" : ""}`;
}

/** The last attempt's outcome in a few words: the status code, or the error. */
function lastOutcome(e: List["items"][number]): string {
  if (!e.last_attempt_at) return "—";
  if (e.last_status !== null && e.last_status >= 200 && e.last_status < 300) return `HTTP ${e.last_status}`;
  return e.last_error ?? (e.last_status !== null ? `HTTP ${e.last_status}` : "failed");
}

export default function Webhooks() {
  const { list, projects, error } = useLoaderData<typeof loader>();
  const can = useCan();
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  const filters = filtersOf(params);
  const state = (list ? (filters.state ?? "all") : "all") as WebhookListState;
  const v = (k: string) => filters[k] ?? "";
  const query = (over: Record<string, string | undefined>) => {
    const q = new URLSearchParams(
      Object.entries({ ...filters, ...over }).filter((e): e is [string, string] => !!e[1] && !(e[0] === "state" && e[1] === "all")),
    );
    return q.size ? `/admin/webhooks?${q}` : "/admin/webhooks";
  };
  const scope = { eventType: filters.eventType, projectId: filters.projectId, environment: filters.environment } as Scope;
  const troubleKind: TroubleKind | null = state === "all" || state === "failing" || state === "exhausted" ? state : null;
  const counts = list?.counts;
  const retryTotal =
    !counts || !troubleKind
      ? 0
      : troubleKind === "failing"
        ? counts.failing
        : troubleKind === "exhausted"
          ? counts.exhausted
          : counts.failing + counts.exhausted;
  const filtered = Object.keys(filters).some((k) => k !== "state");
  return (
    <>
      <div className="a-head">
        <h1>Webhook deliveries</h1>
        <p className="a-muted">
          Every event sent to merchants, and every test webhook.
          {list ? ` ${countLabel(list, "failing")} failing (retrying on schedule) · ${countLabel(list, "exhausted")} exhausted (gave up).` : ""}
        </p>
      </div>
      <Form method="get" className="a-card a-filters" role="search">
        {state !== "all" ? <input type="hidden" name="state" value={state} /> : null}
        <label className="a-wide">
          Event or order id
          <input type="search" name="q" defaultValue={v("q")} placeholder="msg_… or an order id (exact)" data-testid="webhook-search" />
        </label>
        <ProjectFilter projects={projects} value={v("projectId")} />
        <FilterSelect
          label="Environment"
          name="environment"
          value={v("environment")}
          options={[
            ["sandbox", "sandbox"],
            ["production", "production"],
          ]}
        />
        <FilterSelect label="Event type" name="eventType" value={v("eventType")} options={eventTypes.map((t) => [t, t] as const)} />
        <FilterActions filtered={filtered} clearTo={query({ q: undefined, projectId: undefined, environment: undefined, eventType: undefined })} />
      </Form>
      <ErrorNote error={error} testId="filter-error" />
      <nav className="a-tabs" aria-label="State">
        {states.map((s) => (
          <Link
            key={s}
            to={query({ state: s, cursor: undefined })}
            aria-current={list && state === s ? "page" : undefined}
            title={stateLabels[s].hint}
            data-testid={`state-${s}`}
          >
            {stateLabels[s].tab}
            {list ? ` (${countLabel(list, s)})` : ""}
          </Link>
        ))}
      </nav>
      {list && can("webhooks.resend") && troubleKind && !filters.q ? (
        <section className="a-card">
          <RetryAll kind={troubleKind} scope={scope} total={retryTotal} />
        </section>
      ) : null}
      {list ? (
        <div className="a-card a-scroll">
          {list.items.length === 0 ? (
            <Empty>No webhook matches.</Empty>
          ) : (
            <table className="a-table" data-testid="webhooks-table">
              <thead>
                <tr>
                  <th scope="col">Created (WIB)</th>
                  <th scope="col">Event</th>
                  <th scope="col">Project · env</th>
                  <th scope="col">Order</th>
                  <th scope="col">State</th>
                  <th scope="col" className="a-num">
                    Attempts
                  </th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Next attempt</th>
                  {can("webhooks.resend") ? <th scope="col">Retry now</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.items.map((e) => (
                  <tr key={e.id} data-testid="webhook-row" data-state={e.state}>
                    <td className="a-nowrap">{formatWIB(e.created_at)}</td>
                    <td>
                      <Link to={`/admin/webhooks/${encodeURIComponent(e.id)}`} className="a-mono" data-testid="webhook-event-link">
                        {e.id}
                      </Link>
                      <div className="a-muted a-small">{e.event_type}</div>
                    </td>
                    <td>
                      <Link to={`/admin/projects/${e.project_id}`}>{e.project_name}</Link>
                      <div className="a-muted a-small">{e.environment}</div>
                    </td>
                    <td>
                      {e.purchase_id ? (
                        <Link to={`/admin/payments/${e.purchase_id}`} className="a-mono">
                          {e.order_id}
                        </Link>
                      ) : (
                        <span className="a-muted">—</span>
                      )}
                    </td>
                    <td>
                      <Badge value={e.state} />
                    </td>
                    <td className="a-num">{e.attempt_count}</td>
                    <td className="a-excerpt-cell">
                      {lastOutcome(e)}
                      {e.last_attempt_at ? <div className="a-muted a-small a-nowrap">{formatWIB(e.last_attempt_at)}</div> : null}
                    </td>
                    <td className="a-nowrap">{formatWIB(e.next_attempt_at)}</td>
                    {can("webhooks.resend") ? (
                      <td>{e.state === "failing" || e.state === "exhausted" ? <RetryOne eventId={e.id} onDone={() => revalidator.revalidate()} /> : null}</td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav className="a-pager" aria-label="Pages">
            {params.get("cursor") ? <Link to={query({})}>← Newest</Link> : <span />}
            {list.nextCursor ? (
              <Link to={`${query({})}${query({}).includes("?") ? "&" : "?"}cursor=${encodeURIComponent(list.nextCursor)}`}>Older →</Link>
            ) : null}
          </nav>
        </div>
      ) : null}
    </>
  );
}
