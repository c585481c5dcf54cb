import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { appRouter } from "../trpc/router";
import { ADMIN_PASSWORD, anonymousCaller, signedInAdmin } from "../testing/admin";
import { createAdmin, ensureFirstAdmin } from "./admin-users.service";
import { systemActor } from "./audit.service";
import { login, logout, resolveSession, SESSION_IDLE_MS, SESSION_ABSOLUTE_MS } from "./sessions.service";
import { readSessionToken, sessionCookie } from "../http/session-cookie";
import { hashPassword, needsRehash, SCRYPT_PARAMS, scryptParams, scryptParamsFrom, verifyPassword } from "./passwords";
import { isSameOrigin } from "../http/request-info";

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => t?.close());

/** Calls a procedure by its dotted path on a caller. */
function callPath(caller: unknown, path: string, input: unknown): Promise<unknown> {
  const fn = path.split(".").reduce((o, k) => (o as Record<string, unknown>)[k], caller) as (i: unknown) => Promise<unknown>;
  return fn(input);
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
};

describe("first admin (runs first: the database has no admin yet)", () => {
  it("is created once, with a generated password printed by the caller when none is given", async () => {
    const first = await ensureFirstAdmin(t.platform.ctx, {});
    expect(first.created).toBe(true);
    if (!first.created) return;
    expect(first.admin.email).toBe("admin@localhost");
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    await expect(login(t.platform.ctx, { email: "admin@localhost", password: first.generatedPassword, ip: "10.1.1.1" })).resolves.toMatchObject({ session: { email: "admin@localhost" } });
    expect(await ensureFirstAdmin(t.platform.ctx, { email: "other@astapa.test", password: ADMIN_PASSWORD })).toEqual({ created: false });
  });
});

describe("every procedure requires a signed-in admin", () => {
  const paths = Object.keys(appRouter._def.procedures);

  it("the router has the console's procedures", () => {
    expect(paths.length).toBeGreaterThanOrEqual(20);
    expect(paths).toEqual(expect.arrayContaining(["health", "payments.list", "payments.reconcile", "payments.refund", "reconcile.pendingBatch", "credentials.rotate", "audit.list"]));
  });

  it.each(paths)("%s rejects an anonymous call with UNAUTHORIZED", async (path) => {
    // Inputs are parsed after authorisation: any input (none, wrong) is refused the same way.
    expect(await codeOf(callPath(anonymousCaller(t), path, undefined))).toBe("UNAUTHORIZED");
    expect(await codeOf(callPath(anonymousCaller(t), path, { purchaseId: "pur_x", projectId: "prj_x" }))).toBe("UNAUTHORIZED");
  });

  it("over HTTP too: no cookie or a bogus one is 401", async () => {
    for (const cookie of [undefined, "astapa_admin=not-a-real-session-token-0000000"]) {
      const r = await fetch(`${t.url}/api/trpc/health`, { headers: cookie ? { cookie } : {} });
      expect(r.status).toBe(401);
      expect((await r.json()).error.data.code).toBe("UNAUTHORIZED");
    }
  });

  it("a signed-in admin gets through (health)", async () => {
    const a = await signedInAdmin(t);
    expect(await a.caller.health()).toEqual({ ok: true, database: t.platform.ctx.dbKind });
    const r = await fetch(`${t.url}/api/trpc/health`, { headers: { cookie: a.cookie } });
    expect(r.status).toBe(200);
    expect((await r.json()).result.data).toMatchObject({ ok: true });
  });
});

