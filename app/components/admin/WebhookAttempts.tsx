import type { WebhookAttemptView } from "../../../server/admin/webhooks-admin.service";
import { formatWIB, withWibTimes } from "~/lib/admin/format";

/** Every attempt of one webhook, oldest first: when, why, where, the answer and how long it took. */
export function WebhookAttemptsTable({ attempts }: { attempts: readonly WebhookAttemptView[] }) {
  if (attempts.length === 0) return <p className="a-muted">Not attempted yet.</p>;
  return (
    <table className="a-table a-compact" data-testid="webhook-attempts">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Started (WIB)</th>
          <th scope="col">Trigger</th>
          <th scope="col">URL</th>
          <th scope="col">Response</th>
          <th scope="col" className="a-num">
            Duration
          </th>
          <th scope="col">Body excerpt / error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.attempt_number} data-testid="webhook-attempt">
            <td>{a.attempt_number}</td>
            <td className="a-nowrap">{formatWIB(a.started_at)}</td>
            <td>{a.trigger}</td>
            <td className="a-mono a-excerpt-cell">{a.url || "—"}</td>
            <td>{a.response_status ?? "—"}</td>
            <td className="a-num">{a.duration_ms !== null ? `${a.duration_ms} ms` : "—"}</td>
            <td className="a-excerpt-cell">{withWibTimes(a.error) ?? a.response_body ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
