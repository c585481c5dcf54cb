import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";
import * as projects from "../projects/projects.queries";
import { storeUrlTemplateSchema, webhookUrlSchema, type CredentialRow, type Environment, type ProjectRow } from "../projects/projects.schema";
import { createProject, issueCredential, revokeCredential } from "../projects/projects.service";
import { rotateWebhookSecret, sendTestWebhook as sendTestWebhookToProject, type TestWebhookResult } from "../webhooks/webhooks.service";
import { writeAudit, type Actor } from "./audit.service";

export interface ProjectSummary {
  id: string;
  name: string;
  webhook_url: string | null;
  store_url_template: string | null;
  created_at: string;
  updated_at: string;
  active_credentials: number;
  payments: number;
}

export interface CredentialView {
  id: string;
  environment: Environment;
  client_id: string;
  secret_last4: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface ProjectDetail extends ProjectSummary {
  credentials: CredentialView[];
  /** The signing secret, masked (reveal it explicitly: that is audited). */
  webhook_secret_hint: string;
  webhook_secret_previous_expires_at: string | null;
}

const toCredentialView = (c: CredentialRow): CredentialView => ({
  id: c.id,
  environment: c.environment,
  client_id: c.client_id,
  secret_last4: c.secret_last4,
  created_at: c.created_at.toISOString(),
  revoked_at: c.revoked_at?.toISOString() ?? null,
  last_used_at: c.last_used_at?.toISOString() ?? null,
});

const toSummary = (r: projects.ProjectSummaryRow): ProjectSummary => ({ ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() });

/** The console's project list: newest first, at most this many. */
const PROJECT_LIST_LIMIT = 1000;

export async function listProjects(db: Db): Promise<ProjectSummary[]> {
  return (await projects.listProjectSummaries(db, PROJECT_LIST_LIMIT)).map(toSummary);
}

export async function getProject(db: Db, id: string): Promise<ProjectDetail> {
  const row = await projects.findProjectSummary(db, id);
  if (!row) throw new DomainError("not_found", "No such project");
  const creds = await projects.listCredentials(db, id);
  const { webhook_secret, webhook_secret_previous_expires_at, ...summary } = row;
  return {
    ...toSummary(summary),
    credentials: creds.map(toCredentialView),
    webhook_secret_hint: `whsec_…${webhook_secret.slice(-4)}`,
    webhook_secret_previous_expires_at: webhook_secret_previous_expires_at?.toISOString() ?? null,
  };
}

const nullableUrl = <T extends z.ZodType>(s: T) => z.union([z.literal("").transform(() => null), z.null(), s]);

export const projectCreateInput = z.object({
  name: z.string().trim().min(1).max(200),
  webhook_url: nullableUrl(webhookUrlSchema).optional(),
  store_url_template: nullableUrl(storeUrlTemplateSchema).optional(),
});

export const projectUpdateInput = projectCreateInput.partial().extend({ id: z.string().min(1).max(100) });

export async function createProjectAsAdmin(ctx: PlatformContext, actor: Actor, input: z.output<typeof projectCreateInput>): Promise<ProjectSummary> {
  const project = await ctx.sql.begin(async (tx) => {
    const p = await createProject(tx, input);
    await writeAudit(tx, actor, { action: "project.create", targetType: "project", targetId: p.id, details: { name: p.name, webhook_url: p.webhook_url, store_url_template: p.store_url_template } });
    return p;
  });
  return { ...summaryOf(project), active_credentials: 0, payments: 0 };
}

const summaryOf = (p: ProjectRow) => ({
  id: p.id,
  name: p.name,
  webhook_url: p.webhook_url,
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
      webhook_url: changes.webhook_url === undefined ? before.webhook_url : changes.webhook_url,
      store_url_template: changes.store_url_template === undefined ? before.store_url_template : changes.store_url_template,
    };
    await projects.updateProjectFields(tx, id, next);
    const diff = Object.fromEntries(
      (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== before[k]).map((k) => [k, { from: before[k], to: next[k] }]),
    );
    await writeAudit(tx, actor, { action: "project.update", targetType: "project", targetId: id, details: diff });
  });
  return getProject(ctx.sql, id);
}

export interface IssuedCredentialView {
  credential: CredentialView;
  client_id: string;
  /** Shown once. */
  client_secret: string;
  revoked?: string;
}

