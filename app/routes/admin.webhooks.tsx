import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator, useSearchParams } from "@remix-run/react";
import { isBadRequest, load, requireAdmin } from "~/admin.server";
import { ActionButton, Badge, Empty, ErrorNote, Progress } from "~/components/admin/ui";
import { useBatchRun } from "~/components/admin/hooks";
import { formatWIB } from "~/lib/admin/format";
import { errorMessage, trpc, type RouterOutputs } from "~/lib/admin/trpc";
import { useCan } from "~/lib/admin/can";

export const meta: MetaFunction = () => [{ title: "Webhooks — Astapa admin" }];

const KINDS = ["all", "failing", "exhausted"] as const;
type Kind = (typeof KINDS)[number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  const sp = new URL(request.url).searchParams;
  const kind = (KINDS as readonly string[]).includes(sp.get("kind") ?? "") ? (sp.get("kind") as Kind) : "all";
  try {
    return { kind, ...(await caller.webhooks.troubled({ kind, cursor: sp.get("cursor") || undefined, limit: 50 })) };
  } catch (e) {
    if (isBadRequest(e)) return load(async () => ({ kind, ...(await caller.webhooks.troubled({ kind, limit: 50 })) }));
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

function RetryAll({ kind, total }: { kind: Kind; total: number }) {
  type Run = { tried: number; delivered: number; failed: number; done: boolean };
  const { run, busy, error, start: startRun, stop } = useBatchRun<Run, RouterOutputs["webhooks"]["retryBatch"]>();
  function start() {
    if (!window.confirm(`Send ${total} webhook${total === 1 ? "" : "s"} again now?`)) return;
    const before = new Date().toISOString();
    return startRun({
      init: () => ({ tried: 0, delivered: 0, failed: 0, done: false }),
      batch: (cursor) => trpc.webhooks.retryBatch.mutate({ kind, before, cursor, batchSize: 5 }),
      fold: (state, b) => ({ tried: state.tried + b.tried, delivered: state.delivered + b.delivered, failed: state.failed + b.failed, done: b.done }),
    });
  }
  return (
    <div>
      <div className="a-row">
        <ActionButton onClick={start} busy={busy} disabled={total === 0} testId="retry-all">
          Retry all ({total})
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

export default function Webhooks() {
  const data = useLoaderData<typeof loader>();
  const can = useCan();
  const revalidator = useRevalidator();
  const [params] = useSearchParams();
  const total = data.kind === "failing" ? data.counts.failing : data.kind === "exhausted" ? data.counts.exhausted : data.counts.failing + data.counts.exhausted;
  return (
    <>
      <div className="a-head">
        <h1>Webhook deliveries</h1>
        <p className="a-muted">
          {data.counts.failing} failing (retrying on schedule) · {data.counts.exhausted} exhausted (gave up)
        </p>
      </div>
      <nav className="a-tabs" aria-label="Show">
        {KINDS.map((k) => (
          <Link key={k} to={`/admin/webhooks?kind=${k}`} aria-current={data.kind === k ? "page" : undefined}>
            {k === "all" ? "All" : k === "failing" ? "Failing" : "Exhausted"}
          </Link>
        ))}
      </nav>
      {can("webhooks.resend") ? (
        <section className="a-card">
          <RetryAll kind={data.kind} total={total} />
        </section>
      ) : null}
      <div className="a-card a-scroll">
        {data.items.length === 0 ? (
          <Empty>No webhook in trouble. 🎉</Empty>
        ) : (
          <table className="a-table" data-testid="troubled-table">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Project</th>
                <th scope="col">Order</th>
                <th scope="col">Status</th>
                <th scope="col" className="a-num">Attempts</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Last error</th>
                {can("webhooks.resend") ? <th scope="col">Retry now</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.id}>
                  <td className="a-nowrap">{formatWIB(e.created_at)}</td>
                  <td>
                    <Link to={`/admin/projects/${e.project_id}`}>{e.project_name}</Link>
                    <div className="a-muted a-small">{e.webhook_url ?? "no URL"}</div>
                  </td>
                  <td>
                    <Link to={`/admin/payments/${e.purchase_id}`} className="a-mono">
                      {e.order_id}
                    </Link>
                  </td>
                  <td>
                    <Badge value={e.status === "pending" ? "failing" : "failed"} />
                  </td>
                  <td className="a-num">{e.attempt_count}</td>
                  <td className="a-nowrap">{formatWIB(e.next_attempt_at)}</td>
                  <td className="a-excerpt-cell">{e.last_error ?? "—"}</td>
                  {can("webhooks.resend") ? (
                    <td>
                      <RetryOne eventId={e.id} onDone={() => revalidator.revalidate()} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav className="a-pager" aria-label="Pages">
          {params.get("cursor") ? <Link to={`/admin/webhooks?kind=${data.kind}`}>← Newest</Link> : <span />}
          {data.nextCursor ? <Link to={`/admin/webhooks?kind=${data.kind}&cursor=${encodeURIComponent(data.nextCursor)}`}>Older →</Link> : null}
        </nav>
      </div>
    </>
  );
}
