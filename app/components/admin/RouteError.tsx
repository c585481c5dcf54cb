import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

/**
 * A console page's error inside the console's layout (its navigation stays): "Not found" for a
 * 404 (an unknown page or payment), else the status and the server's message. Route modules
 * export it as their `ErrorBoundary`; an unexpected error shows no detail (the server logs it).
 */
export function ConsoleRouteError() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && error.data ? error.data : null;
  return (
    <div className="a-card" role="alert" data-testid="console-error">
      <h1>{status === 404 ? "Not found" : status >= 500 ? "Something went wrong" : `Request refused (${status})`}</h1>
      {status === 404 ? <p>{detail ?? "There is nothing at this address."}</p> : detail && status < 500 ? <p>{detail}</p> : null}
      <p>
        <Link to="/admin">Back to the dashboard</Link> · <Link to="/admin/payments">Payments</Link>
      </p>
    </div>
  );
}
