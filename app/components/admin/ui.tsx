import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import { useHydrated } from "./hooks";

const tones: Record<string, string> = {
  settlement: "ok",
  delivered: "ok",
  pending: "warn",
  creating: "warn",
  refund: "info",
  cancel: "err",
  expire: "muted",
  create_failed: "err",
  failed: "err",
  no_endpoint: "muted",
  applied: "ok",
  duplicate: "muted",
  ignored: "warn",
  rejected: "err",
  error: "err",
  received: "muted",
  valid: "ok",
  active: "ok",
  failing: "warn",
  exhausted: "err",
  test: "info",
  unchanged: "muted",
  not_found: "muted",
  expired: "muted",
};

export function Badge({ value, testId }: { value: string | null | undefined; testId?: string }) {
  if (!value) return <span className="a-muted">—</span>;
  return (
    <span className={`a-badge a-tone-${tones[value] ?? "muted"}`} data-testid={testId}>
      {value}
    </span>
  );
}

/** A button that stays disabled until the page is hydrated (its handler runs in the browser). */
export function ActionButton({
  onClick,
  busy,
  children,
  kind = "primary",
  disabled,
  testId,
  type = "button",
}: {
  onClick?: () => void;
  busy?: boolean;
  children: ReactNode;
  kind?: "primary" | "secondary" | "danger" | "quiet";
  disabled?: boolean;
  testId?: string;
  type?: "button" | "submit";
}) {
  const hydrated = useHydrated();
  return (
    <button type={type} className={`a-btn a-btn-${kind}`} onClick={onClick} disabled={!hydrated || busy || disabled} aria-busy={busy || undefined} data-testid={testId}>
      {busy ? "Working…" : children}
    </button>
  );
}

export function ErrorNote({ error, testId }: { error: string | null | undefined; testId?: string }) {
  if (!error) return null;
  return (
    <p className="a-note a-note-err" role="alert" data-testid={testId}>
      {error}
    </p>
  );
}

export function JsonBlock({ value, summary = "JSON" }: { value: unknown; summary?: string }) {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return (
    <details className="a-json">
      <summary>{summary}</summary>
      <pre>{text}</pre>
    </details>
  );
}

export function Progress({ done, total }: { done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 100;
  return (
    <div className="a-progress" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
      <div style={{ width: `${pct}%` }} />
      <span>
        {done} / {total}
      </span>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="a-empty">{children}</p>;
}

/** The "Project" filter of the console's filter forms (dashboard, payment list): every project, or one. */
export function ProjectFilter({ projects, value }: { projects: { id: string; name: string }[]; value: string }) {
  return (
    <label>
      Project
      <select name="projectId" defaultValue={value}>
        <option value="">All</option>
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** One select of the console's filter forms: "All", or one of `options` ([value, label] pairs). */
export function FilterSelect({ label, name, value, options }: { label: string; name: string; value: string; options: readonly (readonly [string, string])[] }) {
  return (
    <label>
      {label}
      <select name={name} defaultValue={value}>
        <option value="">All</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The filter forms' buttons: "Apply", and "Clear" (a link to `clearTo`) while a filter is set. */
export function FilterActions({ filtered, clearTo }: { filtered: boolean; clearTo: string }) {
  return (
    <div className="a-row a-wide">
      <button type="submit" className="a-btn a-btn-primary">
        Apply
      </button>
      {filtered ? (
        <Link to={clearTo} className="a-btn a-btn-quiet">
          Clear
        </Link>
      ) : null}
    </div>
  );
}
