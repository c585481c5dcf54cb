import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { Environment } from "../midtrans/gateway";
import { destinationPolicy, refusalFor, resolveAll, type DestinationConfig, type DestinationNotAllowedError, type ResolveAll } from "./destination";
import * as q from "./endpoints.queries";
import { newWebhookSecret } from "./signing";

/**
 * A project's webhook endpoints: one per environment, each with its own URL and its own signing
 * secret (docs/decisions/0006-webhook-endpoints-per-environment.md). A sandbox event is never
 * sent to the production endpoint nor signed with the production secret.
 */
export const WEBHOOK_ENVIRONMENTS = ["sandbox", "production"] as const satisfies readonly Environment[];

export type { WebhookEndpointRow } from "./endpoints.queries";

/** How long the previous signing secret keeps verifying after a rotation. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3600_000;

/**
 * Both endpoints of a new project, each with a fresh secret (inside the caller's transaction).
 * The URLs must have passed checkWebhookDestination.
 */
export async function createWebhookEndpoints(
  db: Db,
  projectId: string,
  urls: Partial<Record<Environment, string | null>> = {},
): Promise<Record<Environment, q.WebhookEndpointRow>> {
  const rows = await q.insertEndpoints(
    db,
    projectId,
    WEBHOOK_ENVIRONMENTS.map((environment) => ({ environment, url: urls[environment] ?? null, secret: newWebhookSecret() })),
  );
  const byEnv = (env: Environment) => rows.find((r) => r.environment === env) ?? failMissing(env);
  return { sandbox: byEnv("sandbox"), production: byEnv("production") };
}

const failMissing = (env: Environment): never => {
  throw new Error(`the ${env} endpoint was not written`);
};

/** At most this long for the save-time name resolution; past it the name is checked at delivery only. */
const SAVE_RESOLVE_TIMEOUT_MS = 3_000;

/**
 * The destination rule when an endpoint URL is saved (the same rule every test webhook and
 * delivery is held to at connect time: destination.ts). Answers the URL as WHATWG URL normalises
 * it (127.1 → 127.0.0.1), which is what is stored and shown. A refused URL is a
 * `validation_failed` on `field`. A name that does not resolve now is accepted: every delivery
 * resolves it again and checks what it gets.
 */
export async function checkWebhookDestination(
  config: DestinationConfig,
  environment: Environment,
  url: string,
  opts: { field?: string; resolve?: ResolveAll } = {},
): Promise<string> {
  const field = opts.field ?? "webhook_url";
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DomainError("validation_failed", "Invalid webhook URL", { [field]: "must be an http(s) URL" });
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new DomainError("validation_failed", "Invalid webhook URL", { [field]: "must be an http(s) URL" });
  const policy = destinationPolicy(config, environment);
  const refusal = await withTimeout(refusalFor(policy, u.hostname, opts.resolve ?? resolveAll), SAVE_RESOLVE_TIMEOUT_MS).catch(() => null);
  if (refusal) {
    const allowed = policy === "public" ? "public addresses only" : "public and loopback addresses only";
    throw new DomainError("validation_failed", `This ${environment} webhook URL is not allowed`, {
      [field]: `${refusal.message}; this deployment sends ${environment} webhooks to ${allowed}`,
    });
  }
  return u.href;
}

function withTimeout(p: Promise<DestinationNotAllowedError | null>, ms: number): Promise<DestinationNotAllowedError | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** An endpoint, or not_found (every project has both). */
export async function getWebhookEndpoint(db: Db, projectId: string, environment: Environment): Promise<q.WebhookEndpointRow> {
  const e = await q.findEndpoint(db, projectId, environment);
  if (!e) throw new DomainError("not_found", "No such project");
  return e;
}

/** Sets an endpoint's URL (null: none). `url` must have passed checkWebhookDestination. */
export async function setWebhookEndpointUrl(db: Db, projectId: string, environment: Environment, url: string | null): Promise<{ before: string | null; after: string | null }> {
  const r = await q.updateEndpointUrl(db, projectId, environment, url);
  if (!r) throw new DomainError("not_found", "No such project");
  return r;
}

/**
 * Gives one endpoint a new signing secret and returns it. The old one keeps being sent as a
 * second signature for 24 hours, so merchants can switch without dropping a webhook.
 */
export async function rotateWebhookSecret(db: Db, projectId: string, environment: Environment, now: Date = new Date()): Promise<string> {
  const secret = newWebhookSecret();
  const found = await q.rotateEndpointSecret(db, projectId, environment, secret, new Date(now.getTime() + SECRET_ROTATION_GRACE_MS));
  if (!found) throw new DomainError("not_found", "No such project");
  return secret;
}

/**
 * Re-enables a disabled endpoint and replays what it missed (its held events are due now; events
 * that gave up during its failure run get a fresh schedule): docs/api.md, "Disabled endpoints".
 * `invalid_state` when the endpoint is not disabled.
 */
export async function reenableWebhookEndpoint(db: Db, projectId: string, environment: Environment, now: Date): Promise<{ replayed: number; failing_since: Date | null }> {
  const r = await q.reenableEndpoint(db, projectId, environment, now);
  if (!r) throw new DomainError("not_found", "No such project");
  if (!r.was_disabled) throw new DomainError("invalid_state", `The ${environment} webhook endpoint is not disabled`);
  return { replayed: r.replayed, failing_since: r.failing_since };
}

/**
 * Limits an endpoint to some event types (null or every type: all, the default). An event of
 * another type is recorded as `no_endpoint` when it is written (docs/decisions/0008-fair-delivery.md).
 */
export async function setWebhookEndpointEventTypes(
  db: Db,
  projectId: string,
  environment: Environment,
  eventTypes: readonly string[] | null,
): Promise<string[] | null> {
  const types = eventTypes === null ? null : [...new Set(eventTypes)].sort();
  if (!(await q.updateEndpointEventTypes(db, projectId, environment, types))) throw new DomainError("not_found", "No such project");
  return types;
}

export { listDisabledEndpoints, listEndpoints as listWebhookEndpoints, type DisabledEndpointRow } from "./endpoints.queries";
