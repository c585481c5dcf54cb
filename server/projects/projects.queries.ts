import type { Db } from "../db/connect";
import type { CredentialRow, ProjectRow } from "./projects.schema";

export async function insertProject(
  db: Db,
  p: { id: string; name: string; webhook_url: string | null; store_url_template: string | null; webhook_secret: string },
): Promise<ProjectRow> {
  const [row] = await db<ProjectRow[]>`
    insert into projects (id, name, webhook_url, store_url_template, webhook_secret)
    values (${p.id}, ${p.name}, ${p.webhook_url}, ${p.store_url_template}, ${p.webhook_secret})
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

export async function revokeCredential(db: Db, id: string): Promise<void> {
  await db`update api_credentials set revoked_at = now() where id = ${id} and revoked_at is null`;
}

/** A project as the console lists it: with its active credential and payment counts. */
export interface ProjectSummaryRow {
  id: string;
  name: string;
  webhook_url: string | null;
  store_url_template: string | null;
  created_at: Date;
  updated_at: Date;
  active_credentials: number;
  payments: number;
}

export async function listProjectSummaries(db: Db, limit: number): Promise<ProjectSummaryRow[]> {
  return db<ProjectSummaryRow[]>`
    select pr.id, pr.name, pr.webhook_url, pr.store_url_template, pr.created_at, pr.updated_at,
           (select count(*)::int from api_credentials c where c.project_id = pr.id and c.revoked_at is null) as active_credentials,
           (select count(*)::int from purchases p where p.project_id = pr.id) as payments
    from projects pr order by pr.created_at desc limit ${limit}`;
}

export async function findProjectSummary(
  db: Db,
  id: string,
): Promise<(ProjectSummaryRow & Pick<ProjectRow, "webhook_secret" | "webhook_secret_previous_expires_at">) | undefined> {
  const [row] = await db<(ProjectSummaryRow & Pick<ProjectRow, "webhook_secret" | "webhook_secret_previous_expires_at">)[]>`
    select pr.id, pr.name, pr.webhook_url, pr.store_url_template, pr.created_at, pr.updated_at, pr.webhook_secret,
           pr.webhook_secret_previous_expires_at,
           (select count(*)::int from api_credentials c where c.project_id = pr.id and c.revoked_at is null) as active_credentials,
           (select count(*)::int from purchases p where p.project_id = pr.id) as payments
    from projects pr where pr.id = ${id}`;
  return row;
}

/** A project's credentials: active first, newest first. */
export async function listCredentials(db: Db, projectId: string): Promise<CredentialRow[]> {
  return db<CredentialRow[]>`select * from api_credentials where project_id = ${projectId} order by revoked_at nulls first, created_at desc`;
}

/** The project row, locked until the caller's transaction ends. */
export async function lockProject(db: Db, id: string): Promise<ProjectRow | undefined> {
  const [row] = await db<ProjectRow[]>`select * from projects where id = ${id} for update`;
  return row;
}

export async function updateProjectFields(db: Db, id: string, p: Pick<ProjectRow, "name" | "webhook_url" | "store_url_template">): Promise<void> {
  await db`update projects set name = ${p.name}, webhook_url = ${p.webhook_url}, store_url_template = ${p.store_url_template}, updated_at = now()
           where id = ${id}`;
}

/** The credential row, locked until the caller's transaction ends. */
export async function lockCredential(db: Db, id: string): Promise<CredentialRow | undefined> {
  const [row] = await db<CredentialRow[]>`select * from api_credentials where id = ${id} for update`;
  return row;
}

/** True when the project holds an unrevoked credential for this environment. */
export async function hasActiveCredential(db: Db, projectId: string, environment: CredentialRow["environment"]): Promise<boolean> {
  const [row] = await db<{ found: boolean }[]>`
    select exists (select 1 from api_credentials c where c.project_id = ${projectId} and c.environment = ${environment} and c.revoked_at is null) as found`;
  return row.found;
}
