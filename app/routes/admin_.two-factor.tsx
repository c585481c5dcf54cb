import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import adminStyles from "~/admin.css";
import { currentAdmin, pendingSignIn, safeNext, secondFactorAction } from "~/admin.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Two-factor code — Astapa admin" }, { name: "robots", content: "noindex" }];
/** English, like the console (app/root.tsx). */
export const handle = { lang: "en" };

/**
 * /admin/two-factor: the second step of a sign-in (docs/decisions/0019-two-factor.md). The
 * password was right; a code from the authenticator app, or a recovery code, opens the console.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const pending = await pendingSignIn(request, context);
  if (pending) return { email: pending.email };
  const next = safeNext(new URL(request.url).searchParams.get("next"));
  if (await currentAdmin(request, context)) throw redirect(next);
  throw redirect(`/admin/login?next=${encodeURIComponent(next)}`);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const r = await secondFactorAction(request, context);
  if (r.ok) throw redirect(r.next, { headers: r.headers });
  return data({ error: r.error }, { status: r.status });
}

export default function TwoFactorStep() {
  const { email } = useLoaderData<typeof loader>();
  const result = useActionData() as { error?: string } | undefined;
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="admin a-login">
      <main>
        <div className="a-card">
          <h1>Two-factor sign-in</h1>
          <p className="a-muted" data-testid="two-factor-for">
            Signing in as {email}. Enter the 6-digit code your authenticator app shows for Astapa admin, or one of your recovery codes.
          </p>
          <Form method="post" className="a-form">
            <input type="hidden" name="next" value={params.get("next") ?? "/admin"} />
            <label>
              Code
              <input
                type="text"
                name="code"
                inputMode="text"
                autoComplete="one-time-code"
                autoCapitalize="off"
                spellCheck={false}
                maxLength={64}
                required
                data-testid="two-factor-code"
              />
            </label>
            {result?.error ? (
              <p className="a-note a-note-err" role="alert" data-testid="two-factor-error">
                {result.error}
              </p>
            ) : null}
            <button type="submit" className="a-btn a-btn-primary" disabled={busy} data-testid="two-factor-submit">
              {busy ? "Checking…" : "Verify"}
            </button>
          </Form>
          <p className="a-muted">
            Lost your phone and your recovery codes? An owner can reset your two-factor sign-in. <Link to="/admin/login">Start again</Link>
          </p>
        </div>
      </main>
    </div>
  );
}
