import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { ADMIN_PASSWORD, signedInAdmin, totpCodeFor, totpStepAt } from "../testing/admin";
import { SESSION_COOKIE } from "../http/session-cookie";
import { appRouter } from "../trpc/router";
import { createCaller } from "../trpc/context";
import { login, resolveSession, SESSION_IDLE_MS } from "./sessions.service";
import { completeSecondFactor } from "./two-factor.service";
import { decryptSecret, encryptSecret, loadTwoFactorKey } from "./two-factor.key";

// docs/decisions/0019-two-factor.md. The platform's clock is driven by the test: TOTP codes are
// computed for its time steps, and each step accepts one code.
let t: TestPlatform;
let clock = Date.now();
const tick = (seconds: number) => {
  clock += seconds * 1000;
};
beforeAll(async () => {
  t = await startTestPlatform({ now: () => new Date(clock) });
});
afterAll(async () => t?.close());

const step = () => totpStepAt(new Date(clock));
const ctx = () => t.platform.ctx;
const auditOf = async (adminId: string) =>
  (await t.sql<{ action: string; details: Record<string, unknown> }[]>`select action, details from admin_audit_log where target_id = ${adminId} order by id`).map((r) => r);
const callerFor = (session: NonNullable<Awaited<ReturnType<typeof resolveSession>>>, ip = "10.9.9.9") =>
  createCaller({ platform: ctx(), admin: session, ip, sameOrigin: true });
const trpcCode = async (p: Promise<unknown>) => {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? `${e.code}:${(e.cause as { code?: string } | undefined)?.code ?? ""}` : `not a TRPCError: ${String(e)}`;
  }
};
/**
 * The code of the admin's next unused time step, as their app shows it once the clock gets there
 * (codes of the next step are accepted too: ±1 step of drift).
 */
async function nextTotp(admin: Awaited<ReturnType<typeof signedInAdmin>>) {
  const tf = admin.twoFactor;
  if (!tf) throw new Error("no two-factor sign-in");
  tf.lastStep += 1;
  while (step() < tf.lastStep - 1) tick(30);
  return totpCodeFor(tf.secret, tf.lastStep);
}
async function passwordStep(email: string, ip = "10.7.0.1") {
  const r = await login(ctx(), { email, password: ADMIN_PASSWORD, ip, userAgent: "vitest" });
  if (!r.secondFactorPending) throw new Error("expected a pending sign-in");
  return r.token;
}

