import { createHash, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/connect";
import { DomainError } from "../lib/errors";
import { newId, newSecret } from "../lib/ids";
import type { Environment } from "../midtrans/gateway";
import type { PlatformContext } from "../platform/context";
import type { CreateProjectInput, CredentialRow, ProjectRow } from "./projects.schema";
import * as q from "./projects.queries";
import { insertSentinelItem } from "../items/items.queries";
import { createWebhookEndpoints, type WebhookEndpointRow } from "../webhooks/endpoints";

const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");
// Compared against when the client_id is unknown, so both failures cost the same.
const DUMMY_HASH = hashSecret("astapa-unknown-client");

export interface CreatedProject extends ProjectRow {
  /** Its webhook endpoints, one per environment, each with its own signing secret. */
  endpoints: Record<Environment, WebhookEndpointRow>;
}

/**
 * A new project with its two webhook endpoints (sandbox and production, each with its own
 * signing secret) and its `__direct__` item. `input` is validated by the caller (the names and
 * templates with the schemas of projects.schema.ts, the URLs with checkWebhookDestination).
 */
export async function createProject(db: Db, input: CreateProjectInput): Promise<CreatedProject> {
  const project = await q.insertProject(db, { id: newId("prj"), name: input.name, store_url_template: input.store_url_template ?? null });
  const endpoints = await createWebhookEndpoints(db, project.id, input.webhook_urls);
  await insertSentinelItem(db, project.id);
  return { ...project, endpoints };
}

export interface IssuedCredential {
  credential: CredentialRow;
  client_id: string;
  /** Shown once: only its hash is stored. */
  client_secret: string;
}

export async function issueCredential(db: Db, projectId: string, environment: Environment): Promise<IssuedCredential> {
  const envTag = environment === "sandbox" ? "sandbox" : "live";
  const client_id = newId(`ast_${envTag}`, 20);
  const client_secret = newSecret(`sk_${envTag}`);
  const credential = await q.insertCredential(db, {
    id: newId("cred"),
    project_id: projectId,
    environment,
    client_id,
    secret_hash: hashSecret(client_secret),
    secret_last4: client_secret.slice(-4),
  });
  return { credential, client_id, client_secret };
}

/** Not revoked and not past a rotation's overlap. */
export const isUsable = (c: Pick<CredentialRow, "revoked_at" | "expires_at">, now: Date): boolean =>
  !c.revoked_at && (!c.expires_at || c.expires_at.getTime() > now.getTime());

/** What authenticating a client needs: the database, the clock, and where its use is noted. */
export type ClientAuthContext = Pick<PlatformContext, "sql" | "now" | "credentialUsage">;

/**
 * Checks client credentials. Unknown client, wrong secret, revoked credential and a credential
 * past its rotation overlap (`expires_at`) all answer the same `invalid_client`, after the same
 * work: one lookup, one constant-time hash comparison. A success is noted for `last_used_at`
 * in memory only (no await, no extra statement: server/projects/credential-usage.ts).
 */
export async function authenticateClient(ctx: ClientAuthContext, clientId: unknown, clientSecret: unknown): Promise<CredentialRow> {
  const id = typeof clientId === "string" ? clientId : "";
  const secret = typeof clientSecret === "string" ? clientSecret : "";
  const credential = id && id.length <= 200 ? await q.findCredentialByClientId(ctx.sql, id) : undefined;
  const expected = Buffer.from(credential?.secret_hash ?? DUMMY_HASH, "hex");
  const given = Buffer.from(hashSecret(secret), "hex");
  const matches = timingSafeEqual(expected, given);
  const now = ctx.now();
  if (!credential || !matches || !isUsable(credential, now)) {
    throw new DomainError("invalid_client", "Unknown client_id or wrong client_secret");
  }
  ctx.credentialUsage.record(credential.id, now);
  return credential;
}

export { findProject, countProjects, revokeCredential, setCredentialExpiry } from "./projects.queries";
