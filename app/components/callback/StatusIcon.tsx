export type Tone = "success" | "pending" | "error" | "info";

const PATHS: Record<Tone, string> = {
  success: "M7 12.5l3.2 3.2L17 9",
  pending: "M12 7v5l3 2",
  error: "M9 9l6 6M15 9l-6 6",
  info: "M12 11v5M12 8h.01",
};

/** A decorative status mark; the heading carries the meaning. */
export function StatusIcon({ tone }: { tone: Tone }) {
  return (
    <svg className="status-icon" viewBox="0 0 24 24" width="48" height="48" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="10" />
      <path d={PATHS[tone]} />
    </svg>
  );
}
