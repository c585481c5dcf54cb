import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { seedEvents, startReceiver, testClock, type Receiver } from "../testing/webhooks";
import { signedInAdmin } from "../testing/admin";
import { setProjectWebhookUrl, createProjectAsAdmin } from "../admin/projects-admin.service";
import { systemActor } from "../admin/audit.service";
import type { Environment } from "../midtrans/gateway";
import type { ResolveAll } from "./destination";
import { updateEndpointUrl } from "./endpoints.queries";
import { sendTestWebhook } from "./webhooks.service";
import { createWebhookWorker } from "./worker";

/**
 * The destination rule in a deployment with production Midtrans keys configured: every
 * non-public destination is refused for EVERY environment, identically when an endpoint is saved,
 * when a test webhook is sent and at every delivery (issue: "The private-address rule depends on
 * the event, not the endpoint"). The internal service below stands for anything on our own host:
 * it must never be reached, and nothing of its answer may be stored.
 */
let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let internal: Receiver;
const clock = testClock();
const INTERNAL_ANSWER = "INTERNAL-SECRET: the admin token of an internal service";

/** A name that resolves to loopback (an attacker's DNS record, or one that changed after the URL was saved). */
const INTERNAL_NAME = "hooks.attacker.example";
const resolve: ResolveAll = async (host) => {
  if (host === INTERNAL_NAME) return [{ address: "127.0.0.1", family: 4 }];
  throw Object.assign(new Error(`unexpected lookup of ${host}`), { code: "ENOTFOUND" });
};

let tricks: { trick: string; url: string }[];

beforeAll(async () => {
  t = await startTestPlatform({ now: clock.now, env: { MIDTRANS_PRODUCTION_SERVER_KEY: "Mid-server-PRODUCTION-TEST" } });
  admin = await signedInAdmin(t);
  internal = await startReceiver(() => ({ status: 200, body: INTERNAL_ANSWER }));
  const port = internal.port;
  tricks = [
    { trick: "127.1", url: `http://127.1:${port}/x` },
    { trick: "0x7f000001", url: `http://0x7f000001:${port}/x` },
    { trick: "2130706433", url: `http://2130706433:${port}/x` },
    { trick: "[::ffff:127.0.0.1]", url: `http://[::ffff:127.0.0.1]:${port}/x` },
    { trick: "NAT64 64:ff9b::7f00:1", url: `http://[64:ff9b::7f00:1]:${port}/x` },
    { trick: "6to4 2002:7f00:1::", url: `http://[2002:7f00:1::]:${port}/x` },
    { trick: "cloud metadata 169.254.169.254", url: "http://169.254.169.254/latest/meta-data/" },
    { trick: "localhost.", url: `http://localhost.:${port}/x` },
    { trick: "a name resolving to loopback", url: `http://${INTERNAL_NAME}:${port}/x` },
    { trick: "plain 127.0.0.1", url: internal.url },
  ];
});
afterEach(() => {
  t.platform.ctx.config.allowPrivateWebhookUrls = false;
});
afterAll(async () => {
  await internal?.close();
  await t?.close();
});

const ENVIRONMENTS: Environment[] = ["sandbox", "production"];

