import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import { deliverOnce, type DeliveryResult } from "./delivery";
import { destinationPolicy, type ResolveAll } from "./destination";
import { serializeWebhookPayload } from "./events";
import { activeSecrets, signWebhook, type SigningSecrets } from "./signing";
import type { AttemptRecord, DeliverableEvent } from "./webhooks.queries";

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  resolve?: ResolveAll;
}

/**
 * One webhook to send: a stored event (scheduled delivery, manual resend) or a test message, to
 * the endpoint of its environment. Every webhook leaves through sendWebhook, with the same
 * signing and destination rule.
 */
export interface OutgoingWebhook {
  /** The `webhook-id` header: the event's id (the same on every retry), or a test message's own. */
  id: string;
  /** The exact bytes sent and signed. */
  body: string;
  /** The current URL of the environment's endpoint; null when it has none. */
  url: string | null;
  /** The keys of that same endpoint: never another environment's. */
  secrets: SigningSecrets;
  /** Which environment the webhook belongs to: its endpoint, and (with the deployment) the destination rule. */
  environment: Environment;
}

/**
 * Signs (Standard Webhooks, with every active secret) and POSTs one webhook. Never throws:
 * a missing URL or an unusable secret is a failed result like any other.
 */
export async function sendWebhook(ctx: PlatformContext, w: OutgoingWebhook, opts: SendOptions = {}): Promise<DeliveryResult> {
  // No URL: it was removed after the event was written (the merchant may set one again).
  if (!w.url) return failed(`the project has no ${w.environment} webhook URL`);
  let headers: Record<string, string>;
  try {
    headers = signWebhook(w.id, w.body, activeSecrets(w.secrets, ctx.now()));
  } catch (err) {
    // A malformed stored secret: a visible failed attempt, not a claim that silently expires again and again.
    return failed(`signing failed: ${(err as Error).message}`);
  }
  const result = await deliverOnce({
    url: w.url,
    body: w.body,
    headers,
    policy: destinationPolicy(ctx.config, w.environment),
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    resolve: opts.resolve,
  });
  ctx.metrics.webhookDeliveryDuration.observe({ outcome: deliveryOutcome(result) }, result.durationMs / 1000);
  return result;
}

/** A bounded label for astapa_webhook_delivery_duration_seconds. */
const deliveryOutcome = (r: DeliveryResult) =>
  r.ok ? "success" : r.aborted ? "aborted" : r.status === null ? "error" : r.status >= 500 ? "http_5xx" : r.status >= 400 ? "http_4xx" : "http_other";

/**
 * Sends one stored event to its environment's endpoint as it is now (shared by the worker and
 * manual resend). Returns the HTTP outcome and the attempt as it is to be logged.
 */
export async function sendEvent(
  ctx: PlatformContext,
  ev: DeliverableEvent,
  trigger: AttemptRecord["trigger"],
  opts: SendOptions = {},
): Promise<{ result: DeliveryResult; attempt: AttemptRecord }> {
  const startedAt = ctx.now();
  const url = ev.webhook_url ?? "";
  const result = await sendWebhook(
    ctx,
    { id: ev.id, body: serializeWebhookPayload(ev.payload), url: ev.webhook_url, secrets: ev, environment: ev.environment },
    opts,
  );
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

const failed = (error: string): DeliveryResult => ({ ok: false, status: null, responseBody: null, retryAfter: null, error, durationMs: 0, aborted: false });

/** What to keep as the event's last_error. */
export const describeFailure = (r: DeliveryResult) => r.error ?? `HTTP ${r.status}`;
