import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { seedPurchases, signedInAdmin } from "../testing/admin";
import { appRouter } from "../trpc/router";
import { can, maskBuyerEmails, maskEmail, permissions, roles, rolePermissions, type Role } from "./permissions";

let t: TestPlatform;
let callers: Record<Role, Awaited<ReturnType<typeof signedInAdmin>>>;
beforeAll(async () => {
  t = await startTestPlatform();
  const entries = await Promise.all(roles.map(async (role) => [role, await signedInAdmin(t, { role })] as const));
  callers = Object.fromEntries(entries) as typeof callers;
});
afterAll(async () => t?.close());

const ALL: Role[] = ["owner", "finance", "operator", "viewer"];
const OWNER: Role[] = ["owner"];
const FINANCE: Role[] = ["owner", "finance"];
const OPERATOR: Role[] = ["owner", "operator"];

/**
 * The role × procedure matrix, written out by hand (not derived from server/admin/permissions.ts):
 * a procedure added to the router without an entry here fails, and so does a permission change
 * that moves a procedure to other roles.
 */
const matrix: Record<string, Role[]> = {
  health: ALL,
  me: ALL,
  "admins.list": ALL,
  "dashboard.stats": ALL,
  "payments.list": ALL,
  "payments.detail": ALL,
  "payments.reconcile": OPERATOR,
  "payments.resendWebhook": OPERATOR,
  "payments.refund": FINANCE,
  "reconcile.countPending": ALL,
  "reconcile.pendingBatch": OPERATOR,
  "projects.list": ALL,
  "projects.get": ALL,
  "projects.create": OPERATOR,
  "projects.update": OPERATOR,
  "projects.setWebhookUrl": OPERATOR,
  "projects.revealWebhookSecret": OPERATOR,
  "projects.rotateWebhookSecret": OPERATOR,
  "projects.sendTestWebhook": OPERATOR,
  "projects.reenableWebhookEndpoint": OPERATOR,
  "projects.setWebhookEventTypes": OPERATOR,
  "items.list": ALL,
  "items.create": OPERATOR,
  "items.update": OPERATOR,
  "credentials.create": OPERATOR,
  "credentials.rotate": OPERATOR,
  "credentials.revoke": OPERATOR,
  "webhooks.list": ALL,
  "webhooks.event": ALL,
  "webhooks.retry": OPERATOR,
  "webhooks.retryBatch": OPERATOR,
  "webhooks.disabledEndpoints": ALL,
  "people.list": OWNER,
  "people.invite": OWNER,
  "people.revokeInvite": OWNER,
  "people.setRole": OWNER,
  "people.disable": OWNER,
  "people.enable": OWNER,
  "people.resetPassword": OWNER,
  "people.changeOwnPassword": ALL,
  "people.resetTwoFactor": OWNER,
  "account.twoFactor.status": ALL,
  "account.twoFactor.begin": ALL,
  "account.twoFactor.confirm": ALL,
  "account.twoFactor.regenerateRecoveryCodes": ALL,
  "account.twoFactor.disable": ALL,
  "account.sessions.list": ALL,
  "account.sessions.revoke": ALL,
  "account.sessions.revokeOthers": ALL,
  "audit.list": ALL,
};

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

describe("the role × procedure matrix", () => {
  const paths = Object.keys(appRouter._def.procedures);

  it("every procedure of the router has an entry (and every entry a procedure)", () => {
    expect(paths.filter((p) => !(p in matrix))).toEqual([]);
    expect(Object.keys(matrix).filter((p) => !paths.includes(p))).toEqual([]);
  });

  it("every procedure declares a permission", () => {
    const undeclared = Object.entries(appRouter._def.procedures).filter(([, p]) => !(p as { _def: { meta?: { permission?: string } } })._def.meta?.permission);
    expect(undeclared.map(([path]) => path)).toEqual([]);
  });

  const cases = paths.flatMap((path) => roles.map((role) => [path, role] as const));
  it.each(cases)("%s as %s", async (path, role) => {
    // An input no procedure accepts: an allowed call fails validation (or runs, for a query
    // without input) but is never FORBIDDEN; a refused call is FORBIDDEN before its input is read.
    const code = await codeOf(callPath(callers[role].caller, path, { __probe: true }));
    if ((matrix[path] ?? []).includes(role)) expect(code).not.toBe("FORBIDDEN");
    else expect(code).toBe("FORBIDDEN");
    expect(code).not.toMatch(/^not a TRPCError|INTERNAL_SERVER_ERROR/);
  });

  it("over HTTP a refusal is 403 with the domain code `forbidden`", async () => {
    const r = await fetch(`${t.url}/api/trpc/payments.refund`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: callers.viewer.cookie, origin: t.url },
      body: JSON.stringify({ purchaseId: "pur_x", amount: 1000, reason: "test" }),
    });
    expect(r.status).toBe(403);
    expect((await r.json()).error.data).toMatchObject({ code: "FORBIDDEN", domainCode: "forbidden" });
  });
});

describe("the role → permissions map", () => {
  it("owner holds every permission; viewer only reads and manages their own account", () => {
    expect(permissions.every((p) => can("owner", p))).toBe(true);
    expect(rolePermissions.viewer).toEqual(["console.read", "account.self"]);
    expect(can("finance", "payments.refund")).toBe(true);
    expect(can("operator", "payments.refund")).toBe(false);
    expect(can("superuser", "console.read")).toBe(false);
  });
});

describe("buyer e-mails for a viewer", () => {
  it("are masked in the list and the detail; other roles see them", async () => {
    const m = await t.createMerchant({ name: "Masking shop" });
    const [id] = await seedPurchases(t.sql, m.project_id, [{ buyer_email: "budi.santoso@example.com", buyer_name: "Budi", order_id: `mask-${Date.now()}` }]);
    const viewerList = await callers.viewer.caller.payments.list({});
    const mine = viewerList.items.find((p) => p.id === id);
    expect(mine?.buyer_email).toBe("b***@example.com");
    const detail = await callers.viewer.caller.payments.detail({ id });
    expect(detail.payment.buyer_email).toBe("b***@example.com");
    expect(JSON.stringify(detail)).not.toContain("budi.santoso@");

    const finance = await callers.finance.caller.payments.detail({ id });
    expect(finance.payment.buyer_email).toBe("budi.santoso@example.com");
    // The viewer's own account is theirs to see.
    expect((await callers.viewer.caller.me()).email).toBe(callers.viewer.email);
  });

  it("maskEmail keeps the first letter and the domain, inside any text too", () => {
    expect(maskEmail("budi@example.com")).toBe("b***@example.com");
    expect(maskBuyerEmails({ raw: '{"email":"sari.w@toko.co.id"}', admin_email: "ops@astapa.test", n: 3 })).toEqual({
      raw: '{"email":"s***@toko.co.id"}',
      admin_email: "ops@astapa.test",
      n: 3,
    });
  });
});

describe("the CSV export", () => {
  it("is for owner and finance; others get 403 forbidden", async () => {
    for (const role of roles) {
      const r = await fetch(`${t.url}/admin/export.csv`, { headers: { cookie: callers[role].cookie } });
      if (FINANCE.includes(role)) {
        expect(r.status).toBe(200);
        await r.text();
      } else {
        expect(r.status).toBe(403);
        expect((await r.json()).error).toMatchObject({ code: "forbidden" });
      }
    }
  });
});
