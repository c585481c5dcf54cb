import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** An endpoint's signing secrets (webhook_endpoints: one endpoint per project and environment). */
export interface SigningSecrets {
  secret: string;
  secret_previous: string | null;
  secret_previous_expires_at: Date | null;
}

/** The secrets to sign with at `now`: the current one, plus the previous one during its grace period. */
export function activeSecrets(s: SigningSecrets, now: Date): string[] {
  const previous = s.secret_previous;
  const keepPrevious = previous && s.secret_previous_expires_at && s.secret_previous_expires_at.getTime() > now.getTime();
  return keepPrevious ? [s.secret, previous] : [s.secret];
}

/**
 * Standard Webhooks headers. `timestamp` is the real send time (receivers compare it with
 * their own clock, 5 minutes' tolerance). Several secrets give space-separated signatures,
 * any one of which verifies (secret rotation).
 */
export function signWebhook(
  msgId: string,
  body: string,
  secrets: string[],
  timestamp: Date = new Date(),
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  return {
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": secrets.map((s) => new Webhook(s).sign(msgId, timestamp, body)).join(" "),
  };
}
