import type { ActionFunctionArgs, HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import adminStyles from "~/admin.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [
  { title: "Set your password — Astapa admin" },
  { name: "robots", content: "noindex" },
  { name: "referrer", content: "no-referrer" },
];

// The link is a secret until used: never cached, never sent on as a Referer.
/** English, like the console (app/root.tsx). */
export const handle = { lang: "en" };

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

/**
 * /admin/invite/<token>: the one-time link of an invitation or a password reset made by an owner
 * (server/admin/people.service.ts). Outside the console's layout: the visitor is not signed in.
 */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const link = await context.services.admin.linkInfo(params.token ?? "");
  return data({ link }, { status: link ? 200 : 404, headers: { "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const r = await context.services.admin.acceptLink(request, params.token ?? "", context.clientIp);
  if (r.ok) throw redirect(`/admin/login?welcome=${r.kind}`);
  return data({ error: r.error, fields: r.fields ?? null }, { status: r.status });
}

export default function AcceptLink() {
  const { link } = useLoaderData() as { link: { kind: "invite" | "reset"; email: string; role: string | null } | null };
  const result = useActionData() as { error?: string } | undefined;
  const busy = useNavigation().state !== "idle";
  return (
    <div className="admin a-login">
      <main>
        <div className="a-card">
          {link ? (
            <>
              <h1>{link.kind === "invite" ? "Welcome to Astapa admin" : "Choose a new password"}</h1>
              <p className="a-muted" data-testid="invite-for">
                {link.kind === "invite" ? (
                  <>
                    You were invited as <strong>{link.role}</strong> with the e-mail {link.email}. Choose a password to finish.
                  </>
                ) : (
                  <>A new password for {link.email}. Your other sessions end when you set it.</>
                )}
              </p>
              <Form method="post" className="a-form">
                <input type="email" name="email" autoComplete="username" value={link.email} readOnly hidden />
                <label>
                  Password <span className="a-muted">(at least 12 characters)</span>
                  <input type="password" name="password" autoComplete="new-password" minLength={12} required />
                </label>
                <label>
                  Password again
                  <input type="password" name="confirm" autoComplete="new-password" required />
                </label>
                {result?.error ? (
                  <p className="a-note a-note-err" role="alert" data-testid="invite-error">
                    {result.error}
                  </p>
                ) : null}
                <button type="submit" className="a-btn a-btn-primary" disabled={busy} data-testid="invite-accept">
                  {busy ? "Saving…" : "Set password"}
                </button>
              </Form>
            </>
          ) : (
            <>
              <h1>This link no longer works</h1>
              <p>It has expired, was already used, or was replaced by a newer one. Ask an owner of the console for a new link.</p>
              <p>
                <Link to="/admin/login">Sign in</Link>
              </p>
            </>
          )}
        </div>
      </main>
    </div>
  );
}