describe("a deployment with production keys refuses every non-public destination, for every environment", () => {
  it("knows it has production keys", () => {
    expect(t.platform.ctx.config).toMatchObject({ productionKeysConfigured: true, allowPrivateWebhookUrls: false });
  });

  it("when an endpoint is saved (create and set), with a field error, changing nothing", async () => {
    const p = await admin.caller.projects.create({ name: "Save-time shop", sandbox_webhook_url: "https://hooks.example.com/astapa" });
    for (const { trick, url } of tricks) {
      for (const environment of ENVIRONMENTS) {
        const set = setProjectWebhookUrl(t.platform.ctx, systemActor("test"), { projectId: p.id, environment, webhook_url: url }, { resolve });
        const err = await set.then(
          () => expect.fail(`${trick} (${environment}) was accepted`),
          (e) => e,
        );
        expect([trick, environment, err.code]).toEqual([trick, environment, "validation_failed"]);
        expect(err.fields.webhook_url).toMatch(new RegExp(`^destination not allowed: .*; this deployment sends ${environment} webhooks to public addresses only$`));

        const field = `${environment}_webhook_url` as const;
        const created = createProjectAsAdmin(t.platform.ctx, systemActor("test"), { name: "Refused shop", [field]: url }, { resolve });
        await expect(created).rejects.toMatchObject({ code: "validation_failed", fields: { [field]: expect.stringMatching(/^destination not allowed: /) } });
      }
    }
    // Through the console's API too, naming the address as WHATWG URL normalised it.
    const viaApi = admin.caller.projects.setWebhookUrl({ projectId: p.id, environment: "sandbox", webhook_url: `http://0x7f000001:${internal.port}/x` });
    await expect(viaApi).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "This sandbox webhook URL is not allowed",
      cause: { code: "validation_failed", fields: { webhook_url: "destination not allowed: 127.0.0.1 (loopback); this deployment sends sandbox webhooks to public addresses only" } },
    });
    const detail = await admin.caller.projects.get({ projectId: p.id });
    expect(detail.webhook_urls).toEqual({ sandbox: "https://hooks.example.com/astapa", production: null });
    expect(await t.sql`select count(*)::int as n from projects where name = 'Refused shop'`).toEqual([{ n: 0 }]);
    // A public destination is accepted (its name is resolved: here by the test's resolver).
    const ok = await setProjectWebhookUrl(
      t.platform.ctx,
      systemActor("test"),
      { projectId: p.id, environment: "production", webhook_url: "https://public.example/hook" },
      { resolve: async () => [{ address: "93.184.216.34", family: 4 }] },
    );
    expect(ok.endpoints.production.url).toBe("https://public.example/hook");
    expect(internal.received).toHaveLength(0);
  });

  it("when a test webhook is sent: the internal service is never reached and nothing of its answer is kept", async () => {
    for (const { trick, url } of tricks) {
      for (const environment of ENVIRONMENTS) {
        const m = await t.createMerchant({ environment });
        await updateEndpointUrl(t.sql, m.project_id, environment, url); // saved before the rule, or DNS changed since
        const r = await sendTestWebhook(t.platform.ctx, m.project_id, environment, { resolve });
        expect([trick, environment, r.ok, r.status, r.bodyExcerpt]).toEqual([trick, environment, false, null, null]);
        expect(r.error).toMatch(/^destination not allowed: /);
      }
    }
    // The console's button answers the same.
    const m = await t.createMerchant();
    await updateEndpointUrl(t.sql, m.project_id, "sandbox", internal.url);
    const viaConsole = await admin.caller.projects.sendTestWebhook({ projectId: m.project_id, environment: "sandbox" });
    expect(viaConsole).toMatchObject({ ok: false, status: null, bodyExcerpt: null, error: "destination not allowed: 127.0.0.1 (loopback)" });
    expect(internal.received).toHaveLength(0);
    const [{ audited }] = await t.sql`select count(*)::int as audited from admin_audit_log where details::text like ${`%${INTERNAL_ANSWER.slice(0, 15)}%`}`;
    expect(audited).toBe(0);
  });

  it("at every delivery of sandbox and production events: refused attempts are logged, and nothing of the internal answer is stored", async () => {
    const worker = createWebhookWorker(t.platform.ctx, { resolve, random: () => 0.5 });
    try {
      const ids: { trick: string; environment: Environment; id: string }[] = [];
      for (const { trick, url } of tricks) {
        for (const environment of ENVIRONMENTS) {
          const m = await t.createMerchant({ environment });
          await updateEndpointUrl(t.sql, m.project_id, environment, url);
          const [id] = await seedEvents(t.sql, m.project_id, 1, { environment, now: clock.now() });
          ids.push({ trick, environment, id });
        }
      }
      await worker.deliverDue();
      for (const { trick, environment, id } of ids) {
        const [ev] = await t.sql`select status, attempt_count, last_error from webhook_events where id = ${id}`;
        expect([trick, environment, ev.status, ev.attempt_count]).toEqual([trick, environment, "pending", 1]);
        expect(ev.last_error).toMatch(/^destination not allowed: /);
        const attempts = await t.sql`select response_status, response_body from webhook_attempts where event_id = ${id}`;
        expect(attempts).toEqual([{ response_status: null, response_body: null }]);
      }
      expect(internal.received).toHaveLength(0);
      const [{ stored }] = await t.sql`select count(*)::int as stored from webhook_attempts where response_body like 'INTERNAL-SECRET%'`;
      expect(stored).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("ALLOW_PRIVATE_WEBHOOK_URLS=true lifts the rule for every environment (an on-premises install)", async () => {
    t.platform.ctx.config.allowPrivateWebhookUrls = true;
    for (const environment of ENVIRONMENTS) {
      const m = await t.createMerchant({ environment });
      const saved = await admin.caller.projects.setWebhookUrl({ projectId: m.project_id, environment, webhook_url: `http://127.1:${internal.port}/x` });
      expect(saved.endpoints[environment].url).toBe(`http://127.0.0.1:${internal.port}/x`); // stored as WHATWG URL normalises it
      expect(await admin.caller.projects.sendTestWebhook({ projectId: m.project_id, environment })).toMatchObject({ ok: true, status: 200 });
    }
    expect(internal.received).toHaveLength(2);
  });
});
