import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { ADMIN_PASSWORD, signedInAdmin } from "../testing/admin";
import { createTrpcContext } from "../trpc/context";
import { login, resolveSession } from "./sessions.service";
import { acceptLink, INVITE_TTL_MS, linkInfo } from "./people.service";

// The platform's clock moves forward on demand (link expiry) without sleeping.
let offsetMs = 0;
let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ now: () => new Date(Date.now() + offsetMs) });
});
afterAll(async () => t?.close());

const tokenOf = (url: string) => url.split("/admin/invite/")[1];
const NEW_PASSWORD = "a brand new passphrase 42";
let seq = 0;
const email = (what: string) => `${what}${seq++}-${Date.now().toString(36)}@astapa.test`;

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`;
  }
};

async function auditActions(targetId: string): Promise<string[]> {
  const rows = await t.sql<{ action: string }[]>`select action from admin_audit_log where target_id = ${targetId} order by id`;
  return rows.map((r) => r.action);
}

describe("invitations", () => {
  it("an owner invites; the link works once and the person signs in with the invited role", async () => {
    const owner = await signedInAdmin(t);
    const invitee = email("finance");
    const link = await owner.caller.people.invite({ email: invitee, role: "finance" });
    expect(link.url).toMatch(/\/admin\/invite\/[A-Za-z0-9_-]{40,}$/);
    const token = tokenOf(link.url);
    // Only the hash is stored.
    const [stored] = await t.sql`select token_hash from admin_tokens where email = ${invitee}`;
    expect(stored.token_hash).not.toContain(token);
    expect(await linkInfo(t.platform.ctx, token)).toEqual({ kind: "invite", email: invitee, role: "finance" });
    expect((await owner.caller.people.list()).invites.map((i) => i.email)).toContain(invitee);

    await acceptLink(t.platform.ctx, { token, password: NEW_PASSWORD });
    // Finance requires two-factor sign-in: the first session may only enrol (docs/decisions/0019-two-factor.md).
    const signedIn = await login(t.platform.ctx, { email: invitee, password: NEW_PASSWORD, ip: "10.2.0.1" });
    expect(signedIn).toMatchObject({ secondFactorPending: false, session: { role: "finance", twoFactorEnrolmentRequired: true } });
    await expect(acceptLink(t.platform.ctx, { token, password: "another passphrase 43" })).rejects.toMatchObject({ code: "not_found" });
    expect(await linkInfo(t.platform.ctx, token)).toBeNull();
    const [admin] = await t.sql`select id from admin_users where email = ${invitee}`;
    expect(await auditActions(admin.id)).toContain("admin.invite_accept");
    expect((await owner.caller.people.list()).invites.map((i) => i.email)).not.toContain(invitee);
  });

  it("expires after 72 hours", async () => {
    const owner = await signedInAdmin(t);
    const link = await owner.caller.people.invite({ email: email("late"), role: "viewer" });
    offsetMs = INVITE_TTL_MS + 1000;
    try {
      expect(await linkInfo(t.platform.ctx, tokenOf(link.url))).toBeNull();
      await expect(acceptLink(t.platform.ctx, { token: tokenOf(link.url), password: NEW_PASSWORD })).rejects.toMatchObject({ code: "not_found" });
    } finally {
      offsetMs = 0;
    }
  });

  it("a newer invitation replaces the older; an existing person cannot be invited", async () => {
    const owner = await signedInAdmin(t);
    const who = email("twice");
    const first = await owner.caller.people.invite({ email: who, role: "viewer" });
    await owner.caller.people.invite({ email: who, role: "operator" });
    expect(await linkInfo(t.platform.ctx, tokenOf(first.url))).toBeNull();
    await expect(owner.caller.people.invite({ email: owner.email, role: "viewer" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

describe("disabling a person", () => {
  it("ends their open session at once", async () => {
    const owner = await signedInAdmin(t);
    const ops = await signedInAdmin(t, { role: "operator" });
    // An open session, as the browser holds it: each request resolves the cookie afresh.
    const asOps = async () => {
      const ctx = await createTrpcContext(t.platform.ctx, {
        method: "GET",
        cookie: ops.cookie,
        host: "x",
        protocol: "http",
        ip: null,
        userAgent: null,
        referer: null,
        origin: null,
      });
      return ctx.admin;
    };
    expect(await asOps()).not.toBeNull();
    await owner.caller.people.disable({ adminId: ops.session.adminId });
    expect(await resolveSession(t.platform.ctx, ops.token)).toBeNull();
    expect(await asOps()).toBeNull();
    const r = await fetch(`${t.url}/api/trpc/health`, { headers: { cookie: ops.cookie } });
    expect(r.status).toBe(401);
    const [live] = await t.sql`select count(*)::int as n from admin_sessions where admin_id = ${ops.session.adminId} and revoked_at is null`;
    expect(live.n).toBe(0);
    await expect(login(t.platform.ctx, { email: ops.email, password: ADMIN_PASSWORD, ip: "10.2.0.2" })).rejects.toMatchObject({ code: "unauthorized" });
    expect(await auditActions(ops.session.adminId)).toContain("admin.disable");

    await owner.caller.people.enable({ adminId: ops.session.adminId });
    await expect(login(t.platform.ctx, { email: ops.email, password: ADMIN_PASSWORD, ip: "10.2.0.2" })).resolves.toBeTruthy();
  });

  it("nobody disables themself or changes their own role", async () => {
    const owner = await signedInAdmin(t);
    expect(await codeOf(owner.caller.people.disable({ adminId: owner.session.adminId }))).toBe("CONFLICT");
    expect(await codeOf(owner.caller.people.setRole({ adminId: owner.session.adminId, role: "viewer" }))).toBe("CONFLICT");
  });
});

describe("roles", () => {
  it("a role change applies to the person's next request", async () => {
    const owner = await signedInAdmin(t);
    // With two-factor sign-in already on: finance requires it (docs/decisions/0019-two-factor.md).
    const person = await signedInAdmin(t, { role: "viewer", twoFactor: true });
    const refund = () => codeOf(person.caller.payments.refund({ purchaseId: "pur_missing", amount: 1000, reason: "test refund" } as never));
    // The caller's context holds the session as resolved; a page request resolves it again.
    const fresh = async () => (await resolveSession(t.platform.ctx, person.token))?.role;
    expect(await refund()).toBe("FORBIDDEN");
    await owner.caller.people.setRole({ adminId: person.session.adminId, role: "finance" });
    expect(await fresh()).toBe("finance");
    const r = await fetch(`${t.url}/api/trpc/payments.refund`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: person.cookie, origin: t.url },
      body: JSON.stringify({ purchaseId: "pur_missing", amount: 1000, reason: "test refund" }),
    });
    expect(r.status).not.toBe(403);
    expect(await auditActions(person.session.adminId)).toContain("admin.role_change");
  });
});

describe("passwords", () => {
  it("an owner's reset link sets a new password once and ends the person's sessions", async () => {
    const owner = await signedInAdmin(t);
    const person = await signedInAdmin(t, { role: "operator" });
    const link = await owner.caller.people.resetPassword({ adminId: person.session.adminId });
    expect(await linkInfo(t.platform.ctx, tokenOf(link.url))).toMatchObject({ kind: "reset", email: person.email });
    await acceptLink(t.platform.ctx, { token: tokenOf(link.url), password: NEW_PASSWORD });
    expect(await resolveSession(t.platform.ctx, person.token)).toBeNull();
    await expect(login(t.platform.ctx, { email: person.email, password: ADMIN_PASSWORD, ip: "10.2.0.3" })).rejects.toMatchObject({ code: "unauthorized" });
    await expect(login(t.platform.ctx, { email: person.email, password: NEW_PASSWORD, ip: "10.2.0.3" })).resolves.toBeTruthy();
    await expect(acceptLink(t.platform.ctx, { token: tokenOf(link.url), password: "third passphrase 44" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("everyone changes their own password with the current one; other sessions end, this one stays", async () => {
    const viewer = await signedInAdmin(t, { role: "viewer" });
    const other = await login(t.platform.ctx, { email: viewer.email, password: ADMIN_PASSWORD, ip: "10.2.0.4" });
    await expect(viewer.caller.people.changeOwnPassword({ currentPassword: "wrong password!!", newPassword: NEW_PASSWORD })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const result = await viewer.caller.people.changeOwnPassword({ currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD });
    expect(result).toEqual({ ok: true, sessionsEnded: 1 });
    expect(await resolveSession(t.platform.ctx, other.token)).toBeNull();
    expect(await resolveSession(t.platform.ctx, viewer.token)).not.toBeNull();
    await expect(login(t.platform.ctx, { email: viewer.email, password: NEW_PASSWORD, ip: "10.2.0.4" })).resolves.toBeTruthy();
    expect(await auditActions(viewer.session.adminId)).toEqual(expect.arrayContaining(["admin.password_change_failed", "admin.password_change"]));
  });
});
