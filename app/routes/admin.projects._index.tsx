import { useState } from "react";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useNavigate } from "@remix-run/react";
import { load, requireAdmin } from "~/admin.server";
import { useAction } from "~/components/admin/hooks";
import { ActionButton, Empty, ErrorNote } from "~/components/admin/ui";
import { formatCount, formatWIB } from "~/lib/admin/format";
import { trpc } from "~/lib/admin/trpc";
import { useCan } from "~/lib/admin/can";

export const meta: MetaFunction = () => [{ title: "Projects — Astapa admin" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { caller } = await requireAdmin(request, context);
  return { projects: await load(() => caller.projects.list()) };
}

function CreateProject() {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [sandboxUrl, setSandboxUrl] = useState("");
  const [productionUrl, setProductionUrl] = useState("");
  const [storeUrl, setStoreUrl] = useState("");
  const create = useAction(() =>
    trpc.projects.create.mutate({ name, sandbox_webhook_url: sandboxUrl, production_webhook_url: productionUrl, store_url_template: storeUrl }),
  );
  return (
    <section className="a-card" aria-labelledby="new-project">
      <h2 id="new-project">New project</h2>
      <form
        className="a-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const p = await create.run();
          if (p) navigate(`/admin/projects/${p.id}?created=1`);
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Sandbox webhook URL <span className="a-muted">(optional)</span>
          <input
            name="sandbox_webhook_url"
            type="url"
            placeholder="https://shop.example.com/webhooks/astapa-sandbox"
            value={sandboxUrl}
            onChange={(e) => setSandboxUrl(e.target.value)}
          />
        </label>
        <label>
          Production webhook URL <span className="a-muted">(optional)</span>
          <input
            name="production_webhook_url"
            type="url"
            placeholder="https://shop.example.com/webhooks/astapa"
            value={productionUrl}
            onChange={(e) => setProductionUrl(e.target.value)}
          />
        </label>
        <label>
          Store URL template <span className="a-muted">(optional, with {"{store_slug}"})</span>
          <input name="store_url_template" placeholder="https://shop.example.com/{store_slug}" value={storeUrl} onChange={(e) => setStoreUrl(e.target.value)} />
        </label>
        <ErrorNote error={create.error} />
        <div>
          <ActionButton type="submit" busy={create.busy} testId="create-project">
            Create project
          </ActionButton>
        </div>
      </form>
    </section>
  );
}

export default function Projects() {
  const { projects } = useLoaderData<typeof loader>();
  const can = useCan();
  return (
    <>
      <div className="a-head">
        <h1>Projects</h1>
      </div>
      <div className="a-card a-scroll">
        {projects.length === 0 ? (
          <Empty>No project yet.</Empty>
        ) : (
          <table className="a-table" data-testid="projects-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Webhook URLs</th>
                <th scope="col" className="a-num">Active credentials</th>
                <th scope="col" className="a-num">Payments</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/admin/projects/${p.id}`}>{p.name}</Link>
                    <div className="a-muted a-small a-mono">{p.id}</div>
                  </td>
                  <td className="a-excerpt-cell">
                    <div>sandbox: {p.webhook_urls.sandbox ?? <span className="a-muted">none</span>}</div>
                    <div>production: {p.webhook_urls.production ?? <span className="a-muted">none</span>}</div>
                  </td>
                  <td className="a-num">{p.active_credentials}</td>
                  <td className="a-num">
                    <Link to={`/admin/payments?projectId=${p.id}`}>{formatCount(p.payments)}</Link>
                  </td>
                  <td className="a-nowrap">{formatWIB(p.created_at, { seconds: false })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {can("projects.manage") ? <CreateProject /> : null}
    </>
  );
}
