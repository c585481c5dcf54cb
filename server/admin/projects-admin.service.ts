import { z } from "zod";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { createProject, issueCredential, revokeCredential } from "../projects/projects.service";
import { environmentSchema, storeUrlTemplateSchema, webhookUrlSchema, type CredentialRow, type ProjectRow } from "../projects/projects.schema";
import { deliverOnce } from "../webhooks/delivery";
import { activeSecrets, signWebhook } from "../webhooks/signing";
import { rotateWebhookSecret } from "../webhooks/webhooks.service";
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
  environment: "sandbox" | "production";
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

type SummaryRow = Omit<ProjectSummary, "created_at" | "updated_at"> & { created_at: Date; updated_at: Date };
const toSummary = (r: SummaryRow): ProjectSummary => ({ ...r, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString() });

export async function listProjects(db: Db): Promise<ProjectSummary[]> {
  const rows = await db<SummaryRow[]>`
    select pr.id, pr.name, pr.webhook_url, pr.store_url_template, pr.created_at, pr.updated_at,
           (select count(*)::int from api_credentials c where c.project_id = pr.id and c.revoked_at is null) as active_credentials,
           (select count(*)::int from purchases p where p.project_id = pr.id) as payments
    from projects pr order by pr.created_at desc limit 1000`;
  return rows.map(toSummary);
}

