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

export async function revokeCredential(db: Db, id: string): Promise<void> {
  await db`update api_credentials set revoked_at = now() where id = ${id} and revoked_at is null`;
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

const summaryColumns = (db: Db) => db`
  pr.id, pr.name, pr.store_url_template, pr.created_at, pr.updated_at,
  (select we.url from webhook_endpoints we where we.project_id = pr.id and we.environment = 'sandbox') as sandbox_webhook_url,
  (select we.url from webhook_endpoints we where we.project_id = pr.id and we.environment = 'production') as production_webhook_url,
  (select count(*)::int from api_credentials c where c.project_id = pr.id and c.revoked_at is null) as active_credentials,
  (select count(*)::int from purchases p where p.project_id = pr.id) as payments`;

export async function listProjectSummaries(db: Db, limit: number): Promise<ProjectSummaryRow[]> {
  return db<ProjectSummaryRow[]>`select ${summaryColumns(db)} from projects pr order by pr.created_at desc limit ${limit}`;
}

export async function findProjectSummary(db: Db, id: string): Promise<ProjectSummaryRow | undefined> {
  const [row] = await db<ProjectSummaryRow[]>`select ${summaryColumns(db)} from projects pr where pr.id = ${id}`;
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

export async function updateProjectFields(db: Db, id: string, p: Pick<ProjectRow, "name" | "store_url_template">): Promise<void> {
  await db`update projects set name = ${p.name}, store_url_template = ${p.store_url_template}, updated_at = now() where id = ${id}`;
}

/** The credential row, locked until the caller's transaction ends. */
export async function lockCredential(db: Db, id: string): Promise<CredentialRow | undefined> {
  const [row] = await db<CredentialRow[]>`select * from api_credentials where id = ${id} for update`;
  return row;
}
