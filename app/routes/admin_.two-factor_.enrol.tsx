import { useState } from "react";
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useRevalidator } from "@remix-run/react";
import adminStyles from "~/admin.css";
import { load, requireAdminForEnrolment } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { ActionButton, ErrorNote } from "~/components/admin/ui";
import { RecoveryCodes } from "~/components/admin/RecoveryCodes";
import { trpc } from "~/lib/admin/trpc";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Set up two-factor sign-in — Astapa admin" }, { name: "robots", content: "noindex" }];
/** English, like the console (app/root.tsx). */
export const handle = { lang: "en" };

/**
 * /admin/two-factor/enrol: setting up two-factor sign-in (docs/decisions/0019-two-factor.md).
 * Outside the console's layout: an owner or finance person without it is sent here by every
 * console page, and may do nothing else until it is on.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { admin, caller } = await requireAdminForEnrolment(request, context);
  const status = await load(() => caller.account.twoFactor.status());
  return { email: admin.email, role: admin.role, required: admin.twoFactorEnrolmentRequired, status };
}

export default function EnrolTwoFactor() {
  const { email, required, status } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const [code, setCode] = useState("");
  const begin = useAction(() => trpc.account.twoFactor.begin.mutate());
  const confirm = useAction(() => trpc.account.twoFactor.confirm.mutate({ code }));
  const setup = status.setup;
  return (
    <div className="admin a-login">
      <main>
        <div className="a-card">
          <h1>Two-factor sign-in</h1>
          {required ? (
            <p className="a-note a-note-info" data-testid="two-factor-required">
              Your role requires two-factor sign-in. Set it up to use the console.
            </p>
          ) : null}
          {confirm.result ? (
            <>
              <p className="a-note a-note-ok" role="status" data-testid="two-factor-enabled">
                Two-factor sign-in is on for {email}.
              </p>
              <RecoveryCodes codes={confirm.result.recoveryCodes} />
              <p>
                <a className="a-btn a-btn-primary" href="/admin" data-testid="two-factor-continue">
                  Continue to the console
                </a>
              </p>
            </>
          ) : status.enabled ? (
            <>
              <p className="a-note a-note-ok">Two-factor sign-in is already on for {email}.</p>
              <p>
                <a href="/admin/account">Your account</a>
              </p>
            </>
          ) : setup ? (
            <>
              <p>Open an authenticator app (Google Authenticator, 1Password, Authy…) and add an account by scanning this code:</p>
              <img src={setup.qrDataUrl} alt="QR code for your authenticator app" width={200} height={200} data-testid="totp-qr" />
              <p>
                Cannot scan? Enter this key by hand (time-based, 6 digits, 30 seconds):{" "}
                <code className="a-mono" data-testid="totp-secret">
                  {setup.secret}
                </code>
              </p>
              <form
                className="a-form"
                onSubmit={async (e) => {
                  e.preventDefault();
                  await confirm.run();
                }}
              >
                <label>
                  The 6-digit code the app shows
                  <input
                    type="text"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={10}
                    required
                    value={code}
                    onChange={(e) => setCode(e.target.value)}
                    data-testid="totp-confirm-code"
                  />
                </label>
                <ErrorNote error={confirm.error} />
                <div>
                  <ActionButton type="submit" busy={confirm.busy} testId="totp-confirm">
                    Turn on two-factor sign-in
                  </ActionButton>
                </div>
              </form>
            </>
          ) : (
            <>
              <p>Signing in will ask for a code from an authenticator app on your phone after your password.</p>
              <ErrorNote error={begin.error} />
              <ActionButton testId="totp-begin" busy={begin.busy} onClick={() => void begin.run().then((r) => r && revalidator.revalidate())}>
                Start set-up
              </ActionButton>
            </>
          )}
          <Form method="post" action="/admin/logout">
            <button type="submit" className="a-btn a-btn-quiet">
              Sign out
            </button>
          </Form>
        </div>
      </main>
    </div>
  );
}
