import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { ActionButton, Badge, Empty, ErrorNote } from "~/components/admin/ui";
import { formatWIB } from "~/lib/admin/format";
import { trpc } from "~/lib/admin/trpc";

export const meta: MetaFunction = () => [{ title: "People — Astapa admin" }];

const ROLES = ["owner", "finance", "operator", "viewer"] as const;
type Role = (typeof ROLES)[number];
const roleHelp: Record<Role, string> = {
  owner: "everything, including people and roles",
  finance: "read, refunds and CSV exports",
  operator: "read, reconcile, resend webhooks, projects, endpoints and credentials",
  viewer: "read only; buyers' e-mails masked",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { admin, caller, permissions } = await requireAdmin(request, context);
  // Everyone sees their own account; owners also manage people (docs/decisions/0017-roles.md).
  const people = permissions.includes("people.manage") ? await load(() => caller.people.list()) : null;
  return { me: { id: admin.adminId, email: admin.email, role: admin.role }, people };
}

/** A one-time link, shown once: only its hash is stored, so it cannot be shown again. */
function OneTimeLink({ link, what }: { link: { url: string; expires_at: string }; what: string }) {
  return (
    <div className="a-note a-note-ok" role="status">
      <p>
        {what} Send this link to the person; it works once, until {formatWIB(link.expires_at)}, and is not shown again:
      </p>
      <input className="a-mono" readOnly value={link.url} aria-label="One-time link" data-testid="one-time-link" onFocus={(e) => e.currentTarget.select()} />
    </div>
  );
}

function InvitePerson() {
  const revalidator = useRevalidator();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const invite = useAction(() => trpc.people.invite.mutate({ email, role }));
  return (
    <section className="a-card" aria-labelledby="invite">
      <h2 id="invite">Invite a person</h2>
      <form
        className="a-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await invite.run()) {
            setEmail("");
            revalidator.revalidate();
          }
        }}
      >
        <label>
          E-mail
          <input name="email" type="email" required maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)} data-testid="invite-email" />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="invite-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r} — {roleHelp[r]}
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={invite.error} />
        <div>
          <ActionButton type="submit" busy={invite.busy} testId="invite-submit">
            Create invitation link
          </ActionButton>
        </div>
      </form>
      {invite.result ? <OneTimeLink link={invite.result} what="Invitation created." /> : null}
    </section>
  );
}

type Person = { id: string; email: string; role: Role; created_at: string; last_login_at: string | null; disabled_at: string | null };