describe("CSRF: mutations must come from the console's own origin", () => {
  it("refuses a cross-origin mutation (and one with no Origin/Referer), accepts a same-origin one", async () => {
    const a = await signedInAdmin(t);
    const m = await t.createMerchant({ name: "CSRF shop" });
    const post = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/trpc/projects.update`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: a.cookie, ...headers },
        body: JSON.stringify({ id: m.project_id, name: "Renamed by attacker" }),
      });
    const evil = await post({ origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.data.code).toBe("FORBIDDEN");
    expect((await post({ referer: "https://evil.example/page" })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: "null" })).status).toBe(403);
    const [row] = await t.sql`select name from projects where id = ${m.project_id}`;
    expect(row.name).toBe("CSRF shop");

    const ok = await post({ origin: t.url });
    expect(ok.status).toBe(200);
    const [after] = await t.sql`select name from projects where id = ${m.project_id}`;
    expect(after.name).toBe("Renamed by attacker");
    // Referer from our own pages is accepted when Origin is absent.
    expect((await post({ referer: `${t.url}/admin/projects` })).status).toBe(200);
  });

  it("refuses through createCaller too when the context says cross-origin", async () => {
    const a = await signedInAdmin(t);
    const caller = (await import("../trpc/context")).createCaller({ ...a.ctx, sameOrigin: false });
    expect(await codeOf(caller.projects.create({ name: "x" }))).toBe("FORBIDDEN");
    // Queries are not state-changing: allowed.
    expect(await codeOf(caller.projects.list())).toBe("OK");
  });

  it("isSameOrigin: PUBLIC_URL's origin or the request's own", () => {
    const base = { method: "POST", cookie: null, host: "admin.astapa.id", protocol: "https", ip: null, userAgent: null, referer: null };
    expect(isSameOrigin({ ...base, origin: "https://admin.astapa.id" }, "http://localhost:3000")).toBe(true);
    expect(isSameOrigin({ ...base, origin: "http://localhost:3000" }, "http://localhost:3000")).toBe(true);
    expect(isSameOrigin({ ...base, origin: "http://admin.astapa.id" }, "http://localhost:3000")).toBe(false);
    expect(isSameOrigin({ ...base, origin: "https://admin.astapa.id.evil.example" }, "http://localhost:3000")).toBe(false);
    expect(isSameOrigin({ ...base, origin: null, referer: "https://admin.astapa.id/admin" }, "http://x")).toBe(true);
  });
});

describe("passwords and sessions", () => {
  it("hashes with scrypt, a per-user salt and stored parameters", async () => {
    // Production's parameters, named explicitly: tests hash cheaply by default (ASTAPA_SCRYPT_COST, vitest.config.ts).
    expect(scryptParamsFrom({})).toEqual({ N: 32768, r: 8, p: 1 });
    const a = await hashPassword("correct horse battery staple", SCRYPT_PARAMS);
    const b = await hashPassword("correct horse battery staple", SCRYPT_PARAMS);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery staple", a)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", a)).toBe(false);
    // Lower stored parameters still verify (upgrade on next login).
    const weak = await hashPassword("pw-with-old-params", { N: 16, r: 8, p: 1 });
    expect(await verifyPassword("pw-with-old-params", weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(a)).toBe(false);
    expect(needsRehash(await hashPassword("pw-with-current-params"))).toBe(false);
  });

  it("hash cost: ASTAPA_SCRYPT_COST sets N for tests, never below production's in production", () => {
    expect(scryptParams().N).toBeLessThan(SCRYPT_PARAMS.N); // the test run's own setting (vitest.config.ts)
    expect(scryptParamsFrom({ ASTAPA_SCRYPT_COST: "10" })).toEqual({ N: 1024, r: 8, p: 1 });
    expect(scryptParamsFrom({ ASTAPA_SCRYPT_COST: "16", NODE_ENV: "production" })).toEqual({ N: 65536, r: 8, p: 1 });
    expect(() => scryptParamsFrom({ ASTAPA_SCRYPT_COST: "10", NODE_ENV: "production" })).toThrow("ASTAPA_SCRYPT_COST=10 is below the production cost");
    expect(() => scryptParamsFrom({ ASTAPA_SCRYPT_COST: "fast" })).toThrow("ASTAPA_SCRYPT_COST must be an integer");
  });

  it("refuses short passwords and duplicate e-mails", async () => {
    await expect(createAdmin(t.sql, { email: "short@astapa.test", password: "short" }, systemActor("test"))).rejects.toMatchObject({ code: "validation_failed" });
    await createAdmin(t.sql, { email: "Dup@Astapa.test", password: ADMIN_PASSWORD }, systemActor("test"));
    await expect(createAdmin(t.sql, { email: "dup@astapa.test", password: ADMIN_PASSWORD }, systemActor("test"))).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("stores only the token's sha256; the cookie is httpOnly, SameSite=Lax, Secure on https", async () => {
    const a = await signedInAdmin(t);
    const rows = await t.sql`select token_hash from admin_sessions where id = ${a.session.sessionId}`;
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(a.token);
    expect(sessionCookie(a.token, "http://localhost:3000")).toBe(`astapa_admin=${a.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=604800`);
    expect(sessionCookie(a.token, "https://astapa.id")).toMatch(/; Secure$/);
    expect(readSessionToken(`x=1; astapa_admin=${a.token}; y=2`)).toBe(a.token);
  });

  it("expires after 12 h idle and 7 days absolute; logout revokes", async () => {
    const ctx = t.platform.ctx;
    const realNow = ctx.now;
    const a = await signedInAdmin(t);
    const b = await signedInAdmin(t);
    try {
      ctx.now = () => new Date(Date.now() + SESSION_IDLE_MS - 60_000);
      expect(await resolveSession(ctx, a.token)).not.toBeNull(); // touched: idle clock restarts
      ctx.now = () => new Date(Date.now() + 2 * SESSION_IDLE_MS - 120_000);
      expect(await resolveSession(ctx, a.token)).not.toBeNull();
      ctx.now = () => new Date(Date.now() + 3 * SESSION_IDLE_MS);
      expect(await resolveSession(ctx, a.token)).toBeNull(); // idle too long

      // Active every 11 h, still cut at 7 days.
      for (let h = 11; h < 7 * 24; h += 11) {
        ctx.now = () => new Date(Date.now() + h * 3600_000);
        expect(await resolveSession(ctx, b.token)).not.toBeNull();
      }
      ctx.now = () => new Date(Date.now() + SESSION_ABSOLUTE_MS + 1000);
      expect(await resolveSession(ctx, b.token)).toBeNull();
    } finally {
      ctx.now = realNow;
    }
    const c = await signedInAdmin(t);
    await logout(ctx, c.token, "10.0.0.1");
    expect(await resolveSession(ctx, c.token)).toBeNull();
    const r = await fetch(`${t.url}/api/trpc/health`, { headers: { cookie: c.cookie } });
    expect(r.status).toBe(401);
    const d = await signedInAdmin(t);
    const audit = await d.caller.audit.list({ action: "admin.logout", adminEmail: c.email });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0].ip).toBe("10.0.0.1");
  });
});

describe("login rate limiting", () => {
  it("blocks after 5 failures per e-mail and IP, with a clear message, even with the right password", async () => {
    const email = "ratelimited@astapa.test";
    await createAdmin(t.sql, { email, password: ADMIN_PASSWORD }, systemActor("test"));
    const ip = "203.0.113.7";
    for (let i = 0; i < 5; i++) {
      await expect(login(t.platform.ctx, { email, password: "wrong password!", ip })).rejects.toMatchObject({ code: "unauthorized", message: "Wrong e-mail or password." });
    }
    const blocked = login(t.platform.ctx, { email, password: ADMIN_PASSWORD, ip });
    await expect(blocked).rejects.toMatchObject({ code: "rate_limited" });
    await expect(blocked).rejects.toThrow(/Too many failed sign-in attempts\. Try again in 15 minutes\./);
    // Another IP is not blocked for this e-mail.
    await expect(login(t.platform.ctx, { email, password: ADMIN_PASSWORD, ip: "203.0.113.8" })).resolves.toMatchObject({ session: { email } });
  });

  it("a success resets the e-mail+IP counter", async () => {
    const email = "resets@astapa.test";
    await createAdmin(t.sql, { email, password: ADMIN_PASSWORD }, systemActor("test"));
    const ip = "203.0.113.9";
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) await expect(login(t.platform.ctx, { email, password: "nope nope nope", ip })).rejects.toMatchObject({ code: "unauthorized" });
      await expect(login(t.platform.ctx, { email, password: ADMIN_PASSWORD, ip })).resolves.toBeDefined();
    }
  });

  it("blocks an IP after 50 failures across e-mails", async () => {
    const ip = "198.51.100.1";
    for (let i = 0; i < 50; i++) {
      await expect(login(t.platform.ctx, { email: `nobody${i}@astapa.test`, password: "x", ip })).rejects.toMatchObject({ code: "unauthorized" });
    }
    await expect(login(t.platform.ctx, { email: "someone-else@astapa.test", password: "x", ip })).rejects.toMatchObject({ code: "rate_limited" });
  }, 60_000);

  it("records failed and successful sign-ins in the audit log", async () => {
    const a = await signedInAdmin(t);
    const failed = await a.caller.audit.list({ action: "admin.login_failed", limit: 200 });
    expect(failed.items.some((e) => e.details.email === "ratelimited@astapa.test" && e.ip === "203.0.113.7")).toBe(true);
    const ok = await a.caller.audit.list({ action: "admin.login", adminEmail: a.email });
    expect(ok.items).toHaveLength(1);
    expect(ok.items[0]).toMatchObject({ admin_id: a.session.adminId, target_id: a.session.adminId });
  });

  /** Each failed sign-in costs one password hash and writes one audit row: counting the rows counts the hashes. */
  const failedSignIns = async (ip: string) =>
    (await t.sql<{ n: number }[]>`select count(*)::int as n from admin_audit_log where action = 'admin.login_failed' and ip = ${ip}`)[0].n;
  const outcomes = (attempts: Promise<unknown>[]) =>
    Promise.all(attempts.map((p) => p.then(() => "ok", (e: { code?: string }) => e.code ?? String(e)))).then((codes) => {
      const count: Record<string, number> = {};
      for (const c of codes) count[c] = (count[c] ?? 0) + 1;
      return count;
    });

  it("100 parallel wrong passwords for one e-mail from one IP: exactly 5 are checked (5 hashes, 5 audit rows), 95 refused", async () => {
    const email = "burst@astapa.test";
    await createAdmin(t.sql, { email, password: ADMIN_PASSWORD }, systemActor("test"));
    const ip = "203.0.113.77";
    const result = await outcomes(Array.from({ length: 100 }, () => login(t.platform.ctx, { email, password: "wrong password!", ip })));
    expect(result).toEqual({ unauthorized: 5, rate_limited: 95 });
    expect(await failedSignIns(ip)).toBe(5);
  });

  it("100 parallel failed sign-ins across e-mails from one IP: exactly 50 are checked, 50 refused", async () => {
    const ip = "198.51.100.77";
    const result = await outcomes(Array.from({ length: 100 }, (_, i) => login(t.platform.ctx, { email: `burst${i}@astapa.test`, password: "x", ip })));
    expect(result).toEqual({ unauthorized: 50, rate_limited: 50 });
    expect(await failedSignIns(ip)).toBe(50);
  });
});

describe("first admin", () => {
  it("ensureFirstAdmin does nothing once an admin exists", async () => {
    expect(await ensureFirstAdmin(t.platform.ctx, { email: "late@astapa.test", password: ADMIN_PASSWORD })).toEqual({ created: false });
  });
});
