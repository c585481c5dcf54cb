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
