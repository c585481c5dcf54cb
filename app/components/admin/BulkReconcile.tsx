import { useState } from "react";
import { trpc, type RouterOutputs } from "../../lib/admin/trpc";
import { useBatchRun } from "./hooks";
import { ActionButton, ErrorNote, Progress } from "./ui";

type Item = RouterOutputs["reconcile"]["pendingBatch"]["items"][number];

/**
 * "Reconcile every pending payment older than N minutes": counts them, then calls the batch
 * mutation again and again, showing progress, and ends with a summary (checked, changed, failed).
 */
export function BulkReconcile() {
  const [minutes, setMinutes] = useState(60);
  type Run = { total: number; checked: number; changed: number; failed: number; done: boolean; items: Item[] };
  const { run, busy, error, stopping, start: startRun, stop } = useBatchRun<Run, RouterOutputs["reconcile"]["pendingBatch"]>();

  function start() {
    return startRun({
      init: async () => {
        const { total } = await trpc.reconcile.countPending.query({ olderThanMinutes: minutes });
        return { total, checked: 0, changed: 0, failed: 0, done: false, items: [] };
      },
      batch: (cursor) => trpc.reconcile.pendingBatch.mutate({ olderThanMinutes: minutes, cursor, batchSize: 10 }),
      fold: (state, batch) => ({
        total: Math.max(state.total, state.checked + batch.checked),
        checked: state.checked + batch.checked,
        changed: state.changed + batch.changed,
        failed: state.failed + batch.failed,
        done: batch.done,
        items: [...state.items, ...batch.items.filter((i) => i.changed || i.outcome === "failed")],
      }),
    });
  }

  return (
    <section className="a-card" aria-labelledby="bulk-reconcile">
      <h2 id="bulk-reconcile">Reconcile pending payments</h2>
      <p className="a-muted">Asks Midtrans about every pending payment created more than N minutes ago and applies what it says.</p>
      <div className="a-row">
        <label className="a-inline">
          Older than
          <input type="number" min={0} max={525600} value={minutes} onChange={(e) => setMinutes(Math.max(0, Number(e.target.value) || 0))} style={{ width: "6rem" }} />
          minutes
        </label>
        <ActionButton onClick={start} busy={busy} testId="bulk-reconcile-start">
          Reconcile pending
        </ActionButton>
        {busy ? (
          <button
            type="button"
            className="a-btn a-btn-quiet"
            onClick={stop}
            disabled={stopping}
          >
            Stop after this batch
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      {run ? (
        <div className="a-bulk" data-testid="bulk-reconcile-result" aria-live="polite">
          <Progress done={run.checked} total={run.total} />
          <p>
            {run.done ? "Done: " : "Working: "}
            <strong>{run.checked}</strong> checked, <strong>{run.changed}</strong> changed, <strong>{run.failed}</strong> failed.
          </p>
          {run.items.length ? (
            <ul className="a-list">
              {run.items.map((i) => (
                <li key={i.purchaseId}>
                  <a href={`/admin/payments/${i.purchaseId}`}>{i.orderId}</a>: {i.outcome === "failed" ? `failed — ${i.error}` : `${i.from} → ${i.to} (${i.outcome})`}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