export async function issueCredentialAsAdmin(ctx: PlatformContext, actor: Actor, input: { projectId: string; environment: Environment }): Promise<IssuedCredentialView> {
  const env = input.environment;
  return ctx.sql.begin(async (tx) => {
    if (!(await projects.findProject(tx, input.projectId))) throw new DomainError("not_found", "No such project");
    const issued = await issueCredential(tx, input.projectId, env);
    await writeAudit(tx, actor, { action: "credential.create", targetType: "project", targetId: input.projectId, details: { credential_id: issued.credential.id, client_id: issued.client_id, environment: env } });
    return { credential: toCredentialView(issued.credential), client_id: issued.client_id, client_secret: issued.client_secret };
  });
}

async function lockCredential(tx: Db, credentialId: string): Promise<CredentialRow> {
  const c = await projects.lockCredential(tx, credentialId);
  if (!c) throw new DomainError("not_found", "No such credential");
  if (c.revoked_at) throw new DomainError("invalid_state", "This credential is already revoked");
  return c;
}

/** Rotate = issue a new credential for the same project and environment, and revoke the old one (one transaction). */
export async function rotateCredential(ctx: PlatformContext, actor: Actor, credentialId: string): Promise<IssuedCredentialView> {
  return ctx.sql.begin(async (tx) => {
    const old = await lockCredential(tx, credentialId);
    const issued = await issueCredential(tx, old.project_id, old.environment);
    await revokeCredential(tx, old.id);
    await writeAudit(tx, actor, {
      action: "credential.rotate",
      targetType: "project",
      targetId: old.project_id,
      details: { revoked_credential_id: old.id, revoked_client_id: old.client_id, credential_id: issued.credential.id, client_id: issued.client_id, environment: old.environment },
    });
    return { credential: toCredentialView(issued.credential), client_id: issued.client_id, client_secret: issued.client_secret, revoked: old.id };
  });
}

export async function revokeCredentialAsAdmin(ctx: PlatformContext, actor: Actor, credentialId: string): Promise<{ id: string; revoked: true }> {
  return ctx.sql.begin(async (tx) => {
    const c = await lockCredential(tx, credentialId);
    await revokeCredential(tx, c.id);
    await writeAudit(tx, actor, { action: "credential.revoke", targetType: "project", targetId: c.project_id, details: { credential_id: c.id, client_id: c.client_id, environment: c.environment } });
    return { id: c.id, revoked: true as const };
  });
}

/** The signing secret in clear (the merchant needs it to verify webhooks). Audited. */
export async function revealWebhookSecret(ctx: PlatformContext, actor: Actor, projectId: string): Promise<{ webhook_secret: string; previous_expires_at: string | null }> {
  const p = await projects.findProject(ctx.sql, projectId);
  if (!p) throw new DomainError("not_found", "No such project");
  await writeAudit(ctx.sql, actor, { action: "project.reveal_webhook_secret", targetType: "project", targetId: projectId });
  const previousExpiresAt = p.webhook_secret_previous_expires_at;
  const keepPrevious = previousExpiresAt && previousExpiresAt.getTime() > ctx.now().getTime();
  return { webhook_secret: p.webhook_secret, previous_expires_at: keepPrevious ? previousExpiresAt.toISOString() : null };
}

/** New signing secret (the old one keeps signing for a grace period: webhooks service). Audited. */
export async function rotateProjectWebhookSecret(ctx: PlatformContext, actor: Actor, projectId: string): Promise<{ webhook_secret: string }> {
  const webhook_secret = await rotateWebhookSecret(ctx.sql, projectId, ctx.now());
  await writeAudit(ctx.sql, actor, { action: "project.rotate_webhook_secret", targetType: "project", targetId: projectId });
  return { webhook_secret };
}

/** "Send test webhook" (the webhooks service sends it, through the same path as every delivery). Audited. */
export async function sendTestWebhook(ctx: PlatformContext, actor: Actor, projectId: string): Promise<TestWebhookResult> {
  const r = await sendTestWebhookToProject(ctx, projectId);
  await writeAudit(ctx.sql, actor, { action: "project.test_webhook", targetType: "project", targetId: projectId, details: { url: r.url, ok: r.ok, status: r.status, error: r.error } });
  return r;
}
