import type { Db } from "../db/connect";
import type { Environment } from "../midtrans/gateway";
import type { SigningSecrets } from "./signing";

/** A project's webhook endpoint for one environment: where its events go and what signs them. */
export interface WebhookEndpointRow extends SigningSecrets {
  project_id: string;
  environment: Environment;
  url: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Both endpoints of a new project (inside the caller's transaction). */
export async function insertEndpoints(
  db: Db,
  projectId: string,
  endpoints: { environment: Environment; url: string | null; secret: string }[],
): Promise<WebhookEndpointRow[]> {
  const rows = endpoints.map((e) => ({ project_id: projectId, environment: e.environment, url: e.url, secret: e.secret }));
  return db<WebhookEndpointRow[]>`insert into webhook_endpoints ${db(rows)} returning *`;
}

export async function findEndpoint(db: Db, projectId: string, environment: Environment): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db<WebhookEndpointRow[]>`select * from webhook_endpoints where project_id = ${projectId} and environment = ${environment}`;
  return row;
}

/** A project's endpoints, sandbox first. */
export async function listEndpoints(db: Db, projectId: string): Promise<WebhookEndpointRow[]> {
  return db<WebhookEndpointRow[]>`select * from webhook_endpoints where project_id = ${projectId} order by environment desc`;
}

/** Sets the URL (null: none) and answers the endpoint before and after, or undefined when there is no such endpoint. One statement. */
export async function updateEndpointUrl(
  db: Db,
  projectId: string,
  environment: Environment,
  url: string | null,
): Promise<{ before: string | null; after: string | null } | undefined> {
  const [row] = await db<{ before: string | null; after: string | null }[]>`
    update webhook_endpoints we set url = ${url}, updated_at = now()
      from (select url from webhook_endpoints where project_id = ${projectId} and environment = ${environment} for update) old
     where we.project_id = ${projectId} and we.environment = ${environment}
    returning old.url as before, we.url as after`;
  return row;
}

/** New current secret; the old one stays valid (signed with too) until `previousExpiresAt`. */
export async function rotateEndpointSecret(db: Db, projectId: string, environment: Environment, secret: string, previousExpiresAt: Date): Promise<boolean> {
  const rows = await db`
    update webhook_endpoints
       set secret_previous = secret,
           secret_previous_expires_at = ${previousExpiresAt},
           secret = ${secret},
           updated_at = now()
     where project_id = ${projectId} and environment = ${environment} returning project_id`;
  return rows.length > 0;
}
