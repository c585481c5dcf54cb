import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../../../server/trpc/router";
import type { inferRouterOutputs } from "@trpc/server";

/** The browser's typed client of the admin API (same origin: the session cookie and Origin go along). */
export const trpc = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: "/api/trpc" })],
});

export type RouterOutputs = inferRouterOutputs<AppRouter>;

/**
 * A message to show for a failed call. Invalid input (a zod error or a service's
 * `validation_failed`) arrives with per-field messages in `data.fields`: those are shown.
 */
export function errorMessage(e: unknown): string {
  if (e instanceof TRPCClientError) {
    const fields = (e.data as { fields?: Record<string, string> | null } | undefined)?.fields;
    const detail = fields ? Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ") : "";
    return detail && !e.message.includes(detail) ? `${e.message} (${detail})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
