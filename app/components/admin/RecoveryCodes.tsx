/** The ten recovery codes, shown once after two-factor set-up or regeneration (docs/decisions/0019-two-factor.md). */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div className="a-note a-note-warn" role="status">
      <p>
        <strong>Your recovery codes.</strong> Each signs you in once when you do not have your phone. Keep them somewhere safe: they are
        not shown again.
      </p>
      <ul className="a-mono" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
    </div>
  );
}
