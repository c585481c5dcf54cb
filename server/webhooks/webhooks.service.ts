import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import { newWebhookSecret } from "../projects/projects.service";
import { sendEvent, type SendOptions } from "./send";
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
  const event = (await q.findWebhookEvent(ctx.sql, eventId))!;
  return { attempt: row, event };
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