export async function getProject(db: Db, id: string): Promise<ProjectDetail> {
  const [row] = await db<(SummaryRow & { webhook_secret: string; webhook_secret_previous_expires_at: Date | null })[]>`
    select pr.id, pr.name, pr.webhook_url, pr.store_url_template, pr.created_at, pr.updated_at, pr.webhook_secret,
           pr.webhook_secret_previous_expires_at,
           (select count(*)::int from api_credentials c where c.project_id = pr.id and c.revoked_at is null) as active_credentials,
           (select count(*)::int from purchases p where p.project_id = pr.id) as payments
    from projects pr where pr.id = ${id}`;
  if (!row) throw new DomainError("not_found", "No such project");
  const creds = await db<CredentialRow[]>`select * from api_credentials where project_id = ${id} order by revoked_at nulls first, created_at desc`;
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

const fieldsOf = (issues: { path: PropertyKey[]; message: string }[]) => Object.fromEntries(issues.map((i) => [i.path.map(String).join(".") || "body", i.message]));

export async function createProjectAsAdmin(ctx: PlatformContext, actor: Actor, input: z.input<typeof projectCreateInput>): Promise<ProjectSummary> {
  const parsed = projectCreateInput.safeParse(input);
  if (!parsed.success) throw new DomainError("validation_failed", "The project is invalid", fieldsOf(parsed.error.issues));
  const project = await ctx.sql.begin(async (tx) => {
    const p = await createProject(tx, parsed.data);
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

export async function updateProject(ctx: PlatformContext, actor: Actor, input: z.input<typeof projectUpdateInput>): Promise<ProjectDetail> {
  const parsed = projectUpdateInput.safeParse(input);
  if (!parsed.success) throw new DomainError("validation_failed", "The project is invalid", fieldsOf(parsed.error.issues));
  const { id, ...changes } = parsed.data;
  await ctx.sql.begin(async (tx) => {
    const [before] = await tx<ProjectRow[]>`select * from projects where id = ${id} for update`;
    if (!before) throw new DomainError("not_found", "No such project");
    const next = {
      name: changes.name ?? before.name,
      webhook_url: changes.webhook_url === undefined ? before.webhook_url : changes.webhook_url,
      store_url_template: changes.store_url_template === undefined ? before.store_url_template : changes.store_url_template,
    };
    await tx`update projects set name = ${next.name}, webhook_url = ${next.webhook_url}, store_url_template = ${next.store_url_template}, updated_at = now()
             where id = ${id}`;
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

export async function issueCredentialAsAdmin(ctx: PlatformContext, actor: Actor, input: { projectId: string; environment: "sandbox" | "production" }): Promise<IssuedCredentialView> {
  const env = environmentSchema.parse(input.environment);
  return ctx.sql.begin(async (tx) => {
    const [p] = await tx`select id from projects where id = ${input.projectId}`;
    if (!p) throw new DomainError("not_found", "No such project");
    const issued = await issueCredential(tx, input.projectId, env);
    await writeAudit(tx, actor, { action: "credential.create", targetType: "project", targetId: input.projectId, details: { credential_id: issued.credential.id, client_id: issued.client_id, environment: env } });
    return { credential: toCredentialView(issued.credential), client_id: issued.client_id, client_secret: issued.client_secret };
  });
}

async function lockCredential(tx: Db, credentialId: string): Promise<CredentialRow> {
  const [c] = await tx<CredentialRow[]>`select * from api_credentials where id = ${credentialId} for update`;
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
  const [p] = await ctx.sql<ProjectRow[]>`select * from projects where id = ${projectId}`;
  if (!p) throw new DomainError("not_found", "No such project");
  await writeAudit(ctx.sql, actor, { action: "project.reveal_webhook_secret", targetType: "project", targetId: projectId });
  const keepPrevious = p.webhook_secret_previous_expires_at && p.webhook_secret_previous_expires_at.getTime() > ctx.now().getTime();
  return { webhook_secret: p.webhook_secret, previous_expires_at: keepPrevious ? p.webhook_secret_previous_expires_at!.toISOString() : null };
}

/** New signing secret (the old one keeps signing for a grace period: webhooks service). Audited. */
export async function rotateProjectWebhookSecret(ctx: PlatformContext, actor: Actor, projectId: string): Promise<{ webhook_secret: string }> {
  const webhook_secret = await rotateWebhookSecret(ctx.sql, projectId, ctx.now());
  await writeAudit(ctx.sql, actor, { action: "project.rotate_webhook_secret", targetType: "project", targetId: projectId });
  return { webhook_secret };
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
 * "Send test webhook": a signed (Standard Webhooks) `webhook.test` event POSTed straight to the
 * project's webhook URL, 10 s timeout, not through the outbox. Private addresses are refused
 * for projects with live (production) credentials unless the platform allows them.
 */
export async function sendTestWebhook(ctx: PlatformContext, actor: Actor, projectId: string): Promise<TestWebhookResult> {
  const [p] = await ctx.sql<(ProjectRow & { has_production: boolean })[]>`
    select pr.*, exists (select 1 from api_credentials c where c.project_id = pr.id and c.environment = 'production' and c.revoked_at is null) as has_production
    from projects pr where pr.id = ${projectId}`;
  if (!p) throw new DomainError("not_found", "No such project");
  if (!p.webhook_url) throw new DomainError("validation_failed", "Set the project's webhook URL first", { webhook_url: "required" });
  const messageId = newId("msg_test");
  const now = ctx.now();
  const body = JSON.stringify({
    event: "webhook.test",
    project_id: p.id,
    sent_at: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    message: "Test webhook from the Astapa admin console",
  });
  const r = await deliverOnce({
    url: p.webhook_url,
    body,
    headers: signWebhook(messageId, body, activeSecrets(p, now)),
    restrictDestination: p.has_production && !ctx.config.allowPrivateWebhookUrls,
    timeoutMs: TEST_WEBHOOK_TIMEOUT_MS,
  });
  const result: TestWebhookResult = {
    url: p.webhook_url,
    ok: r.ok,
    status: r.status,
    bodyExcerpt: r.responseBody?.slice(0, 500) ?? null,
    error: r.error,
    durationMs: r.durationMs,
    messageId,
  };
  await writeAudit(ctx.sql, actor, { action: "project.test_webhook", targetType: "project", targetId: p.id, details: { url: p.webhook_url, ok: r.ok, status: r.status, error: r.error } });
  return result;
}
