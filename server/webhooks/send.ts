import type { PlatformContext } from "../platform/context";
import { deliverOnce, type DeliveryResult } from "./delivery";
import type { ResolveAll } from "./destination";
import { serializeWebhookPayload } from "./events";
import { activeSecrets, signWebhook } from "./signing";
import type { AttemptRecord, DeliverableEvent } from "./webhooks.queries";

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  resolve?: ResolveAll;
}

/** Production events may only reach public addresses (SSRF); sandbox may use localhost. */
export function mustRestrictDestination(ctx: PlatformContext, ev: Pick<DeliverableEvent, "environment" | "payload">): boolean {
  const production = ev.environment === "production" || ev.payload.environment === "production";
  return production && !ctx.config.allowPrivateWebhookUrls;
}

/**
 * Signs and POSTs one event to its project's current URL (shared by the worker and manual
 * resend). Returns the HTTP outcome and the attempt as it is to be logged.
 */
export async function sendEvent(
  ctx: PlatformContext,
  ev: DeliverableEvent,
  trigger: AttemptRecord["trigger"],
  opts: SendOptions = {},
): Promise<{ result: DeliveryResult; attempt: AttemptRecord }> {
  const startedAt = ctx.now();
  const url = ev.webhook_url ?? "";
  // No URL: it was removed after the event was written (the merchant may set one again).
  const result = url ? await signAndPost(ctx, ev, url, startedAt, opts) : failed("the project has no webhook URL");
  return {
    result,
    attempt: {
      trigger,
      url,
      response_status: result.status,
      response_body: result.responseBody,
      error: result.error,
      duration_ms: result.durationMs,
      started_at: startedAt,
    },
  };
}

async function signAndPost(
  ctx: PlatformContext,
  ev: DeliverableEvent,
  url: string,
  now: Date,
  opts: SendOptions,
): Promise<DeliveryResult> {
  const body = serializeWebhookPayload(ev.payload);
  let headers: Record<string, string>;
  try {
    headers = signWebhook(ev.id, body, activeSecrets(ev, now));
  } catch (err) {
    // A malformed stored secret: a visible failed attempt, not a claim that silently expires again and again.
    return failed(`signing failed: ${(err as Error).message}`);
  }
  return deliverOnce({
    url,
    body,
    headers,
    restrictDestination: mustRestrictDestination(ctx, ev),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    resolve: opts.resolve,
  });
}

const failed = (error: string): DeliveryResult => ({ ok: false, status: null, responseBody: null, retryAfter: null, error, durationMs: 0, aborted: false });

/** What to keep as the event's last_error. */
export const describeFailure = (r: DeliveryResult) => r.error ?? `HTTP ${r.status}`;
