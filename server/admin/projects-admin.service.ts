import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import * as projects from "../projects/projects.queries";
import { environmentSchema, storeUrlTemplateSchema, webhookUrlSchema, type CredentialRow, type Environment } from "../projects/projects.schema";
import { createProject, isUsable, issueCredential, revokeCredential, setCredentialExpiry, type CreatedProject } from "../projects/projects.service";
import type { ResolveAll } from "../webhooks/destination";
import {
  checkWebhookDestination,
  getWebhookEndpoint,
  listWebhookEndpoints,
  reenableWebhookEndpoint,
  rotateWebhookSecret,
  setWebhookEndpointEventTypes,
  setWebhookEndpointUrl,
  WEBHOOK_ENVIRONMENTS,
  type WebhookEndpointRow,
} from "../webhooks/endpoints";
import { merchantEventTypes } from "../payments/purchase-events";
import { sendTestWebhook as sendTestWebhookToEndpoint, type TestWebhookResult } from "../webhooks/webhooks.service";
import { writeAudit, type Actor } from "./audit.service";

export interface ProjectSummary {
  id: string;
  name: string;
  /** The URL of each environment's webhook endpoint (null: none). */
  webhook_urls: Record<Environment, string | null>;
  store_url_template: string | null;
  created_at: string;
  updated_at: string;
  active_credentials: number;
  payments: number;
}

/**
 * A credential's state: `active`; `expiring` (the old one of a rotation, still working until
 * `expires_at`); `expired` (its overlap is over); `revoked`.
 */
export type CredentialStatus = "active" | "expiring" | "expired" | "revoked";

export interface CredentialView {
  id: string;
  environment: Environment;
  client_id: string;
  secret_last4: string;
  created_at: string;
  status: CredentialStatus;
  revoked_at: string | null;
  /** Set by a rotation with an overlap: it stops working then. */
  expires_at: string | null;
  /** Written at most once a minute per credential (server/projects/credential-usage.ts). */
  last_used_at: string | null;
}

/** One environment's webhook endpoint as the console shows it. */
export interface EndpointView {
  environment: Environment;
  url: string | null;
  /** The signing secret, masked (reveal it explicitly: that is audited). */
  secret_hint: string;
  /** While set, the previous secret still signs too (rotation overlap). */
  secret_previous_expires_at: string | null;
  /** Set when every attempt failed for 5 days: its events are held until it is re-enabled. */
  disabled_at: string | null;
  /** When its current run of failed attempts began (null: its last attempt was delivered). */
  failing_since: string | null;
  /** The event types it receives; null = all. */
  event_types: string[] | null;
  updated_at: string;
}

export interface ProjectDetail extends ProjectSummary {
  credentials: CredentialView[];
  endpoints: Record<Environment, EndpointView>;
}

function credentialStatus(c: CredentialRow, now: Date): CredentialStatus {
  if (c.revoked_at) return "revoked";
  if (!isUsable(c, now)) return "expired";
  return c.expires_at ? "expiring" : "active";
}

const toCredentialView = (c: CredentialRow, now: Date): CredentialView => ({
  id: c.id,
  environment: c.environment,
  client_id: c.client_id,
  secret_last4: c.secret_last4,
  created_at: c.created_at.toISOString(),
  status: credentialStatus(c, now),
  revoked_at: c.revoked_at?.toISOString() ?? null,
  expires_at: c.expires_at?.toISOString() ?? null,
  last_used_at: c.last_used_at?.toISOString() ?? null,
});

