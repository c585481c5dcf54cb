import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { RecoveryCodes } from "~/components/admin/RecoveryCodes";
import { ActionButton, Badge, ErrorNote } from "~/components/admin/ui";
import { formatWIB } from "~/lib/admin/format";
import { trpc } from "~/lib/admin/trpc";

export const meta: MetaFunction = () => [{ title: "Your account — Astapa admin" }];

/**
 * /admin/account: one's own password, two-factor sign-in and sessions (docs/decisions/0019-two-factor.md),
 * for every role (`account.*` procedures, permission `account.self`).
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { admin, caller } = await requireAdmin(request, context);
  const [twoFactor, sessions] = await Promise.all([load(() => caller.account.twoFactor.status()), load(() => caller.account.sessions.list())]);
  return { me: { email: admin.email, role: admin.role }, twoFactor, sessions };
}

type TwoFactor = ReturnType<typeof useLoaderData<typeof loader>>["twoFactor"];

/** A code from the authenticator app, then `run` (regenerate recovery codes, turn two-factor off). */
function CodeForm({ label, testId, danger, onCode }: { label: string; testId: string; danger?: boolean; onCode: (code: string) => Promise<unknown> }) {
  const [code, setCode] = useState("");
  const action = useAction(() => onCode(code));
  return (
    <form
      className="a-row"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await action.run()) setCode("");
      }}
    >
      <label>
        Code from your app
        <input
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={10}
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid={`${testId}-code`}
        />
      </label>
      <ActionButton type="submit" kind={danger ? "danger" : "secondary"} busy={action.busy} testId={testId}>
        {label}
      </ActionButton>
      <ErrorNote error={action.error} />
    </form>
  );
}

function TwoFactorCard({ twoFactor }: { twoFactor: TwoFactor }) {
  const revalidator = useRevalidator();
  const [codes, setCodes] = useState<string[] | null>(null);
  return (
    <section className="a-card" aria-labelledby="two-factor">
      <h2 id="two-factor">Two-factor sign-in</h2>
      {twoFactor.enabled ? (
        <>
          <p data-testid="two-factor-status">
            <Badge value="on" /> since {formatWIB(twoFactor.enabledAt)}; {twoFactor.recoveryCodesLeft} of 10 recovery codes left.
            {twoFactor.required ? " Your role requires it." : ""}
          </p>
          {codes ? <RecoveryCodes codes={codes} /> : null}
          <h3>New recovery codes</h3>
          <p className="a-muted">The old codes stop working.</p>
          <CodeForm
            label="Make new recovery codes"
            testId="recovery-regenerate"
            onCode={async (code) => {
              const r = await trpc.account.twoFactor.regenerateRecoveryCodes.mutate({ code });
              setCodes(r.recoveryCodes);
              revalidator.revalidate();
              return r;
            }}
          />
          {twoFactor.required ? null : (
            <>
              <h3>Turn off</h3>
              <CodeForm
                label="Turn off two-factor sign-in"
                testId="two-factor-disable"
                danger
                onCode={async (code) => {
                  const r = await trpc.account.twoFactor.disable.mutate({ code });
                  revalidator.revalidate();
                  return r;
                }}
              />
            </>
          )}
        </>
      ) : (
        <>
          <p data-testid="two-factor-status">
            <Badge value="off" /> Signing in asks only for your password.
          </p>
          <p>
            <a className="a-btn a-btn-secondary" href="/admin/two-factor/enrol" data-testid="two-factor-set-up">
              Set up two-factor sign-in
            </a>
          </p>
        </>
      )}
    </section>
  );
}

/** Moved here from the People page: anyone changes their own password with the current one. */
function ChangeOwnPassword() {
  const revalidator = useRevalidator();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const change = useAction(() => trpc.people.changeOwnPassword.mutate({ currentPassword: current, newPassword: next }));
  const mismatch = confirm !== "" && confirm !== next;
  return (
    <section className="a-card" aria-labelledby="own-password">
      <h2 id="own-password">Your password</h2>
      <form
        className="a-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (mismatch) return;
          if (await change.run()) {
            setCurrent("");
            setNext("");
            setConfirm("");
            revalidator.revalidate();
          }
        }}
      >
        <label>
          Current password
          <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New password <span className="a-muted">(at least 12 characters)</span>
          <input type="password" autoComplete="new-password" required minLength={12} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          New password again
          <input type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </label>
        {mismatch ? <ErrorNote error="The two new passwords differ." /> : null}
        <ErrorNote error={change.error} />
        {change.result ? (
          <p className="a-note a-note-ok" role="status">
            Password changed. {change.result.sessionsEnded ? `${change.result.sessionsEnded} other session(s) signed out.` : ""}
          </p>
        ) : null}
        <div>
          <ActionButton type="submit" busy={change.busy} disabled={mismatch}>
            Change password
          </ActionButton>
        </div>
      </form>
    </section>
  );
}

type OwnSession = ReturnType<typeof useLoaderData<typeof loader>>["sessions"][number];

function Sessions({ sessions }: { sessions: OwnSession[] }) {
  const revalidator = useRevalidator();
  const revoke = useAction((sessionId: string) => trpc.account.sessions.revoke.mutate({ sessionId }));
  const others = useAction(() => trpc.account.sessions.revokeOthers.mutate());
  const otherCount = sessions.filter((s) => !s.current).length;
  return (
    <section className="a-card" aria-labelledby="sessions">
      <h2 id="sessions">Where you are signed in ({sessions.length})</h2>
      <p className="a-muted">A session ends after 12 hours without use, and 7 days after sign-in at the latest.</p>
      <div className="a-scroll">
        <table className="a-table" data-testid="sessions-table">
          <thead>
            <tr>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">IP</th>
              <th scope="col">Browser</th>
              <th scope="col">Ends if unused</th>
              <th scope="col">Ends at the latest</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-testid={s.current ? "session-current" : "session-other"}>
                <td>{formatWIB(s.created_at)}</td>
                <td>{formatWIB(s.last_seen_at)}</td>
                <td className="a-mono">{s.ip ?? "—"}</td>
                <td>
                  <span className="a-clip" title={s.user_agent ?? ""}>
                    {s.user_agent ?? "—"}
                  </span>
                </td>
                <td>{formatWIB(s.idle_expires_at)}</td>
                <td>{formatWIB(s.expires_at)}</td>
                <td>
                  {s.current ? (
                    <Badge value="this session" />
                  ) : (
                    <ActionButton kind="quiet" busy={revoke.busy} testId="session-revoke" onClick={() => void revoke.run(s.id).then((r) => r && revalidator.revalidate())}>
                      Sign out
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={revoke.error ?? others.error} />
      {others.result ? (
        <p className="a-note a-note-ok" role="status" data-testid="sessions-ended">
          {others.result.sessionsEnded} other session(s) signed out.
        </p>
      ) : null}
      <ActionButton kind="danger" busy={others.busy} disabled={otherCount === 0} testId="sessions-revoke-others" onClick={() => void others.run().then((r) => r && revalidator.revalidate())}>
        Sign out everywhere else
      </ActionButton>
    </section>
  );
}

export default function Account() {
  const { me, twoFactor, sessions } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="a-head">
        <h1>Your account</h1>
        <p className="a-muted">
          Signed in as {me.email}, role <strong data-testid="my-role">{me.role}</strong>.
        </p>
      </div>
      <TwoFactorCard twoFactor={twoFactor} />
      <Sessions sessions={sessions} />
      <ChangeOwnPassword />
    </>
  );
}
