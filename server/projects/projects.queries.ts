import type { Db } from "../db/connect";
import type { CredentialRow, ProjectRow } from "./projects.schema";

export async function insertProject(db: Db, p: { id: string; name: string; store_url_template: string | null }): Promise<ProjectRow> {
  const [row] = await db<ProjectRow[]>`
    insert into projects (id, name, store_url_template)
    values (${p.id}, ${p.name}, ${p.store_url_template})
    returning *`;
  return row;
}

export async function findProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db<ProjectRow[]>`select * from projects where id = ${id}`;
  return row;
}

export async function countProjects(db: Db): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from projects`;
  return row.n;
}

export async function insertCredential(
  db: Db,
  c: Pick<CredentialRow, "id" | "project_id" | "environment" | "client_id" | "secret_hash" | "secret_last4">,
): Promise<CredentialRow> {
  const [row] = await db<CredentialRow[]>`
    insert into api_credentials (id, project_id, environment, client_id, secret_hash, secret_last4)
    values (${c.id}, ${c.project_id}, ${c.environment}, ${c.client_id}, ${c.secret_hash}, ${c.secret_last4})
    returning *`;
  return row;
}

export async function findCredentialByClientId(db: Db, clientId: string): Promise<CredentialRow | undefined> {
  const [row] = await db<CredentialRow[]>`select * from api_credentials where client_id = ${clientId}`;
  return row;
}

/** Stops a credential at `at` (also cutting a rotation's overlap short: its expiry no longer matters). */
export async function revokeCredential(db: Db, id: string, at: Date): Promise<void> {
  await db`update api_credentials set revoked_at = ${at} where id = ${id} and revoked_at is null`;
}

/** The credential keeps working until `at` (a rotation's overlap), then answers like a revoked one. */
export async function setCredentialExpiry(db: Db, id: string, at: Date): Promise<void> {
  await db`update api_credentials set expires_at = ${at} where id = ${id} and revoked_at is null`;
}

/**
 * Each credential's `last_used_at` moved forward to its use, in one statement for the whole batch.
 * `greatest` and the guard keep it from moving backwards when several processes write
 * (docs/decisions/0020-credential-overlap.md); a row already as recent is not rewritten.
 */
export async function recordCredentialUses(db: Db, uses: readonly { id: string; at: Date }[]): Promise<void> {
  if (uses.length === 0) return;
  await db`
    update api_credentials c set last_used_at = greatest(c.last_used_at, u.used_at)
    from unnest(${uses.map((u) => u.id)}::text[], ${uses.map((u) => u.at.toISOString())}::timestamptz[]) as u(id, used_at)
    where c.id = u.id and (c.last_used_at is null or c.last_used_at < u.used_at)`;
}

/** A project as the console lists it: with its endpoints' URLs, its active credential and payment counts. */
export interface ProjectSummaryRow {
  id: string;
  name: string;
  sandbox_webhook_url: string | null;
  production_webhook_url: string | null;
  store_url_template: string | null;
  created_at: Date;
  updated_at: Date;
  active_credentials: number;
  payments: number;
}

/** `active_credentials` counts those usable at `now`: not revoked, and not past a rotation's overlap. */
const summaryColumns = (db: Db, now: Date) => db`
  pr.id, pr.name, pr.store_url_template, pr.created_at, pr.updated_at,
  (select we.url from webhook_endpoints we where we.project_id = pr.id and we.environment = 'sandbox') as sandbox_webhook_url,
  (select we.url from webhook_endpoints we where we.project_id = pr.id and we.environment = 'production') as production_webhook_url,
  (select count(*)::int from api_credentials c
    where c.project_id = pr.id and c.revoked_at is null and (c.expires_at is null or c.expires_at > ${now})) as active_credentials,
  (select count(*)::int from purchases p where p.project_id = pr.id) as payments`;

export async function listProjectSummaries(db: Db, limit: number, now: Date): Promise<ProjectSummaryRow[]> {
  return db<ProjectSummaryRow[]>`select ${summaryColumns(db, now)} from projects pr order by pr.created_at desc limit ${limit}`;
}

export async function findProjectSummary(db: Db, id: string, now: Date): Promise<ProjectSummaryRow | undefined> {
  const [row] = await db<ProjectSummaryRow[]>`select ${summaryColumns(db, now)} from projects pr where pr.id = ${id}`;
  return row;
}

/** A project's credentials: active ones first, then those in a rotation's overlap, then stopped ones; newest first within each. */
export async function listCredentials(db: Db, projectId: string, now: Date): Promise<CredentialRow[]> {
  return db<CredentialRow[]>`
    select * from api_credentials where project_id = ${projectId}
    order by case when revoked_at is not null or expires_at <= ${now} then 2 when expires_at is not null then 1 else 0 end, created_at desc`;
}

/** The project row, locked until the caller's transaction ends. */
export async function lockProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db<ProjectRow[]>`select * from projects where id = ${id} for update`;
  return row;
}

export async function updateProjectFields(db: Db, id: string, p: Pick<ProjectRow, "name" | "store_url_template">): Promise<void> {
  await db`update projects set name = ${p.name}, store_url_template = ${p.store_url_template}, updated_at = now() where id = ${id}`;
}

/** The credential row, locked until the caller's transaction ends. */
export async function lockCredential(db: Db, id: string): Promise<CredentialRow | undefined> {
  const [row] = await db<CredentialRow[]>`select * from api_credentials where id = ${id} for update`;
  return row;
}