const toSummary = ({ sandbox_webhook_url, production_webhook_url, ...r }: projects.ProjectSummaryRow): ProjectSummary => ({
  ...r,
  webhook_urls: { sandbox: sandbox_webhook_url, production: production_webhook_url },
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

const secretHint = (secret: string) => `whsec_…${secret.slice(-4)}`;

function toEndpointView(e: WebhookEndpointRow, now: Date): EndpointView {
  const overlap = e.secret_previous && e.secret_previous_expires_at && e.secret_previous_expires_at.getTime() > now.getTime();
  return {
    environment: e.environment,
    url: e.url,
    secret_hint: secretHint(e.secret),
    secret_previous_expires_at: overlap ? (e.secret_previous_expires_at?.toISOString() ?? null) : null,
    disabled_at: e.disabled_at?.toISOString() ?? null,
    failing_since: e.failing_since?.toISOString() ?? null,
    event_types: e.event_types,
    updated_at: e.updated_at.toISOString(),
  };
}

function endpointViews(rows: WebhookEndpointRow[], now: Date): Record<Environment, EndpointView> {
  const view = (env: Environment) => {
    const row = rows.find((r) => r.environment === env);
    if (!row) throw new DomainError("not_found", `The project has no ${env} webhook endpoint`);
    return toEndpointView(row, now);
  };
  return { sandbox: view("sandbox"), production: view("production") };
}

/** The console's project list: newest first, at most this many. */
const PROJECT_LIST_LIMIT = 1000;

/** `active_credentials` counts the credentials usable at `now` (those in a rotation's overlap too, until it ends). */
export async function listProjects(db: Db, now: Date): Promise<ProjectSummary[]> {
  return (await projects.listProjectSummaries(db, PROJECT_LIST_LIMIT, now)).map(toSummary);
}

export async function getProject(ctx: PlatformContext, id: string): Promise<ProjectDetail> {
  const now = ctx.now();
  const row = await projects.findProjectSummary(ctx.sql, id, now);
  if (!row) throw new DomainError("not_found", "No such project");
  const creds = await projects.listCredentials(ctx.sql, id, now);
  const endpoints = await listWebhookEndpoints(ctx.sql, id);
  return { ...toSummary(row), credentials: creds.map((c) => toCredentialView(c, now)), endpoints: endpointViews(endpoints, now) };
}

const nullableUrl = <T extends z.ZodType>(s: T) => z.union([z.literal("").transform(() => null), z.null(), s]);

// Strict: a client still sending the single `webhook_url` of old gets a clear error, not a silent no-op.
export const projectCreateInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  sandbox_webhook_url: nullableUrl(webhookUrlSchema).optional(),
  production_webhook_url: nullableUrl(webhookUrlSchema).optional(),
  store_url_template: nullableUrl(storeUrlTemplateSchema).optional(),
});

/** A project's own fields; each endpoint's URL is set with setWebhookUrlInput. */
export const projectUpdateInput = z.strictObject({
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(200).optional(),
  store_url_template: nullableUrl(storeUrlTemplateSchema).optional(),
});

/** Which endpoint of which project: every endpoint procedure takes an environment. */
export const endpointRef = z.object({ projectId: z.string().trim().min(1).max(100), environment: environmentSchema });

export const setWebhookUrlInput = endpointRef.extend({ webhook_url: nullableUrl(webhookUrlSchema) });
/** The event types an endpoint receives: null = all (the default), else at least one of merchantEventTypes. */
export const setWebhookEventTypesInput = endpointRef.extend({ event_types: z.array(z.enum(merchantEventTypes)).min(1).max(merchantEventTypes.length).nullable() });

/** Options for tests: the resolver the save-time destination check uses. */
export interface EndpointCheckOptions {
  resolve?: ResolveAll;
}

/**
 * Creates a project with its two endpoints. Each URL given is held to the destination rule of its
 * environment first (a refused one is a `validation_failed` on its field; nothing is created).
 */
