import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { requireAdmin } from "~/admin.server";
import { ConsoleRouteError } from "~/components/admin/RouteError";

export const meta: MetaFunction = () => [{ title: "Not found — Astapa admin" }];

/** Any /admin/… address no console page answers: a 404 inside the console's layout; signed-out visitors go to sign-in first. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(request, context);
  throw new Response("No console page at this address.", { status: 404, statusText: "Not Found" });
}

export default function NotFound() {
  return null;
}

export const ErrorBoundary = ConsoleRouteError;
