import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase } from "../testing/database";
import { waitFor } from "../testing/wait";
import type { Database } from "../db/connect";

/**
 * `npm start` as an operator runs it: `node scripts/start.mjs` (which builds what is stale) with
 * NODE_ENV unset, on a database of its own. Every answer is free of stacks and server paths,
 * pages refuse cross-origin and malformed forms with 403/400 (never 500), and every line the
 * process writes on stdout is one JSON object.
 */
const root = path.resolve(import.meta.dirname, "../..");
let db: Database | null = null;
let dataDir = "";
let child: ChildProcess;
let base = "";
let stdout = "";
let stderr = "";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof addr === "object" && addr ? addr.port : 0;
}

beforeAll(async () => {
  if (process.env.DATABASE_URL) db = await createTestDatabase();
  else dataDir = mkdtempSync(path.join(tmpdir(), "astapa-prod-"));
  const port = await freePort();
  const simulatorPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: base,
    MIDTRANS_SIMULATOR_PORT: String(simulatorPort),
    RUN_WORKERS: "false",
    LOG_LEVEL: "info",
    ADMIN_EMAIL: "ops@astapa.test",
    ADMIN_PASSWORD: "correct horse battery staple",
    // Behind PgBouncer (npm run test:pgbouncer) LISTEN goes straight to this same database.
    ...(db ? { DATABASE_URL: db.url, DATABASE_DIRECT_URL: db.directUrl ?? "" } : { DATABASE_URL: "", DATABASE_DIRECT_URL: "", DATA_DIR: dataDir }),
  };
  // The environment of an operator's shell: no NODE_ENV (vitest sets "test"), nor the cheap
  // password hashes of vitest.config.ts, which production refuses. env(1) execs node: same PID.
  child = spawn("env", ["-u", "NODE_ENV", "-u", "ASTAPA_SCRYPT_COST", process.execPath, path.join(root, "scripts/start.mjs")], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  await waitFor(async () => child.exitCode !== null || (await fetch(`${base}/healthz`)).ok, {
    timeoutMs: 150_000,
    intervalMs: 200,
    what: "npm start to answer /healthz",
  });
  if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}: ${stderr.slice(-2000)}`);
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  await db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** No stack trace, no file URL, no path of this machine. */
function expectNoInternals(body: string) {
  expect(body).not.toMatch(/"stack"|\n\s+at |file:\/\//);
  expect(body).not.toContain(root);
  expect(body).not.toContain("node_modules");
}

const post = (p: string, init: { origin?: string; contentType?: string; body?: string } = {}) =>
  fetch(`${base}${p}`, {
    method: "POST",
    redirect: "manual",
    headers: { ...(init.origin ? { origin: init.origin } : {}), ...(init.contentType ? { "content-type": init.contentType } : {}) },
    body: init.body,
  });

describe("npm start runs in production mode", () => {
  it("says so when it starts", async () => {
    // The log is written in blocks (at most 100 ms late, docs/operations.md#logs).
    await waitFor(() => stdout.includes('"msg":"Astapa is listening"'), { what: "the start-up log line" });
    const listening = stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "Astapa is listening");
    expect(listening).toMatchObject({ mode: "production" });
  });

  it("answers a tRPC refusal without a stack or a server path", async () => {
    const unauthenticated = await fetch(`${base}/api/trpc/payments.list?input=${encodeURIComponent("{}")}`);
    expect(unauthenticated.status).toBe(401);
    const body = await unauthenticated.text();
    expect(JSON.parse(body)).toMatchObject({ error: { data: { code: "UNAUTHORIZED" } } });
    expectNoInternals(body);

    const badJson = await fetch(`${base}/api/trpc/payments.refund`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: "{",
    });
    expect(badJson.status).toBeGreaterThanOrEqual(400);
    expect(badJson.status).toBeLessThan(500);
    expectNoInternals(await badJson.text());
  });

  it("answers Remix's own errors (no page, no action) without a stack", async () => {
    const missing = await fetch(`${base}/no-such-page`);
    expect(missing.status).toBe(404);
    expectNoInternals(await missing.text());
    const noAction = await post("/", { origin: base, contentType: "application/x-www-form-urlencoded", body: "a=b" });
    expect(noAction.status).toBe(405);
    expectNoInternals(await noAction.text());
    const favicon = await fetch(`${base}/favicon.ico`);
    expect(favicon.status).toBe(404);
    await favicon.arrayBuffer();
  });

  it.each(["/admin/login", "/admin/logout", "/purchase/callback?order_id=x", "/", "/admin/login.data"])(
    "refuses a cross-origin form to %s with 403",
    async (p) => {
      for (const origin of ["https://evil.example", "null", "::not a url::"]) {
        const res = await post(p, { origin, contentType: "application/x-www-form-urlencoded", body: "email=a%40b.c&password=x" });
        expect({ origin, status: res.status }).toEqual({ origin, status: 403 });
        const body = await res.text();
        expect(JSON.parse(body)).toMatchObject({ error: { code: "forbidden" } });
        expectNoInternals(body);
      }
    },
  );

  it.each([
    ["broken multipart", "multipart/form-data; boundary=xx", "garbage"],
    ["multipart without boundary", "multipart/form-data", "garbage"],
    ["JSON", "application/json", "{"],
    ["plain text", "text/plain", "email=x"],
    ["no body", undefined, undefined],
  ])("answers a sign-in form with a %s body 400", async (_what, contentType, body) => {
    for (const p of ["/admin/login", "/admin/login.data"]) {
      const res = await post(p, { origin: base, contentType, body });
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      expectNoInternals(await res.text());
    }
  });

  it("answers a path that is not valid percent-encoding 400", async () => {
    for (const p of ["/%E0%A4%A", "/admin/payments/%ZZ"]) {
      const res = await fetch(`${base}${p}`);
      expect({ p, status: res.status }).toEqual({ p, status: 400 });
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ error: { code: "validation_failed" } });
      expectNoInternals(body);
    }
  });

  it("writes one JSON object per stdout line, no error line, and no stack trace anywhere", async () => {
    // The last request above is logged once its answer is sent; wait for its line.
    await waitFor(() => stdout.includes('"path":"/admin/payments/%ZZ"'), { what: "the last request's log line" });
    const lines = stdout.split("\n").filter((l) => l !== "");
    expect(lines.length).toBeGreaterThan(20);
    const notJson = lines.filter((l) => {
      try {
        const v = JSON.parse(l);
        return typeof v !== "object" || v === null || Array.isArray(v);
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string; status?: number });
    // Every answer above was a 4xx: nothing is logged as an error (level 50) or as a failed request.
    expect(parsed.filter((l) => l.level >= 50)).toEqual([]);
    expect(parsed.filter((l) => (l.status ?? 0) >= 500)).toEqual([]);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