export async function createProjectAsAdmin(
  ctx: PlatformContext,
  actor: Actor,
  input: z.output<typeof projectCreateInput>,
  opts: EndpointCheckOptions = {},
): Promise<ProjectSummary> {
  const webhook_urls: Partial<Record<Environment, string | null>> = {};
  for (const env of WEBHOOK_ENVIRONMENTS) {
    const field = `${env}_webhook_url` as const;
    const url = input[field];
    // Checked before the transaction: the check may resolve a name (a network call).
    webhook_urls[env] = url ? await checkWebhookDestination(ctx.config, env, url, { field, resolve: opts.resolve }) : null;
  }
  const project = await ctx.sql.begin(async (tx) => {
    const p = await createProject(tx, { name: input.name, store_url_template: input.store_url_template, webhook_urls });
    await writeAudit(tx, actor, {
      action: "project.create",
      targetType: "project",
      targetId: p.id,
      details: { name: p.name, sandbox_webhook_url: webhook_urls.sandbox, production_webhook_url: webhook_urls.production, store_url_template: p.store_url_template },
    });
    return p;
  });
  return { ...summaryOf(project), active_credentials: 0, payments: 0 };
}

const summaryOf = (p: CreatedProject) => ({
  id: p.id,
  name: p.name,
  webhook_urls: { sandbox: p.endpoints.sandbox.url, production: p.endpoints.production.url },
  store_url_template: p.store_url_template,
  created_at: p.created_at.toISOString(),
  updated_at: p.updated_at.toISOString(),
});

export async function updateProject(ctx: PlatformContext, actor: Actor, input: z.output<typeof projectUpdateInput>): Promise<ProjectDetail> {
  const { id, ...changes } = input;
  await ctx.sql.begin(async (tx) => {
    const before = await projects.lockProject(tx, id);
    if (!before) throw new DomainError("not_found", "No such project");
    const next = {
      name: changes.name ?? before.name,
      store_url_template: changes.store_url_template === undefined ? before.store_url_template : changes.store_url_template,
    };
    await projects.updateProjectFields(tx, id, next);
    const diff = Object.fromEntries(
      (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== before[k]).map((k) => [k, { from: before[k], to: next[k] }]),
    );
    await writeAudit(tx, actor, { action: "project.update", targetType: "project", targetId: id, details: diff });
  });
  return getProject(ctx, id);
}

/**
 * Sets (or clears, with null) one environment's webhook URL, held to that environment's
 * destination rule first: a refused URL is a `validation_failed` on `webhook_url` and changes
 * nothing. Audited.
 */
export async function setProjectWebhookUrl(
  ctx: PlatformContext,
  actor: Actor,
  input: z.output<typeof setWebhookUrlInput>,
  opts: EndpointCheckOptions = {},
): Promise<ProjectDetail> {
  const url = input.webhook_url ? await checkWebhookDestination(ctx.config, input.environment, input.webhook_url, { resolve: opts.resolve }) : null;
  await ctx.sql.begin(async (tx) => {
    const change = await setWebhookEndpointUrl(tx, input.projectId, input.environment, url);
    await writeAudit(tx, actor, {
      action: "project.set_webhook_url",
      targetType: "project",
      targetId: input.projectId,
      details: { environment: input.environment, from: change.before, to: change.after },
    });
  });
  return getProject(ctx, input.projectId);
}

export interface IssuedCredentialView {
  credential: CredentialView;
  client_id: string;
  /** Shown once. */
  client_secret: string;
  /** Rotation: the credential replaced, and when it stops working (null: it was revoked at once). */
  previous?: { id: string; client_id: string; expires_at: string | null };
}

export async function issueCredentialAsAdmin(ctx: PlatformContext, actor: Actor, input: { projectId: string; environment: Environment }): Promise<IssuedCredentialView> {
  const env = input.environment;
  return ctx.sql.begin(async (tx) => {
    if (!(await projects.findProject(tx, input.projectId))) throw new DomainError("not_found", "No such project");
    const issued = await issueCredential(tx, input.projectId, env);
    await writeAudit(tx, actor, { action: "credential.create", targetType: "project", targetId: input.projectId, details: { credential_id: issued.credential.id, client_id: issued.client_id, environment: env } });
    return { credential: toCredentialView(issued.credential, ctx.now()), client_id: issued.client_id, client_secret: issued.client_secret };
  });
}

