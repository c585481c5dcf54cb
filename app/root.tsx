import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useMatches, useRouteError } from "@remix-run/react";
import type { LinksFunction } from "@remix-run/node";
import styles from "./styles.css";
import { useNonce } from "./nonce";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];

/**
 * A route whose `handle` says `{ hydrate: false }` is rendered on the server only: no Remix
 * runtime (the buyer's callback page brings its own small script instead).
 */
const hydrates = (handle: unknown) => !(handle && typeof handle === "object" && "hydrate" in handle && handle.hydrate === false);

/**
 * The page's language: the deepest matched route whose `handle` says `{ lang }` decides (the
 * admin console says "en"), else Indonesian, the buyer pages' language.
 */
const langOf = (handle: unknown) => (handle && typeof handle === "object" && "lang" in handle && typeof handle.lang === "string" ? handle.lang : undefined);

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  const matches = useMatches();
  const scripts = matches.every((m) => hydrates(m.handle));
  const lang = matches.map((m) => langOf(m.handle)).findLast((l) => l !== undefined) ?? "id";
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        {scripts && <ScrollRestoration nonce={nonce} />}
        {scripts && <Scripts nonce={nonce} />}
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/**
 * What no route's own boundary handles: an unknown page (404), a method a page does not take
 * (405), an unexpected error (500). A plain page that shows nothing of the error (the server
 * logs it, one JSON line); without it Remix's default boundary prints the error to the console.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: "32rem", margin: "4rem auto", padding: "0 1rem" }}>
      <h1>{status === 404 ? "Halaman tidak ditemukan" : status < 500 ? "Permintaan tidak dapat diproses" : "Terjadi kesalahan"}</h1>
      <p>{status === 404 ? "Page not found." : status < 500 ? "This request cannot be processed." : "Something went wrong. Please try again later."}</p>
    </main>
  );
}
