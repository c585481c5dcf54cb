import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

describe("migration order is enforced, naming the file", () => {
  // The shape of every database created before this check: 0001, 0003-0006 applied, no 0002.
  let db: Database;
  let dir: string;
  const current = listMigrations();
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), "astapa-migrations-"));
    for (const m of current) writeFileSync(path.join(dir, m.name), m.sql);
    await migrate(db.sql, current);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.close();
  });
  const versions = async () => (await db.sql`select version from schema_migrations order by version`).map((r) => r.version);

  it("a database with a gap in its numbers (no 0002) keeps working", async () => {
    expect(current.map((m) => m.version)).not.toContain(2);
    expect(await migrate(db.sql, current)).toEqual([]);
    expect(await versions()).toEqual(current.map((m) => m.version));
  });

  it("refuses an unapplied migration that sorts before the latest applied one, and applies nothing", async () => {
    const latest = current.at(-1)!;
    writeFileSync(path.join(dir, "0002_added_late.sql"), "create table added_late (x int);");
    try {
      const late = listMigrations(dir);
      const next = { version: latest.version + 1, name: `${String(latest.version + 1).padStart(4, "0")}_next.sql`, sql: "create table next_one (x int);" };
      await expect(migrate(db.sql, [...late, next])).rejects.toThrow(new RegExp(`0002_added_late\\.sql sorts before ${latest.name}`));
      expect(await versions()).toEqual(current.map((m) => m.version));
      const [{ n }] = await db.sql`select count(*)::int as n from information_schema.tables where table_name in ('added_late', 'next_one')`;
      expect(n).toBe(0);
    } finally {
      rmSync(path.join(dir, "0002_added_late.sql"));
    }
  });

  it("refuses two files with the same number, naming both, even when neither is applied yet", async () => {
    const n = String(current.at(-1)!.version + 1).padStart(4, "0");
    writeFileSync(path.join(dir, `${n}_first.sql`), "create table dup_first (x int);");
    writeFileSync(path.join(dir, `${n}_second.sql`), "create table dup_second (x int);");
    try {
      await expect(migrate(db.sql, listMigrations(dir))).rejects.toThrow(new RegExp(`${n}_first\\.sql and ${n}_second\\.sql share the number ${n}`));
      expect(await versions()).toEqual(current.map((m) => m.version));
      const [{ count }] = await db.sql`select count(*)::int as count from information_schema.tables where table_name in ('dup_first', 'dup_second')`;
      expect(count).toBe(0);
      // An applied file and a new one that reuses its number are refused too.
      const reused = { version: current[0].version, name: `${String(current[0].version).padStart(4, "0")}_reused.sql`, sql: "select 1;" };
      await expect(migrate(db.sql, [...current, reused])).rejects.toThrow(`${current[0].name} and ${reused.name} share the number`);
    } finally {
      rmSync(path.join(dir, `${n}_first.sql`));
      rmSync(path.join(dir, `${n}_second.sql`));
    }
  });

  it("applies a new file numbered after the latest", async () => {
    const latest = current.at(-1)!;
    const name = `${String(latest.version + 1).padStart(4, "0")}_next.sql`;
    writeFileSync(path.join(dir, name), "create table next_one (x int);");
    try {
      expect(await migrate(db.sql, listMigrations(dir))).toEqual([name]);
      expect(await versions()).toEqual([...current.map((m) => m.version), latest.version + 1]);
      expect(await migrate(db.sql, listMigrations(dir))).toEqual([]);
    } finally {
      rmSync(path.join(dir, name));
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
      const auth = { sql: second.sql, now: () => new Date(), credentialUsage: { record() {} } };
      const found = await authenticateClient(auth, cred.client_id, cred.client_secret);
      expect(found.project_id).toBe(project.id);
      await expect(authenticateClient(auth, cred.client_id, "wrong")).rejects.toMatchObject({ code: "invalid_client" });
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