/** The credential, locked; `invalid_state` when it no longer works (revoked, or past its overlap). */
async function lockUsableCredential(tx: Db, credentialId: string, now: Date): Promise<CredentialRow> {
  const c = await projects.lockCredential(tx, credentialId);
  if (!c) throw new DomainError("not_found", "No such credential");
  if (c.revoked_at) throw new DomainError("invalid_state", "This credential is already revoked");
  if (!isUsable(c, now)) throw new DomainError("invalid_state", "This credential has already expired");
  return c;
}

/**
 * How long the old secret keeps working after a rotation (docs/api.md, "Rotating a client
 * secret"): `now` revokes it at once; the default gives the merchant a day to deploy the new one.
 */
export const CREDENTIAL_OVERLAPS_MS = { now: 0, "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 } as const;
export type CredentialOverlap = keyof typeof CREDENTIAL_OVERLAPS_MS;
export const credentialOverlaps = Object.keys(CREDENTIAL_OVERLAPS_MS) as [CredentialOverlap, ...CredentialOverlap[]];

export const credentialRotateInput = z.object({
  credentialId: z.string().trim().min(1).max(100),
  overlap: z.enum(credentialOverlaps).default("24h"),
});

/**
 * Rotate = issue a new credential for the same project and environment; the old one keeps working
 * for the chosen overlap (`expires_at`), or is revoked at once with `now`. One transaction,
 * audited with the overlap and the expiry. A credential already being replaced (in its overlap)
 * is not rotated again: rotate its successor, or revoke it.
 */
export async function rotateCredential(ctx: PlatformContext, actor: Actor, input: z.output<typeof credentialRotateInput>): Promise<IssuedCredentialView> {
  return ctx.sql.begin(async (tx) => {
    const now = ctx.now();
    const old = await lockUsableCredential(tx, input.credentialId, now);
    if (old.expires_at) {
      throw new DomainError("invalid_state", `This credential is already being replaced: it stops working at ${old.expires_at.toISOString()}`);
    }
    const issued = await issueCredential(tx, old.project_id, old.environment);
    const overlapMs = CREDENTIAL_OVERLAPS_MS[input.overlap];
    const expiresAt = overlapMs > 0 ? new Date(now.getTime() + overlapMs) : null;
    if (expiresAt) await setCredentialExpiry(tx, old.id, expiresAt);
    else await revokeCredential(tx, old.id, now);
    await writeAudit(tx, actor, {
      action: "credential.rotate",
      targetType: "project",
      targetId: old.project_id,
      details: {
        previous_credential_id: old.id,
        previous_client_id: old.client_id,
        credential_id: issued.credential.id,
        client_id: issued.client_id,
        environment: old.environment,
        overlap: input.overlap,
        // null: revoked at once.
        previous_expires_at: expiresAt?.toISOString() ?? null,
      },
    });
    return {
      credential: toCredentialView(issued.credential, now),
      client_id: issued.client_id,
      client_secret: issued.client_secret,
      previous: { id: old.id, client_id: old.client_id, expires_at: expiresAt?.toISOString() ?? null },
    };
  });
}

/** Stops a credential at once; one in a rotation's overlap stops now instead of at its expiry. Audited. */
export async function revokeCredentialAsAdmin(ctx: PlatformContext, actor: Actor, credentialId: string): Promise<{ id: string; revoked: true }> {
  return ctx.sql.begin(async (tx) => {
    const now = ctx.now();
    const c = await lockUsableCredential(tx, credentialId, now);
    await revokeCredential(tx, c.id, now);
    await writeAudit(tx, actor, {
      action: "credential.revoke",
      targetType: "project",
      targetId: c.project_id,
      details: { credential_id: c.id, client_id: c.client_id, environment: c.environment, ...(c.expires_at ? { overlap_cut_short: c.expires_at.toISOString() } : {}) },
    });
    return { id: c.id, revoked: true as const };
  });
}

type EndpointRef = z.output<typeof endpointRef>;

/** One environment's signing secret in clear (the merchant needs it to verify webhooks). Audited. */
export async function revealWebhookSecret(
  ctx: PlatformContext,
  actor: Actor,
  ref: EndpointRef,
): Promise<{ environment: Environment; webhook_secret: string; previous_expires_at: string | null }> {
  const e = await getWebhookEndpoint(ctx.sql, ref.projectId, ref.environment);
  await writeAudit(ctx.sql, actor, { action: "project.reveal_webhook_secret", targetType: "project", targetId: ref.projectId, details: { environment: ref.environment } });
  return { environment: ref.environment, webhook_secret: e.secret, previous_expires_at: toEndpointView(e, ctx.now()).secret_previous_expires_at };
}

/** A new signing secret for one environment (the old one keeps signing for a grace period: webhooks/endpoints.ts). Audited. */
export async function rotateProjectWebhookSecret(ctx: PlatformContext, actor: Actor, ref: EndpointRef): Promise<{ environment: Environment; webhook_secret: string }> {
  const webhook_secret = await rotateWebhookSecret(ctx.sql, ref.projectId, ref.environment, ctx.now());
  await writeAudit(ctx.sql, actor, { action: "project.rotate_webhook_secret", targetType: "project", targetId: ref.projectId, details: { environment: ref.environment } });
  return { environment: ref.environment, webhook_secret };
}

/** "Send test webhook" to one environment's endpoint (the webhooks service sends it, through the same path and rule as every delivery). Audited. */
export async function sendTestWebhook(ctx: PlatformContext, actor: Actor, ref: EndpointRef): Promise<TestWebhookResult> {
  const r = await sendTestWebhookToEndpoint(ctx, ref.projectId, ref.environment);
  await writeAudit(ctx.sql, actor, {
    action: "project.test_webhook",
    targetType: "project",
    targetId: ref.projectId,
    details: { environment: ref.environment, url: r.url, ok: r.ok, status: r.status, error: r.error },
  });
  return r;
}

/**
 * Re-enables a disabled endpoint and replays what it missed: its held events are due now, and the
 * events that gave up during its failure run get a fresh schedule (docs/api.md, "Disabled
 * endpoints"). Audited. `invalid_state` when the endpoint is not disabled.
 */
export async function reenableProjectWebhookEndpoint(ctx: PlatformContext, actor: Actor, ref: EndpointRef): Promise<ProjectDetail & { replayed: number }> {
  const replayed = await ctx.sql.begin(async (tx) => {
    const r = await reenableWebhookEndpoint(tx, ref.projectId, ref.environment, ctx.now());
    await writeAudit(tx, actor, {
      action: "project.reenable_webhook_endpoint",
      targetType: "project",
      targetId: ref.projectId,
      details: { environment: ref.environment, replayed: r.replayed, failing_since: r.failing_since?.toISOString() ?? null },
    });
    return r.replayed;
  });
  return { ...(await getProject(ctx, ref.projectId)), replayed };
}

/** Limits one environment's endpoint to some event types (null: all). Audited. */
export async function setProjectWebhookEventTypes(ctx: PlatformContext, actor: Actor, input: z.output<typeof setWebhookEventTypesInput>): Promise<ProjectDetail> {
  await ctx.sql.begin(async (tx) => {
    const types = await setWebhookEndpointEventTypes(tx, input.projectId, input.environment, input.event_types);
    await writeAudit(tx, actor, {
      action: "project.set_webhook_event_types",
      targetType: "project",
      targetId: input.projectId,
      details: { environment: input.environment, event_types: types },
    });
  });
  return getProject(ctx, input.projectId);
}
