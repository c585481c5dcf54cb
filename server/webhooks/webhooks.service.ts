import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { toIsoSeconds } from "../lib/time";
import type { PlatformContext } from "../platform/context";
import { hasActiveCredential } from "../projects/projects.queries";
import { findProject, newWebhookSecret } from "../projects/projects.service";
import { sendEvent, sendWebhook, type SendOptions } from "./send";
import * as q from "./webhooks.queries";

/** How long the previous signing secret keeps verifying after a rotation. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3600_000;

/**
 * Sends an event now, by hand (the admin console's "resend"), to the project's current URL.
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
  if (!ev.webhook_url) throw new DomainError("validation_failed", "The project has no webhook URL", { webhook_url: "required to resend" });
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
  url: string;
  ok: boolean;
  status: number | null;
  bodyExcerpt: string | null;
  error: string | null;
  durationMs: number;
  messageId: string;
}

/**
 * "Send test webhook": a signed `webhook.test` message POSTed now to the project's URL, through
 * the same send path and destination rule as every delivery (not stored in the outbox, 10 s
 * timeout). A project holding a live (production) credential sends production webhooks, so its
 * test follows the production rule: public addresses only, unless the platform allows private ones.
 */
export async function sendTestWebhook(ctx: PlatformContext, projectId: string, opts: SendOptions = {}): Promise<TestWebhookResult> {
  const p = await findProject(ctx.sql, projectId);
  if (!p) throw new DomainError("not_found", "No such project");
  if (!p.webhook_url) throw new DomainError("validation_failed", "Set the project's webhook URL first", { webhook_url: "required" });
  const environment = (await hasActiveCredential(ctx.sql, p.id, "production")) ? "production" : "sandbox";
  const messageId = newId("msg_test");
  const body = JSON.stringify({
    event: "webhook.test",
    project_id: p.id,
    sent_at: toIsoSeconds(ctx.now()),
    message: "Test webhook from the Astapa admin console",
  });
  const r = await sendWebhook(ctx, { id: messageId, body, url: p.webhook_url, secrets: p, environment }, { timeoutMs: TEST_WEBHOOK_TIMEOUT_MS, ...opts });
  return {
    url: p.webhook_url,
    ok: r.ok,
    status: r.status,
    bodyExcerpt: r.responseBody?.slice(0, 500) ?? null,
    error: r.error,
    durationMs: r.durationMs,
    messageId,
  };
}

/**
 * Gives the project a new signing secret and returns it. The old one keeps being sent as a
 * second signature for 24 hours, so merchants can switch without dropping a webhook.
 */
export async function rotateWebhookSecret(db: Db, projectId: string, now: Date = new Date()): Promise<string> {
  const secret = newWebhookSecret();
  const found = await q.rotateSecret(db, projectId, secret, new Date(now.getTime() + SECRET_ROTATION_GRACE_MS));
  if (!found) throw new DomainError("not_found", "No such project");
  return secret;
}

export { findWebhookEvent, listWebhookAttempts } from "./webhooks.queries";
