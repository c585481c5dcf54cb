import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { listMigrations, migrate } from "./migrate";
import { createTestDatabase } from "../server/testing/database";
import { startEmbeddedDatabase, type Database } from "../server/db/connect";
import { createProject, issueCredential, authenticateClient } from "../server/projects/projects.service";

describe("migrations", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.close());

  it("are numbered, applied once in order, and a second run is a no-op", async () => {
    const all = listMigrations();
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort((a, b) => a - b));
    expect(await migrate(db.sql)).toEqual(all.map((m) => m.name));
    expect(await migrate(db.sql)).toEqual([]);
    const rows = await db.sql`select version from schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
  });

  it("apply all-or-nothing: a failing migration leaves no trace", async () => {
    const fresh = await createTestDatabase();
    try {
      const broken = [...listMigrations(), { version: 9999, name: "9999_broken.sql", sql: "create table ok_then (x int); select nope from nowhere;" }];
      await expect(migrate(fresh.sql, broken)).rejects.toThrow();
      const [{ n }] = await fresh.sql`select count(*)::int as n from information_schema.tables where table_name in ('purchases', 'ok_then', 'schema_migrations')`;
      expect(n).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe.runIf(process.env.DATABASE_URL)("migrations on real PostgreSQL", () => {
  it("two processes starting at once do not both apply them (advisory lock)", async () => {
    const fresh = await createTestDatabase({ max: 4 });
    try {
      const { connectPostgres } = await import("../server/db/connect");
      const other = await connectPostgres(fresh.url, { max: 2 });
      const [a, b] = await Promise.all([migrate(fresh.sql), migrate(other.sql)]);
      expect([a.length, b.length].sort()).toEqual([0, listMigrations().length]);
      await other.close();
    } finally {
      await fresh.close();
    }
  });
});

describe("embedded database (PGlite behind pglite-socket)", () => {
  it("persists under its data directory across restarts, through the same postgres.js code", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "astapa-embedded-"));
    try {
      const first = await startEmbeddedDatabase({ dataDir: dir });
      expect(first.kind).toBe("embedded");
      await migrate(first.sql);
      const project = await createProject(first.sql, { name: "Persisted" });
      const cred = await issueCredential(first.sql, project.id, "sandbox");
      await first.close();

      const second = await startEmbeddedDatabase({ dataDir: dir });
      expect(await migrate(second.sql)).toEqual([]);
      const found = await authenticateClient(second.sql, cred.client_id, cred.client_secret);
      expect(found.project_id).toBe(project.id);
      await expect(authenticateClient(second.sql, cred.client_id, "wrong")).rejects.toMatchObject({ code: "invalid_client" });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("configuration", () => {
  it("fails fast with a clear message and exit code 1 on a bad value", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", "import('./server/config/env.ts').then(m => m.loadEnv())"], {
      env: { ...process.env, PORT: "not-a-port", DATABASE_URL: "mysql://x" },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Invalid configuration");
    expect(r.stderr).toContain("PORT");
    expect(r.stderr).toContain("DATABASE_URL");
  });
});
