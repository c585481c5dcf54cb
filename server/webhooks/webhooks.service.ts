import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { toIsoSeconds } from "../lib/time";
import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import { getWebhookEndpoint } from "./endpoints";
import { sendEvent, sendWebhook, type SendOptions } from "./send";
import { insertWebhookTestSend } from "./test-sends.queries";
import * as q from "./webhooks.queries";

/**
 * Sends an event now, by hand (the admin console's "resend"), to its environment's endpoint.
 * The schedule is left alone: success marks a pending/failed event delivered; failure changes
 * nothing but the attempt log (a failed event stays failed, a pending one keeps its next attempt).
 */
export async function resendWebhookEvent(
  ctx: PlatformContext,
  eventId: string,
  opts: SendOptions = {},
): Promise<{ attempt: q.WebhookAttemptRow; event: q.WebhookEventRow }> {
  const ev = await q.findDeliverableEvent(ctx.sql, eventId);
  if (!ev) throw new DomainError("not_found", "No such webhook event");
  if (!ev.webhook_url) throw new DomainError("validation_failed", `The project has no ${ev.environment} webhook URL`, { webhook_url: "required to resend" });
  // No transaction is open during the HTTP call; the result is one statement afterwards.
  const { result, attempt } = await sendEvent(ctx, ev, "manual", opts);
  const row = await q.recordManualAttempt(ctx.sql, { eventId, attempt, deliveredAt: result.ok ? ctx.now() : null });
  ctx.logger.info({ event_id: eventId, status: result.status, error: result.error }, "webhook resent by hand");
  const event = await q.findWebhookEvent(ctx.sql, eventId);
  if (!event) throw new DomainError("not_found", "No such webhook event");
  return { attempt: row, event };
}

export const TEST_WEBHOOK_TIMEOUT_MS = 10_000;

export interface TestWebhookResult {
  environment: Environment;
  url: string;
  ok: boolean;
  status: number | null;
  bodyExcerpt: string | null;
  error: string | null;
  durationMs: number;
  messageId: string;
}

/**
 * "Send test webhook": a signed `webhook.test` message POSTed now to one environment's endpoint,
 * signed with that endpoint's secrets, through the same send path and destination rule as every
 * delivery of that environment (not stored in the outbox, 10 s timeout). The send is kept as a
 * test send (db/migrations/0021_webhook_events_list.sql) for the console's Webhooks page.
 */
export async function sendTestWebhook(ctx: PlatformContext, projectId: string, environment: Environment, opts: SendOptions = {}): Promise<TestWebhookResult> {
  const endpoint = await getWebhookEndpoint(ctx.sql, projectId, environment);
  if (!endpoint.url) throw new DomainError("validation_failed", `Set the project's ${environment} webhook URL first`, { webhook_url: "required" });
  const messageId = newId("msg_test");
  const body = JSON.stringify({
    event: "webhook.test",
    project_id: projectId,
    environment,
    sent_at: toIsoSeconds(ctx.now()),
    message: "Test webhook from the Astapa admin console",
  });
  const sentAt = ctx.now();
  const r = await sendWebhook(ctx, { id: messageId, body, url: endpoint.url, secrets: endpoint, environment }, { timeoutMs: TEST_WEBHOOK_TIMEOUT_MS, ...opts });
  await insertWebhookTestSend(ctx.sql, {
    id: messageId,
    project_id: projectId,
    environment,
    event_type: "webhook.test",
    source: "console",
    url: endpoint.url,
    response_status: r.status,
    response_body: r.responseBody?.slice(0, 500) ?? null,
    error: r.error,
    duration_ms: r.durationMs,
    created_at: sentAt,
  });
  return {
    environment,
    url: endpoint.url,
    ok: r.ok,
    status: r.status,
    bodyExcerpt: r.responseBody?.slice(0, 500) ?? null,
    error: r.error,
    durationMs: r.durationMs,
    messageId,
  };
}

export { findWebhookEvent, listWebhookAttempts } from "./webhooks.queries";
