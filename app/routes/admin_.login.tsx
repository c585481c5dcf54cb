import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import adminStyles from "~/admin.css";
import { currentAdmin, loginAction, safeNext } from "~/admin.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Sign in — Astapa admin" }, { name: "robots", content: "noindex" }];

/** English, like the console (app/root.tsx). */
export const handle = { lang: "en" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await currentAdmin(request, context)) throw redirect(safeNext(new URL(request.url).searchParams.get("next")));
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const r = await loginAction(request, context);
  if (r.ok) throw redirect(r.next, { headers: r.headers });
  return data({ error: r.error }, { status: r.status });
}

export default function AdminLogin() {
  const result = useActionData() as { error?: string } | undefined;
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="admin a-login">
      <main>
        <div className="a-card">
          <h1>Astapa admin</h1>
          <p className="a-muted">For Astapa's operators.</p>
          {params.get("welcome") ? (
            <p className="a-note a-note-ok" role="status" data-testid="login-welcome">
              Your password is set. Sign in with it.
            </p>
          ) : null}
          <Form method="post" className="a-form">
            <input type="hidden" name="next" value={params.get("next") ?? "/admin"} />
            <label>
              E-mail
              <input type="email" name="email" autoComplete="username" required />
            </label>
            <label>
              Password
              <input type="password" name="password" autoComplete="current-password" required />
            </label>
            {result?.error ? (
              <p className="a-note a-note-err" role="alert" data-testid="login-error">
                {result.error}
              </p>
            ) : null}
            <button type="submit" className="a-btn a-btn-primary" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </Form>
        </div>
      </main>
    </div>
  );
}
