import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { listMigrations, migrate } from "../../db/migrate";
import type { Database } from "../db/connect";
import { createTestDatabase } from "../testing/database";

/**
 * Migration 0008: existing projects (one URL, one secret for both environments) get an endpoint
 * per environment by the documented rule (docs/decisions/0006-webhook-endpoints-per-environment.md).
 */
let db: Database;
const future = new Date(Date.now() + 3600_000);
const SECRET = (n: number) => `whsec_${Buffer.alloc(32, n).toString("base64")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  // A database as it was before 0008.
  await migrate(
    db.sql,
    listMigrations().filter((m) => m.version < 8),
  );
  const sql = db.sql;
  const project = (id: string, url: string | null, secret: string, previous: string | null = null) => sql`
    insert into projects (id, name, webhook_url, webhook_secret, webhook_secret_previous, webhook_secret_previous_expires_at)
    values (${id}, ${id}, ${url}, ${secret}, ${previous}, ${previous ? future : null})`;
  const credential = (projectId: string, environment: string, revoked = false) => sql`
    insert into api_credentials (id, project_id, environment, client_id, secret_hash, secret_last4, revoked_at)
    values (${`cred_${projectId}_${environment}`}, ${projectId}, ${environment}, ${`cid_${projectId}_${environment}`}, 'x', 'xxxx', ${revoked ? new Date() : null})`;
  await project("prj_none", "https://none.example/hook", SECRET(1), SECRET(11));
  await project("prj_sandbox", "https://sandbox.example/hook", SECRET(2));
  await credential("prj_sandbox", "sandbox");
  await project("prj_live", "https://live.example/hook", SECRET(3), SECRET(13));
  await credential("prj_live", "production", true); // revoked: the project has still used production
  await project("prj_both", "https://both.example/hook", SECRET(4), SECRET(14));
  await credential("prj_both", "sandbox");
  await credential("prj_both", "production");
  await project("prj_nourl", null, SECRET(5));
  await credential("prj_nourl", "production");
  // A production event still pending, and a sandbox one (events record their environment).
  for (const env of ["production", "sandbox"]) {
    await sql`insert into purchases (id, project_id, environment, order_id, amount, buyer_email, status)
              values (${`pur_${env}`}, 'prj_both', ${env}, ${`mig-${env}`}, 1000, 'b@example.com', 'settlement')`;
    await sql`insert into webhook_events (id, project_id, purchase_id, event_type, payload, status, next_attempt_at)
              values (${`msg_${env}`}, 'prj_both', ${`pur_${env}`}, 'item.purchased', '{}'::jsonb, 'pending', now())`;
  }
  await migrate(db.sql);
});
afterAll(async () => db?.close());

const endpoints = async (projectId: string) =>
  Object.fromEntries(
    (await db.sql`select environment, url, secret, secret_previous, secret_previous_expires_at from webhook_endpoints where project_id = ${projectId}`).map((r) => [
      r.environment,
      { url: r.url, secret: r.secret, previous: r.secret_previous, previousUntil: r.secret_previous_expires_at?.getTime() ?? null },
    ]),
  );
const NEW_SECRET = expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/);

describe("migration 0008: an endpoint per environment for existing projects", () => {
  it("a project that used neither environment keeps its URL and secret in sandbox; production gets a new secret and no URL", async () => {
    const e = await endpoints("prj_none");
    expect(e.sandbox).toEqual({ url: "https://none.example/hook", secret: SECRET(1), previous: SECRET(11), previousUntil: future.getTime() });
    expect(e.production).toEqual({ url: null, secret: NEW_SECRET, previous: null, previousUntil: null });
  });

  it("a sandbox-only project: the same in sandbox; production gets a new secret and no URL", async () => {
    const e = await endpoints("prj_sandbox");
    expect(e.sandbox).toEqual({ url: "https://sandbox.example/hook", secret: SECRET(2), previous: null, previousUntil: null });
    expect(e.production).toEqual({ url: null, secret: NEW_SECRET, previous: null, previousUntil: null });
  });

  it("a production-only project (even with a revoked credential) keeps URL and secret in production; sandbox gets a new secret and no URL", async () => {
    const e = await endpoints("prj_live");
    expect(e.production).toEqual({ url: "https://live.example/hook", secret: SECRET(3), previous: SECRET(13), previousUntil: future.getTime() });
    expect(e.sandbox).toEqual({ url: null, secret: NEW_SECRET, previous: null, previousUntil: null });
  });

  it("a project with both: production keeps the secret; sandbox keeps the URL with a NEW secret, so its events no longer verify as production", async () => {
    const e = await endpoints("prj_both");
    expect(e.production).toEqual({ url: "https://both.example/hook", secret: SECRET(4), previous: SECRET(14), previousUntil: future.getTime() });
    expect(e.sandbox).toEqual({ url: "https://both.example/hook", secret: NEW_SECRET, previous: null, previousUntil: null });
    expect(e.sandbox.secret).not.toBe(SECRET(4));
    // The new secret is a usable Standard Webhooks key of 32 bytes.
    expect(Buffer.from(e.sandbox.secret.slice("whsec_".length), "base64")).toHaveLength(32);
    const signed = new Webhook(e.sandbox.secret).sign("msg_1", new Date(), "{}");
    expect(signed).toMatch(/^v1,/);
    const nourl = await endpoints("prj_nourl");
    expect(nourl.production).toMatchObject({ url: null, secret: SECRET(5) });
    expect(nourl.sandbox).toMatchObject({ url: null, secret: NEW_SECRET });
  });

  it("gives every new secret its own value, records each event's environment, and drops the project-wide columns", async () => {
    const secrets = (await db.sql`select secret from webhook_endpoints`).map((r) => r.secret);
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(await db.sql`select id, environment from webhook_events order by id`).toEqual([
      { id: "msg_production", environment: "production" },
      { id: "msg_sandbox", environment: "sandbox" },
    ]);
    const columns = await db.sql`select column_name from information_schema.columns where table_name = 'projects' and column_name like 'webhook%'`;
    expect(columns).toEqual([]);
  });
});