describe("an owner without two-factor sign-in", () => {
  it("may only enrol: every other procedure answers FORBIDDEN two_factor_enrolment_required, the CSV export too", async () => {
    const owner = await signedInAdmin(t, { twoFactor: false });
    expect(owner.session.twoFactorEnrolmentRequired).toBe(true);
    const open = ["account.twoFactor.status", "account.twoFactor.begin", "account.twoFactor.confirm"];
    const paths = Object.keys(appRouter._def.procedures);
    for (const p of paths) {
      const fn = p.split(".").reduce((o, k) => (o as Record<string, unknown>)[k], owner.caller as unknown) as (i: unknown) => Promise<unknown>;
      const code = await trpcCode(fn({ __probe: true }));
      if (open.includes(p)) expect(code, p).not.toMatch(/^FORBIDDEN/);
      else expect(code, p).toBe("FORBIDDEN:two_factor_enrolment_required");
    }
    const csv = await fetch(`${t.url}/admin/export.csv`, { headers: { cookie: owner.cookie } });
    expect(csv.status).toBe(403);
    expect((await csv.json()).error.code).toBe("two_factor_enrolment_required");
    // Over HTTP, the same refusal with its domain code.
    const r = await fetch(`${t.url}/api/trpc/payments.list?input=${encodeURIComponent("{}")}`, { headers: { cookie: owner.cookie } });
    expect(r.status).toBe(403);
    expect((await r.json()).error.data).toMatchObject({ code: "FORBIDDEN", domainCode: "two_factor_enrolment_required" });
  });

  it("enrols with a QR code and the secret as text; a wrong code is refused and audited; then the console opens", async () => {
    const owner = await signedInAdmin(t, { twoFactor: false, ip: "10.7.1.1" });
    const setup = await owner.caller.account.twoFactor.begin();
    expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.otpauthUri).toContain(`secret=${setup.secret}`);
    expect(setup.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(setup.qrDataUrl.split(",")[1], "base64").toString("utf8")).toContain("<svg");
    // Stored encrypted, never as text.
    const [row] = await t.sql`select secret_encrypted, enabled_at from admin_two_factor where admin_id = ${owner.session.adminId}`;
    expect(row.secret_encrypted).not.toContain(setup.secret);
    expect(row.enabled_at).toBeNull();
    expect((await owner.caller.account.twoFactor.status()).setup?.secret).toBe(setup.secret);

    await expect(owner.caller.account.twoFactor.confirm({ code: "000000" === (await totpCodeFor(setup.secret, step())) ? "111111" : "000000" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await auditOf(owner.session.adminId)).map((a) => a.action)).toContain("admin.two_factor_failed");

    const { recoveryCodes } = await owner.caller.account.twoFactor.confirm({ code: await totpCodeFor(setup.secret, step()) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(recoveryCodes[0]).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const stored = await t.sql<{ code_hash: string }[]>`select code_hash from admin_recovery_codes where admin_id = ${owner.session.adminId}`;
    expect(stored).toHaveLength(10);
    expect(stored.map((s) => s.code_hash)).not.toContain(recoveryCodes[0]);
    expect((await auditOf(owner.session.adminId)).map((a) => a.action)).toContain("admin.two_factor_enrol");
    // The same session, read again as the next request reads it, opens the console.
    const again = await resolveSession(ctx(), owner.token);
    expect(again).toMatchObject({ twoFactorEnabled: true, twoFactorEnrolmentRequired: false });
    await expect(callerFor(again!).payments.list({})).resolves.toBeDefined();
    await expect(owner.caller.account.twoFactor.begin()).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("signing in with two-factor sign-in", () => {
  it("takes two steps: the pending session opens nothing, the code turns it into a full one under a new token", async () => {
    const owner = await signedInAdmin(t);
    const pending = await passwordStep(owner.email);
    expect(await resolveSession(ctx(), pending)).toBeNull();
    const r = await fetch(`${t.url}/api/trpc/me`, { headers: { cookie: `${SESSION_COOKIE}=${pending}` } });
    expect(r.status).toBe(401);
    const done = await completeSecondFactor(ctx(), { token: pending, code: await nextTotp(owner), ip: "10.7.0.1" });
    expect(done.token).not.toBe(pending);
    expect(done.session).toMatchObject({ email: owner.email, twoFactorEnabled: true, twoFactorEnrolmentRequired: false });
    expect(await resolveSession(ctx(), pending)).toBeNull();
    expect(await resolveSession(ctx(), done.token)).toMatchObject({ adminId: owner.session.adminId });
    const logins = (await auditOf(owner.session.adminId)).filter((a) => a.action === "admin.login");
    expect(logins.at(-1)?.details).toMatchObject({ second_factor: "totp" });
  });

  it("accepts a code once: the same step again, or an older one, is refused; the next step works", async () => {
    const owner = await signedInAdmin(t);
    const secret = owner.twoFactor!.secret;
    await completeSecondFactor(ctx(), { token: await passwordStep(owner.email, "10.7.2.1"), code: await nextTotp(owner), ip: "10.7.2.1" });
    const now = owner.twoFactor!.lastStep;
    // Replayed (same step) and older (within the drift window) codes: refused.
    const again = await passwordStep(owner.email, "10.7.2.1");
    await expect(completeSecondFactor(ctx(), { token: again, code: await totpCodeFor(secret, now), ip: "10.7.2.1" })).rejects.toMatchObject({ code: "unauthorized" });
    await expect(completeSecondFactor(ctx(), { token: again, code: await totpCodeFor(secret, now - 1), ip: "10.7.2.1" })).rejects.toMatchObject({ code: "unauthorized" });
    // Two sign-ins racing with one code: one wins.
    const a = await passwordStep(owner.email, "10.7.2.1");
    const code = await nextTotp(owner);
    const raced = await Promise.allSettled([completeSecondFactor(ctx(), { token: again, code, ip: "10.7.2.1" }), completeSecondFactor(ctx(), { token: a, code, ip: "10.7.2.1" })]);
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("rate-limits wrong codes per admin (like passwords) and audits each one", async () => {
    const owner = await signedInAdmin(t, { ip: "10.7.3.1" });
    const token = await passwordStep(owner.email, "10.7.3.1");
    const right = await nextTotp(owner);
    const wrong = right === "123456" ? "654321" : "123456";
    for (let i = 0; i < 5; i++) {
      await expect(completeSecondFactor(ctx(), { token, code: wrong, ip: `10.7.3.${10 + i}` })).rejects.toMatchObject({ code: "unauthorized" });
    }
    // Per admin, whatever the IP: the right code is refused too until the window passes.
    await expect(completeSecondFactor(ctx(), { token, code: right, ip: "10.7.3.99" })).rejects.toMatchObject({ code: "rate_limited" });
    const failed = (await auditOf(owner.session.adminId)).filter((a) => a.action === "admin.two_factor_failed");
    expect(failed).toHaveLength(5);
    expect(failed[0].details).toMatchObject({ during: "sign_in" });
  });

  it("recovery codes work once each; one code used by two sign-ins at once succeeds once", async () => {
    const owner = await signedInAdmin(t);
    const [first, second] = owner.twoFactor!.recoveryCodes;
    const used = await completeSecondFactor(ctx(), { token: await passwordStep(owner.email), code: first.toUpperCase(), ip: "10.7.4.1" });
    expect(used.usedRecoveryCode).toBe(true);
    await expect(completeSecondFactor(ctx(), { token: await passwordStep(owner.email), code: first, ip: "10.7.4.1" })).rejects.toMatchObject({ code: "unauthorized" });
    const [a, b] = [await passwordStep(owner.email), await passwordStep(owner.email)];
    const raced = await Promise.allSettled([
      completeSecondFactor(ctx(), { token: a, code: second, ip: "10.7.4.1" }),
      completeSecondFactor(ctx(), { token: b, code: second, ip: "10.7.4.1" }),
    ]);
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await callerFor(used.session).account.twoFactor.status()).recoveryCodesLeft).toBe(8);
    const audit = (await auditOf(owner.session.adminId)).filter((x) => x.action === "admin.recovery_code_used");
    expect(audit.map((x) => x.details.recovery_codes_left)).toEqual([9, 8]);
  });

  it("a pending sign-in expires after 5 minutes, and ends when the person is disabled", async () => {
    const owner = await signedInAdmin(t);
    const other = await signedInAdmin(t, { role: "finance" });
    const pending = await passwordStep(other.email);
    await owner.caller.people.disable({ adminId: other.session.adminId });
    await expect(completeSecondFactor(ctx(), { token: pending, code: other.twoFactor!.recoveryCodes[0], ip: "10.7.5.1" })).rejects.toMatchObject({ code: "unauthorized" });
    expect(await resolveSession(ctx(), other.token)).toBeNull();

    const late = await passwordStep(owner.email);
    tick(5 * 60 + 1);
    await expect(completeSecondFactor(ctx(), { token: late, code: owner.twoFactor!.recoveryCodes[0], ip: "10.7.5.1" })).rejects.toMatchObject({ code: "unauthorized" });
  });
});

describe("managing two-factor sign-in", () => {
  it("regenerating recovery codes needs a current code; the old ones stop working", async () => {
    const owner = await signedInAdmin(t);
    await expect(owner.caller.account.twoFactor.regenerateRecoveryCodes({ code: owner.twoFactor!.recoveryCodes[0] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const { recoveryCodes } = await owner.caller.account.twoFactor.regenerateRecoveryCodes({ code: await nextTotp(owner) });
    expect(recoveryCodes).toHaveLength(10);
    await expect(completeSecondFactor(ctx(), { token: await passwordStep(owner.email), code: owner.twoFactor!.recoveryCodes[1], ip: "10.7.6.1" })).rejects.toMatchObject({
      code: "unauthorized",
    });
    await expect(completeSecondFactor(ctx(), { token: await passwordStep(owner.email), code: recoveryCodes[0], ip: "10.7.6.1" })).resolves.toBeDefined();
    expect((await auditOf(owner.session.adminId)).map((a) => a.action)).toContain("admin.recovery_codes_regenerate");
  });

  it("only a role that does not require it turns it off, with a code", async () => {
    const finance = await signedInAdmin(t, { role: "finance" });
    await expect(finance.caller.account.twoFactor.disable({ code: await nextTotp(finance) })).rejects.toMatchObject({ code: "CONFLICT" });
    const viewer = await signedInAdmin(t, { role: "viewer", twoFactor: true });
    expect(viewer.session.twoFactorEnabled).toBe(true);
    await viewer.caller.account.twoFactor.disable({ code: await nextTotp(viewer) });
    expect((await viewer.caller.account.twoFactor.status()).enabled).toBe(false);
    const r = await login(ctx(), { email: viewer.email, password: ADMIN_PASSWORD, ip: "10.7.7.1" });
    expect(r.secondFactorPending).toBe(false);
    expect((await auditOf(viewer.session.adminId)).map((a) => a.action)).toContain("admin.two_factor_disable");
  });

  it("an owner resets another person's two-factor sign-in: audited, their sessions end, they enrol again", async () => {
    const owner = await signedInAdmin(t);
    const finance = await signedInAdmin(t, { role: "finance" });
    const r = await owner.caller.people.resetTwoFactor({ adminId: finance.session.adminId });
    expect(r.sessionsEnded).toBe(1);
    expect(await resolveSession(ctx(), finance.token)).toBeNull();
    const [row] = await t.sql`select count(*)::int as n from admin_two_factor where admin_id = ${finance.session.adminId}`;
    expect(row.n).toBe(0);
    const audit = (await auditOf(finance.session.adminId)).filter((a) => a.action === "admin.two_factor_reset");
    expect(audit[0].details).toMatchObject({ email: finance.email, had_two_factor: true, sessions_ended: 1 });
    const next = await login(ctx(), { email: finance.email, password: ADMIN_PASSWORD, ip: "10.7.8.1" });
    expect(next).toMatchObject({ secondFactorPending: false, session: { twoFactorEnrolmentRequired: true } });
    await expect(owner.caller.people.resetTwoFactor({ adminId: owner.session.adminId })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(finance.caller.people.resetTwoFactor({ adminId: owner.session.adminId })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("one's own sessions", () => {
  it("lists them with expiries and this session marked; revokes one, or every other one", async () => {
    const owner = await signedInAdmin(t, { role: "viewer" });
    const other1 = await login(ctx(), { email: owner.email, password: ADMIN_PASSWORD, ip: "10.7.9.1", userAgent: "Firefox" });
    const other2 = await login(ctx(), { email: owner.email, password: ADMIN_PASSWORD, ip: "10.7.9.2", userAgent: "Safari" });
    const sessions = await owner.caller.account.sessions.list();
    expect(sessions).toHaveLength(3);
    const current = sessions.filter((s) => s.current);
    expect(current.map((s) => s.id)).toEqual([owner.session.sessionId]);
    const firefox = sessions.find((s) => s.user_agent === "Firefox");
    expect(firefox).toMatchObject({ ip: "10.7.9.1" });
    expect(Date.parse(firefox!.idle_expires_at) - Date.parse(firefox!.last_seen_at)).toBe(SESSION_IDLE_MS);
    expect(Date.parse(firefox!.expires_at)).toBeGreaterThan(Date.parse(firefox!.idle_expires_at));

    await owner.caller.account.sessions.revoke({ sessionId: firefox!.id });
    expect(await resolveSession(ctx(), other1.token)).toBeNull();
    await expect(owner.caller.account.sessions.revoke({ sessionId: owner.session.sessionId })).rejects.toMatchObject({ code: "CONFLICT" });
    // Someone else's session is not yours to end.
    const stranger = await signedInAdmin(t, { role: "viewer" });
    await expect(owner.caller.account.sessions.revoke({ sessionId: stranger.session.sessionId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await resolveSession(ctx(), stranger.token)).not.toBeNull();

    expect(await owner.caller.account.sessions.revokeOthers()).toEqual({ ok: true, sessionsEnded: 1 });
    expect(await resolveSession(ctx(), other2.token)).toBeNull();
    expect(await resolveSession(ctx(), owner.token)).not.toBeNull();
    expect((await owner.caller.account.sessions.list()).map((s) => s.id)).toEqual([owner.session.sessionId]);
    const actions = (await auditOf(owner.session.adminId)).map((a) => a.action);
    expect(actions).toContain("admin.sessions_revoke_others");
  });

  it("a disabled person's sessions end at once", async () => {
    const owner = await signedInAdmin(t);
    const person = await signedInAdmin(t, { role: "operator" });
    expect(await resolveSession(ctx(), person.token)).not.toBeNull();
    await owner.caller.people.disable({ adminId: person.session.adminId });
    expect(await resolveSession(ctx(), person.token)).toBeNull();
    const [row] = await t.sql`select count(*)::int as n from admin_sessions where admin_id = ${person.session.adminId} and revoked_at is null`;
    expect(row.n).toBe(0);
  });
});

describe("the key of TOTP secrets", () => {
  it("encrypts with AES-256-GCM bound to the admin: another admin's row or another key does not decrypt", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "astapa-totp-key-"));
    try {
      const generated = loadTwoFactorKey({ dataDir: dir });
      expect(generated.source).toBe("generated");
      // Every process of the deployment reads the same key from then on.
      const again = loadTwoFactorKey({ dataDir: dir });
      expect(again).toMatchObject({ source: "file" });
      expect(again.key.equals(generated.key)).toBe(true);
      const sealed = encryptSecret(generated.key, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "adm_1");
      expect(decryptSecret(generated.key, sealed, "adm_1")).toBe("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
      expect(() => decryptSecret(generated.key, sealed, "adm_2")).toThrow();
      const configured = loadTwoFactorKey({ configured: Buffer.alloc(32, 7).toString("base64"), dataDir: dir });
      expect(configured.source).toBe("config");
      expect(() => decryptSecret(configured.key, sealed, "adm_1")).toThrow();
      expect(() => loadTwoFactorKey({ configured: "too short", dataDir: dir })).toThrow(/ADMIN_TOTP_KEY/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
