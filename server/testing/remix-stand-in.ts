import type { ServerBuild } from "@remix-run/node";
import type { RemixLoadContext } from "../remix/services";

/** A loader as Remix calls it: the request and the load context the HTTP app builds. */
export type StandInLoader = (args: { request: Request; context: RemixLoadContext }) => Promise<unknown>;

/**
 * The buyer's callback route (/purchase/callback) behind Remix's real request handler (single
 * fetch, as remix.config.js sets it), without a `remix build`: tests of what sits in front of
 * Remix (rate limits, database deadlines) give it the loader they need.
 */
export function callbackRouteStandIn(loader: StandInLoader): ServerBuild {
  const document = (_request: Request, status: number, headers: Headers) => {
    headers.set("Content-Type", "text/html; charset=utf-8");
    return new Response(`<!doctype html><title>${status}</title>`, { status, headers });
  };
  const entryRoute = (id: string, parentId?: string) => ({
    id,
    parentId,
    module: `/build/${id}.js`,
    hasAction: false,
    hasLoader: id !== "root",
    hasClientAction: false,
    hasClientLoader: false,
    hasErrorBoundary: false,
  });
  return {
    mode: "production",
    entry: { module: { default: document } },
    routes: {
      root: { id: "root", path: "", module: { default: () => null } },
      "routes/purchase.callback": { id: "routes/purchase.callback", parentId: "root", path: "purchase/callback", module: { loader, default: () => null } },
    },
    assets: {
      entry: { module: "/build/entry.client.js", imports: [] },
      routes: {
        root: { ...entryRoute("root"), path: "" },
        "routes/purchase.callback": { ...entryRoute("routes/purchase.callback", "root"), path: "purchase/callback" },
      },
      url: "/build/manifest.js",
      version: "test",
    },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true, v3_singleFetch: true },
    isSpaMode: false,
  } as ServerBuild;
}
