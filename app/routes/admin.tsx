import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, isRouteErrorResponse, Link, NavLink, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import adminStyles from "~/admin.css";
import { requireAdmin } from "~/admin.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: MetaFunction = () => [{ title: "Astapa admin" }, { name: "robots", content: "noindex" }];
/** The console is in English (app/root.tsx reads `lang` for `<html lang>`). */
export const handle = { lang: "en" };

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { admin, caller, permissions } = await requireAdmin(request, context);
  // Disabled webhook endpoints are an alert on every page of the console (docs/api.md, "Disabled endpoints").
  // `permissions`: what the role allows; pages leave out what it does not (app/lib/admin/can.ts).
  return { email: admin.email, role: admin.role, permissions, disabledEndpoints: await caller.webhooks.disabledEndpoints() };
}

type DisabledEndpoint = { project_id: string; project_name: string; environment: string; disabled_at: string; held_events: number };

/** Every disabled webhook endpoint, each linking to its project (where it is re-enabled). */
function DisabledEndpointsBanner({ endpoints }: { endpoints: DisabledEndpoint[] }) {
  if (endpoints.length === 0) return null;
  return (
    <div className="a-note a-note-err" role="alert" data-testid="disabled-endpoints-banner">
      <strong>
        {endpoints.length === 1 ? "A webhook endpoint is disabled" : `${endpoints.length} webhook endpoints are disabled`}
      </strong>{" "}
      (every delivery failed for 5 days; events are recorded and held until re-enabled):{" "}
      {endpoints.map((e, i) => (
        <span key={`${e.project_id}-${e.environment}`}>
          {i > 0 ? ", " : ""}
          <Link to={`/admin/projects/${e.project_id}`}>
            {e.project_name} ({e.environment})
          </Link>{" "}
          — {e.held_events} held
        </span>
      ))}
      .
    </div>
  );
}

const nav = [
  { to: "/admin", label: "Dashboard", end: true },
  { to: "/admin/payments", label: "Payments" },
  { to: "/admin/webhooks", label: "Webhooks" },
  { to: "/admin/projects", label: "Projects" },
  { to: "/admin/audit", label: "Audit log" },
];

function Shell({ email, role, managesPeople, children }: { email?: string; role?: string; managesPeople?: boolean; children: React.ReactNode }) {
  return (
    <div className="admin">
      <header className="a-top">
        <a className="a-brand" href="/admin">
          Astapa <span>admin</span>
        </a>
        <nav aria-label="Admin">
          {nav.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end} prefetch="intent">
              {n.label}
            </NavLink>
          ))}
          {email && managesPeople ? (
            <NavLink to="/admin/people" prefetch="intent">
              People
            </NavLink>
          ) : null}
          {email ? (
            <NavLink to="/admin/account" prefetch="intent">
              Account
            </NavLink>
          ) : null}
        </nav>
        {email ? (
          <Form method="post" action="/admin/logout" className="a-who">
            <span data-testid="admin-email">{email}</span>
            {role ? <span className="a-muted" data-testid="admin-role">({role})</span> : null}
            <button type="submit" className="a-btn a-btn-quiet">
              Sign out
            </button>
          </Form>
        ) : null}
      </header>
      <main className="a-main">{children}</main>
    </div>
  );
}

export default function AdminLayout() {
  const { email, role, permissions, disabledEndpoints } = useLoaderData<typeof loader>();
  return (
    <Shell email={email} role={role} managesPeople={permissions.includes("people.manage")}>
      <DisabledEndpointsBanner endpoints={disabledEndpoints} />
      <Outlet />
    </Shell>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const title = isRouteErrorResponse(error) ? (error.status === 404 ? "Not found" : `${error.status} ${error.statusText || ""}`.trim()) : "Something went wrong";
  const detail = isRouteErrorResponse(error) ? (typeof error.data === "string" ? error.data : null) : error instanceof Error ? error.message : null;
  return (
    <Shell>
      <div className="a-card">
        <h1>{title}</h1>
        {detail ? <p>{detail}</p> : null}
        <p>
          <a href="/admin">Back to the dashboard</a>
        </p>
      </div>
    </Shell>
  );
}