function PersonRow({ p, isMe }: { p: Person; isMe: boolean }) {
  const revalidator = useRevalidator();
  const [role, setRole] = useState<Role>(p.role);
  const after = async <T,>(r: T | undefined) => {
    if (r) revalidator.revalidate();
    return r;
  };
  const saveRole = useAction(() => trpc.people.setRole.mutate({ adminId: p.id, role }));
  const toggle = useAction(() => (p.disabled_at ? trpc.people.enable.mutate({ adminId: p.id }) : trpc.people.disable.mutate({ adminId: p.id })));
  const reset = useAction(() => trpc.people.resetPassword.mutate({ adminId: p.id }));
  const resetTwoFactor = useAction(() => trpc.people.resetTwoFactor.mutate({ adminId: p.id }));
  return (
    <tr data-testid={`person-${p.email}`}>
      <td>
        {p.email}
        {isMe ? <span className="a-muted"> (you)</span> : null}
      </td>
      <td>
        {isMe ? (
          p.role
        ) : (
          <span className="a-row">
            <select aria-label={`Role of ${p.email}`} value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="person-role">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            {role !== p.role ? (
              <ActionButton kind="secondary" busy={saveRole.busy} testId="person-role-save" onClick={() => saveRole.run().then(after)}>
                Save role
              </ActionButton>
            ) : null}
          </span>
        )}
        <ErrorNote error={saveRole.error} />
      </td>
      <td>{p.disabled_at ? <Badge value="disabled" /> : <Badge value="active" />}</td>
      <td>{formatWIB(p.last_login_at)}</td>
      <td>
        {isMe ? null : (
          <span className="a-row">
            <ActionButton
              kind={p.disabled_at ? "secondary" : "danger"}
              busy={toggle.busy}
              testId={p.disabled_at ? "person-enable" : "person-disable"}
              onClick={() => {
                if (p.disabled_at || window.confirm(`Disable ${p.email}? Their sessions end at once.`)) void toggle.run().then(after);
              }}
            >
              {p.disabled_at ? "Enable" : "Disable"}
            </ActionButton>
            {p.disabled_at ? null : (
              <ActionButton kind="quiet" busy={reset.busy} testId="person-reset" onClick={() => void reset.run()}>
                Password reset link
              </ActionButton>
            )}
            <ActionButton
              kind="quiet"
              busy={resetTwoFactor.busy}
              testId="person-reset-two-factor"
              onClick={() => {
                if (window.confirm(`Reset two-factor sign-in of ${p.email}? Their sessions end; they set it up again at their next sign-in.`)) void resetTwoFactor.run();
              }}
            >
              Reset two-factor
            </ActionButton>
          </span>
        )}
        <ErrorNote error={toggle.error ?? reset.error ?? resetTwoFactor.error} />
        {resetTwoFactor.result ? (
          <p className="a-note a-note-ok" role="status" data-testid="person-two-factor-reset">
            Two-factor sign-in reset; {resetTwoFactor.result.sessionsEnded} session(s) ended.
          </p>
        ) : null}
        {reset.result ? <OneTimeLink link={reset.result} what="Password reset link created." /> : null}
      </td>
    </tr>
  );
}

function Invites({ invites }: { invites: { id: string; email: string; role: Role; created_at: string; expires_at: string }[] }) {
  const revalidator = useRevalidator();
  const revoke = useAction((inviteId: string) => trpc.people.revokeInvite.mutate({ inviteId }));
  if (invites.length === 0) return null;
  return (
    <section className="a-card" aria-labelledby="invites">
      <h2 id="invites">Open invitations</h2>
      <ErrorNote error={revoke.error} />
      <div className="a-scroll">
        <table className="a-table">
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {invites.map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td>
                <td>{i.role}</td>
                <td>{formatWIB(i.expires_at)}</td>
                <td>
                  <ActionButton kind="quiet" busy={revoke.busy} onClick={() => void revoke.run(i.id).then((r) => r && revalidator.revalidate())}>
                    Revoke
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export default function People() {
  const { me, people } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="a-head">
        <h1>{people ? "People" : "Your account"}</h1>
        <p className="a-muted">
          Signed in as {me.email}, role <strong data-testid="my-role">{me.role}</strong> ({roleHelp[me.role as Role] ?? "unknown role"}).
        </p>
      </div>
      {people ? (
        <>
          <InvitePerson />
          <Invites invites={people.invites} />
          <section className="a-card" aria-labelledby="people">
            <h2 id="people">People ({people.people.length})</h2>
            {people.people.length === 0 ? (
              <Empty>Nobody yet.</Empty>
            ) : (
              <div className="a-scroll">
                <table className="a-table" data-testid="people-table">
                  <thead>
                    <tr>
                      <th scope="col">E-mail</th>
                      <th scope="col">Role</th>
                      <th scope="col">Status</th>
                      <th scope="col">Last sign-in</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {people.people.map((p) => (
                      <PersonRow key={`${p.id}-${p.role}-${p.disabled_at ?? ""}`} p={p} isMe={p.id === me.id} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
      <section className="a-card" aria-labelledby="own-account">
        <h2 id="own-account">Your password, two-factor sign-in and sessions</h2>
        <p>
          They are on <a href="/admin/account">your account page</a>.
        </p>
      </section>
    </>
  );
}
