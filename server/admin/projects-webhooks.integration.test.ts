import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { seedEvents, startReceiver, type Receiver } from "../testing/webhooks";
import { authenticateClient } from "../projects/projects.service";
import { seedPurchases, signedInAdmin } from "../testing/admin";
import { jakartaDayStart } from "./dashboard.service";
import { updateEndpointUrl } from "../webhooks/endpoints.queries";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let receiver: Receiver;

beforeAll(async () => {
  t = await startTestPlatform();
  admin = await signedInAdmin(t);
  receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
});
afterAll(async () => {
  await receiver?.close();
  await t?.close();
});

/** Stores an endpoint URL without the save-time destination check (a URL saved before the rule, or under another configuration). */
const setEndpointUrlUnchecked = (projectId: string, environment: "sandbox" | "production", url: string) => updateEndpointUrl(t.sql, projectId, environment, url);

describe("projects and credentials", () => {
  it("creates, lists and edits a project and its endpoints (validated, audited)", async () => {
    const p = await admin.caller.projects.create({ name: "Warung Baru", sandbox_webhook_url: receiver.url, store_url_template: "https://shop.example/{store_slug}" });
    expect(p).toMatchObject({ name: "Warung Baru", webhook_urls: { sandbox: receiver.url, production: null }, active_credentials: 0 });
    expect((await admin.caller.projects.list()).find((x) => x.id === p.id)?.webhook_urls).toEqual({ sandbox: receiver.url, production: null });
    await expect(admin.caller.projects.create({ name: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.projects.update({ id: p.id, store_url_template: "https://no-slug.example/" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "sandbox", webhook_url: "ftp://x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // @ts-expect-error: every endpoint procedure takes an environment
    await expect(admin.caller.projects.setWebhookUrl({ projectId: p.id, webhook_url: receiver.url })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // The single project-wide URL of old is refused, not silently dropped.
    // @ts-expect-error: projects no longer have a single webhook_url
    await expect(admin.caller.projects.update({ id: p.id, webhook_url: receiver.url })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const updated = await admin.caller.projects.update({ id: p.id, name: "Warung Baru Jaya" });
    expect(updated).toMatchObject({ name: "Warung Baru Jaya", webhook_urls: { sandbox: receiver.url, production: null }, store_url_template: "https://shop.example/{store_slug}" });
    const cleared = await admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "sandbox", webhook_url: "" });
    expect(cleared.endpoints.sandbox.url).toBeNull();
    const audit = await admin.caller.audit.list({ targetId: p.id });
    expect(audit.items.map((a) => a.action)).toEqual(["project.set_webhook_url", "project.update", "project.create"]);
    expect(audit.items[0].details).toEqual({ environment: "sandbox", from: receiver.url, to: null });
    expect(audit.items[1].details).toEqual({ name: { from: "Warung Baru", to: "Warung Baru Jaya" } });
    await expect(admin.caller.projects.get({ projectId: "prj_nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.caller.projects.setWebhookUrl({ projectId: "prj_nope", environment: "sandbox", webhook_url: receiver.url })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("issues a credential (secret shown once), rotates with no overlap (new + old revoked) and revokes", async () => {
    const p = await admin.caller.projects.create({ name: "Cred shop" });
    const issued = await admin.caller.credentials.create({ projectId: p.id, environment: "sandbox" });
    expect(issued.client_id).toMatch(/^ast_sandbox_/);
    expect(issued.client_secret).toMatch(/^sk_sandbox_/);
    await expect(authenticateClient(t.platform.ctx, issued.client_id, issued.client_secret)).resolves.toBeDefined();
    const detail = await admin.caller.projects.get({ projectId: p.id });
    expect(JSON.stringify(detail)).not.toContain(issued.client_secret);
    expect(detail.credentials[0]).toMatchObject({ client_id: issued.client_id, secret_last4: issued.client_secret.slice(-4), revoked_at: null });

    // Overlaps are tested in server/projects/credentials-rotation.integration.test.ts.
    const rotated = await admin.caller.credentials.rotate({ credentialId: issued.credential.id, overlap: "now" });
    expect(rotated.credential.environment).toBe("sandbox");
    expect(rotated.previous).toEqual({ id: issued.credential.id, client_id: issued.client_id, expires_at: null });
    await expect(authenticateClient(t.platform.ctx, issued.client_id, issued.client_secret)).rejects.toMatchObject({ code: "invalid_client" });
    await expect(authenticateClient(t.platform.ctx, rotated.client_id, rotated.client_secret)).resolves.toBeDefined();
    await expect(admin.caller.credentials.rotate({ credentialId: issued.credential.id })).rejects.toMatchObject({ code: "CONFLICT" });

    await admin.caller.credentials.revoke({ credentialId: rotated.credential.id });
    await expect(authenticateClient(t.platform.ctx, rotated.client_id, rotated.client_secret)).rejects.toMatchObject({ code: "invalid_client" });
    const live = await admin.caller.credentials.create({ projectId: p.id, environment: "production" });
    expect(live.client_id).toMatch(/^ast_live_/);

    const audit = await admin.caller.audit.list({ targetId: p.id });
    expect(audit.items.map((a) => a.action)).toEqual(["credential.create", "credential.revoke", "credential.rotate", "credential.create", "project.create"]);
    expect(JSON.stringify(audit)).not.toContain(issued.client_secret);
  });

  it("reveals and rotates each environment's signing secret on its own (audited)", async () => {
    const p = await admin.caller.projects.create({ name: "Secret shop" });
    const sandbox = await admin.caller.projects.revealWebhookSecret({ projectId: p.id, environment: "sandbox" });
    const production = await admin.caller.projects.revealWebhookSecret({ projectId: p.id, environment: "production" });
    expect(sandbox.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(production.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(sandbox.webhook_secret).not.toBe(production.webhook_secret);
    const detail = await admin.caller.projects.get({ projectId: p.id });
    expect(detail.endpoints.sandbox.secret_hint).toBe(`whsec_…${sandbox.webhook_secret.slice(-4)}`);
    expect(detail.endpoints.production.secret_hint).toBe(`whsec_…${production.webhook_secret.slice(-4)}`);
    expect(JSON.stringify(detail)).not.toContain(sandbox.webhook_secret);

    const rotated = await admin.caller.projects.rotateWebhookSecret({ projectId: p.id, environment: "sandbox" });
    expect(rotated.webhook_secret).not.toBe(sandbox.webhook_secret);
    const again = await admin.caller.projects.revealWebhookSecret({ projectId: p.id, environment: "sandbox" });
    expect(again.webhook_secret).toBe(rotated.webhook_secret);
    expect(again.previous_expires_at).not.toBeNull();
    // The production endpoint is untouched.
    expect(await admin.caller.projects.revealWebhookSecret({ projectId: p.id, environment: "production" })).toEqual({ ...production, environment: "production" });
    const after = await admin.caller.projects.get({ projectId: p.id });
    expect(after.endpoints.sandbox.secret_previous_expires_at).not.toBeNull();
    expect(after.endpoints.production.secret_previous_expires_at).toBeNull();
    const audit = await admin.caller.audit.list({ targetId: p.id });
    expect(audit.items.map((a) => [a.action, a.details.environment])).toEqual([
      ["project.reveal_webhook_secret", "production"],
      ["project.reveal_webhook_secret", "sandbox"],
      ["project.rotate_webhook_secret", "sandbox"],
      ["project.reveal_webhook_secret", "production"],
      ["project.reveal_webhook_secret", "sandbox"],
      ["project.create", undefined],
    ]);
  });

  it("sends a signed webhook.test to one environment's endpoint, signed with that endpoint's secret only, and shows the answer", async () => {
    const other = await startReceiver();
    try {
      const p = await admin.caller.projects.create({ name: "Test hook shop", sandbox_webhook_url: receiver.url });
      await setEndpointUrlUnchecked(p.id, "production", other.url); // a loopback production URL is refused when saved: stored directly
      const before = receiver.received.length;
      const r = await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "sandbox" });
      expect(r).toMatchObject({ environment: "sandbox", ok: true, status: 200, bodyExcerpt: "ok", error: null, url: receiver.url });
      const got = receiver.received[before];
      const secret = async (environment: "sandbox" | "production") => (await admin.caller.projects.revealWebhookSecret({ projectId: p.id, environment })).webhook_secret;
      const verified = new Webhook(await secret("sandbox")).verify(got.body, got.headers as Record<string, string>) as { event: string; environment: string };
      expect(verified).toMatchObject({ event: "webhook.test", environment: "sandbox" });
      const productionSecret = await secret("production");
      expect(() => new Webhook(productionSecret).verify(got.body, got.headers as Record<string, string>)).toThrow();
      expect(String(got.headers["webhook-signature"]).split(" ")).toHaveLength(1);
      expect(other.received).toHaveLength(0);
      expect(await t.sql`select 1 from webhook_events where project_id = ${p.id}`).toHaveLength(0); // not through the outbox

      receiver.behave(() => ({ status: 500, body: "kaboom" }));
      try {
        expect(await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "sandbox" })).toMatchObject({ ok: false, status: 500, bodyExcerpt: "kaboom" });
      } finally {
        receiver.behave(() => ({ status: 200, body: "ok" }));
      }
      const none = await admin.caller.projects.create({ name: "No URL" });
      await expect(admin.caller.projects.sendTestWebhook({ projectId: none.id, environment: "sandbox" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      const audit = await admin.caller.audit.list({ targetId: p.id, action: "project.test_webhook" });
      expect(audit.items[0].details).toMatchObject({ environment: "sandbox", url: receiver.url, ok: false, status: 500 });
    } finally {
      await other.close();
    }
  });

  it("a production credential no longer changes where sandbox test webhooks may go; the production endpoint is public-only", async () => {
    // The old rule keyed the test webhook on "has an active production credential"; now each
    // endpoint follows its own environment's rule (server/webhooks/destination.ts).
    const p = await admin.caller.projects.create({ name: "Live hook shop", sandbox_webhook_url: receiver.url });
    await setEndpointUrlUnchecked(p.id, "production", receiver.url);
    const config = t.platform.ctx.config;
    expect(config).toMatchObject({ allowPrivateWebhookUrls: false, productionKeysConfigured: false });
    await admin.caller.credentials.create({ projectId: p.id, environment: "production" });
    expect(await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "sandbox" })).toMatchObject({ ok: true }); // loopback: local sandbox
    const before = receiver.received.length;
    const r = await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "production" });
    expect(r).toMatchObject({ environment: "production", ok: false, status: null, bodyExcerpt: null });
    expect(r.error).toMatch(/^destination not allowed: 127\.0\.0\.1 \(loopback\)/);
    expect(receiver.received.length).toBe(before);
    config.allowPrivateWebhookUrls = true;
    try {
      expect(await admin.caller.projects.sendTestWebhook({ projectId: p.id, environment: "production" })).toMatchObject({ ok: true, status: 200 });
    } finally {
      config.allowPrivateWebhookUrls = false;
    }
  });
});

describe("webhook deliveries in trouble", () => {
  it("lists failing and exhausted events across projects, and retries one or all", async () => {
    const m = await t.createMerchant({ name: "Flaky merchant" });
    await setEndpointUrlUnchecked(m.project_id, "sandbox", receiver.url);
    const ids = await seedEvents(t.sql, m.project_id, 4);
    // Two failing (attempted, still scheduled), one exhausted, one never attempted yet.
    await t.sql`update webhook_events set attempt_count = 2, last_error = 'HTTP 500', next_attempt_at = now() + interval '1 hour' where id in ${t.sql(ids.slice(0, 2))}`;
    await t.sql`update webhook_events set status = 'failed', attempt_count = 10, last_error = 'timeout', next_attempt_at = null where id = ${ids[2]}`;

    const list = await admin.caller.webhooks.list({ projectId: m.project_id });
    expect(list.items.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect(list.counts).toMatchObject({ failing: 2, exhausted: 1, pending: 1 });
    expect((await admin.caller.webhooks.list({ state: "exhausted", projectId: m.project_id })).items.map((e) => e.id)).toEqual([ids[2]]);

    const one = await admin.caller.webhooks.retry({ eventId: ids[2] });
    expect(one).toMatchObject({ delivered: true, eventStatus: "delivered" });

    const before = new Date().toISOString();
    let cursor: string | null = null;
    let tried = 0;
    for (;;) {
      const b: Awaited<ReturnType<typeof admin.caller.webhooks.retryBatch>> = await admin.caller.webhooks.retryBatch({ before, cursor, batchSize: 1 });
      tried += b.tried;
      if (b.done) break;
      cursor = b.nextCursor;
    }
    expect(tried).toBe(2);
    expect((await admin.caller.webhooks.list({ projectId: m.project_id })).counts).toMatchObject({ failing: 0, exhausted: 0, delivered: 3, pending: 1 });
    const statuses = await t.sql`select status from webhook_events where id in ${t.sql(ids)} order by status`;
    expect(statuses.map((s) => s.status)).toEqual(["delivered", "delivered", "delivered", "pending"]);
  });
});

describe("dashboard", () => {
  it("counts and sums per status, settlement and webhook success rates, and settled IDR per WIB day", async () => {
    const m = await t.createMerchant({ name: "Dashboard shop" });
    const now = new Date();
    const today = jakartaDayStart(now);
    const before = await admin.caller.dashboard.stats({ environment: "all" });
    await seedPurchases(t.sql, m.project_id, [
      { status: "settlement", amount: 75000, created_at: new Date(today.getTime() + 1000), paid_at: new Date(today.getTime() + 2000) },
      { status: "settlement", amount: 25000, created_at: new Date(now.getTime() - 3 * 86400_000), paid_at: new Date(now.getTime() - 3 * 86400_000) },
      { status: "pending", amount: 10000, created_at: new Date(today.getTime() + 1000) },
      { status: "expire", amount: 5000, created_at: new Date(now.getTime() - 20 * 86400_000) },
      { status: "create_failed", amount: 1000, created_at: new Date(today.getTime() + 1000) },
    ]);
    const after = await admin.caller.dashboard.stats({ environment: "all" });
    type Period = (typeof after.periods)[number];
    const period = (s: typeof after, key: string): Period => s.periods.find((p) => p.key === key) ?? expect.fail(`no period ${key}`);
    const diff = (key: string, f: (p: Period) => number) => f(period(after, key)) - f(period(before, key));
    expect(diff("today", (p) => p.total.count)).toBe(3);
    expect(diff("today", (p) => p.settled.amount)).toBe(75000);
    expect(diff("7d", (p) => p.settled.amount)).toBe(100000);
    expect(diff("30d", (p) => p.total.amount)).toBe(116000);
    expect(diff("30d", (p) => p.byStatus.find((s) => s.status === "expire")?.count ?? 0)).toBe(1);
    expect(after.settledPerDay).toHaveLength(30);
    const todayKey = after.settledPerDay[29].day;
    expect(new Date(`${todayKey}T00:00:00+07:00`).getTime()).toBe(today.getTime());
    expect(after.settledPerDay[29].amount - before.settledPerDay[29].amount).toBe(75000);
    const rate = after.periods[0].settlementRate;
    expect(rate).not.toBeNull();
    expect(rate ?? 0).toBeGreaterThan(0);
    expect(rate ?? 0).toBeLessThanOrEqual(1);
    // The webhook test above: 3 delivered, 1 pending never attempted (not counted).
    const hooks = after.periods[0].webhooks;
    expect(hooks.delivered).toBeGreaterThanOrEqual(3);
    expect(hooks.successRate).toBe(hooks.delivered / (hooks.delivered + hooks.failed + hooks.retrying));
  });
});
