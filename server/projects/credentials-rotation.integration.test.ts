import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import pino from "pino";
import postgres from "postgres";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { signedInAdmin } from "../testing/admin";
import { getJson, postJson } from "../testing/http";
import { countRoundTrips, type RoundTripCounter } from "../testing/pg-round-trips";
import type { Db } from "../db/connect";
import { authenticateClient } from "./projects.service";
import { startCredentialUsageRecorder } from "./credential-usage";

// A credential's last_used_at (written off the request path, at most once a minute per
// credential) and a client secret's rotation with an overlap (docs/decisions/0020-credential-overlap.md).
// The platform's clock is the test's: rotation expiries and the once-a-minute rule follow it.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let clock = Date.parse("2026-11-20T03:00:00.000Z");
const advance = (ms: number) => {
  clock += ms;
};

let t: TestPlatform;
let counter: RoundTripCounter;
let operator: Awaited<ReturnType<typeof signedInAdmin>>;

beforeAll(async () => {
  t = await startTestPlatform({
    now: () => new Date(clock),
    databaseProxy: true,
    // Many requests from one address: the per-IP limit is not what is tested here.
    env: { RATE_LIMIT_ITEMS_PER_IP: "0" },
    // The timer looks often (the once-a-minute rule still holds: it is per credential, on the clock).
    credentialUsage: { flushIntervalMs: 25 },
  });
  if (!t.dbProxy) throw new Error("no database proxy");
  counter = countRoundTrips(t.dbProxy);
  operator = await signedInAdmin(t, { role: "operator" });
});
afterAll(async () => {
  counter?.stop();
  await t?.close();
});

const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });
/** GET /api/platform/items: the cheapest merchant call that authenticates a credential. */
const callItems = (id: string, secret: string) => getJson(`${t.url}/api/platform/items`, basic(id, secret));

async function lastUsed(clientId: string): Promise<Date | null> {
  const [row] = await t.sql<{ last_used_at: Date | null }[]>`select last_used_at from api_credentials where client_id = ${clientId}`;
  return row.last_used_at;
}

/** A new project with one sandbox credential, issued from the console. */
async function consoleCredential(name: string) {
  const p = await operator.caller.projects.create({ name });
  const issued = await operator.caller.credentials.create({ projectId: p.id, environment: "sandbox" });
  return { projectId: p.id, id: issued.credential.id, client_id: issued.client_id, client_secret: issued.client_secret };
}

describe("last_used_at", () => {
  it("a merchant request fills it in, and the console shows it", async () => {
    const m = await t.createMerchant({ name: "Warung Last Used" });
    expect(await lastUsed(m.client_id)).toBeNull();
    const used = new Date(clock);
    expect((await callItems(m.client_id, m.client_secret)).status).toBe(200);
    await waitFor(async () => (await lastUsed(m.client_id))?.getTime() === used.getTime(), { what: "last_used_at written by the timer" });
    const detail = await operator.caller.projects.get({ projectId: m.project_id });
    expect(detail.credentials[0]).toMatchObject({ client_id: m.client_id, last_used_at: used.toISOString(), status: "active" });
    // A failed authentication is no use.
    advance(2 * MINUTE);
    expect((await callItems(m.client_id, "sk_sandbox_wrong")).status).toBe(401);
    await t.platform.credentialUsage.flush({ all: true });
    expect((await lastUsed(m.client_id))?.getTime()).toBe(used.getTime());
  });

  it("100 requests in a minute cost one write; the next write comes a minute later with the latest use", async () => {
    const m = await t.createMerchant({ name: "Warung Sibuk" });
    const usage = t.platform.credentialUsage;
    await usage.flush({ all: true });
    const writesBefore = usage.stats.writes;
    const first = clock;
    let latest = clock;
    for (let i = 0; i < 100; i++) {
      latest = clock;
      expect((await callItems(m.client_id, m.client_secret)).status).toBe(200);
      // The timer writes the first use; wait for it (a loaded machine may serve the next
      // request before the timer's next tick).
      if (i === 0) await waitFor(async () => (await lastUsed(m.client_id))?.getTime() === first, { what: "the first use written" });
      advance(500);
      if (i % 10 === 9) await usage.flush();
    }
    await usage.flush();
    expect(clock - first).toBeLessThan(MINUTE);
    expect(usage.stats.writes - writesBefore).toBe(1);
    expect((await lastUsed(m.client_id))?.getTime()).toBe(first);

    // A minute after the first write, the uses held since are written, in one statement.
    advance(MINUTE);
    await usage.flush();
    expect(usage.stats.writes - writesBefore).toBe(2);
    expect((await lastUsed(m.client_id))?.getTime()).toBe(latest);
  });

  it("authenticating costs one database round trip, used or refused alike (the write is not on the request's path)", async () => {
    const ok = await consoleCredential("Round trips");
    const rotated = await operator.caller.credentials.rotate({ credentialId: ok.id, overlap: "1h" });
    const revoked = await consoleCredential("Round trips revoked");
    await operator.caller.credentials.revoke({ credentialId: revoked.id });
    const ctx = t.platform.ctx;
    const cases = {
      used: () => authenticateClient(ctx, rotated.client_id, rotated.client_secret),
      "in its overlap": () => authenticateClient(ctx, ok.client_id, ok.client_secret),
      "wrong secret": () => authenticateClient(ctx, rotated.client_id, "sk_sandbox_wrong"),
      unknown: () => authenticateClient(ctx, "ast_sandbox_nope", "sk_sandbox_wrong"),
      revoked: () => authenticateClient(ctx, revoked.client_id, revoked.client_secret),
    };
    // Every statement prepared once first, so that only steady-state trips are counted.
    for (const run of Object.values(cases)) await run().catch(() => undefined);
    const trips: Record<string, number> = {};
    for (const [name, run] of Object.entries(cases)) {
      await t.platform.credentialUsage.flush({ all: true });
      counter.reset();
      await run().catch(() => undefined);
      trips[name] = counter.statements;
    }
    expect(trips).toEqual({ used: 1, "in its overlap": 1, "wrong secret": 1, unknown: 1, revoked: 1 });
  });

  it("never moves backwards when several processes write", async () => {
    const m = await t.createMerchant({ name: "Two processes" });
    const [cred] = await t.sql<{ id: string }[]>`select id from api_credentials where client_id = ${m.client_id}`;
    const other = await t.otherProcessContext();
    const logger = pino({ level: "silent" });
    const a = startCredentialUsageRecorder({ sql: t.sql, logger, now: () => new Date(clock), flushIntervalMs: 0 });
    const b = startCredentialUsageRecorder({ sql: other.sql, logger, now: () => new Date(clock), flushIntervalMs: 0 });
    a.record(cred.id, new Date(clock + 10_000));
    b.record(cred.id, new Date(clock + 5_000));
    await a.flush();
    await b.flush();
    expect((await lastUsed(m.client_id))?.getTime()).toBe(clock + 10_000);
    await a.stop();
    await b.stop();
  });

  it("writes what it holds on shutdown, even within the minute", async () => {
    const m = await t.createMerchant({ name: "Shutdown" });
    const [cred] = await t.sql<{ id: string }[]>`select id from api_credentials where client_id = ${m.client_id}`;
    const r = startCredentialUsageRecorder({ sql: t.sql, logger: pino({ level: "silent" }), now: () => new Date(clock), flushIntervalMs: 0 });
    r.record(cred.id, new Date(clock));
    await r.flush();
    r.record(cred.id, new Date(clock + 1000));
    await r.flush();
    expect((await lastUsed(m.client_id))?.getTime()).toBe(clock);
    await r.stop();
    expect((await lastUsed(m.client_id))?.getTime()).toBe(clock + 1000);
    expect(r.stats).toEqual({ writes: 2, credentials: 2, failures: 0 });
  });

  it("a failed write is logged and kept for the next flush, never thrown", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: "warn" }, sink);
    // A database that refuses connections (nothing listens on port 9).
    const down = postgres("postgres://postgres@127.0.0.1:9/none", { max: 1, connect_timeout: 2, onnotice: () => {} });
    const r = startCredentialUsageRecorder({ sql: down as unknown as Db, logger, now: () => new Date(clock), flushIntervalMs: 0 });
    expect(() => r.record("cred_whatever", new Date(clock))).not.toThrow();
    await expect(r.flush()).resolves.toBeUndefined();
    await expect(r.flush()).resolves.toBeUndefined();
    expect(r.stats).toMatchObject({ writes: 2, credentials: 0, failures: 2 });
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual([expect.stringContaining("last_used_at"), expect.stringContaining("last_used_at")]);
    await r.stop();
    await down.end({ timeout: 1 });
  });
});

describe("rotating a client secret with an overlap", () => {
  it("keeps the old secret working until the overlap ends (24 h by default), then refuses it exactly like a revoked one", async () => {
    const c = await consoleCredential("Rotasi 24 jam");
    const rotatedAt = clock;
    const rotated = await operator.caller.credentials.rotate({ credentialId: c.id });
    const expiresAt = new Date(rotatedAt + 24 * HOUR).toISOString();
    expect(rotated.previous).toEqual({ id: c.id, client_id: c.client_id, expires_at: expiresAt });
    expect((await callItems(c.client_id, c.client_secret)).status).toBe(200);
    expect((await callItems(rotated.client_id, rotated.client_secret)).status).toBe(200);

    const detail = await operator.caller.projects.get({ projectId: c.projectId });
    expect(detail.active_credentials).toBe(2);
    expect(detail.credentials.map((x) => [x.client_id, x.status, x.expires_at])).toEqual([
      [rotated.client_id, "active", null],
      [c.client_id, "expiring", expiresAt],
    ]);
    expect((await operator.caller.projects.list()).find((p) => p.id === c.projectId)?.active_credentials).toBe(2);

    advance(24 * HOUR - 1000);
    expect((await callItems(c.client_id, c.client_secret)).status).toBe(200);
    advance(1000);
    const expired = await callItems(c.client_id, c.client_secret);
    expect(expired.status).toBe(401);
    // Sessions follow the clock too: a fresh one after a day.
    operator = await signedInAdmin(t, { role: "operator" });
    const revoked = await consoleCredential("Dicabut");
    await operator.caller.credentials.revoke({ credentialId: revoked.id });
    const refused = await callItems(revoked.client_id, revoked.client_secret);
    expect(expired.text).toBe(refused.text);
    expect(expired.headers.get("www-authenticate")).toBe(refused.headers.get("www-authenticate"));
    expect(expired.json.error.code).toBe("invalid_client");
    // Refused on the JSON routes too (create), with the same answer.
    const create = await postJson(`${t.url}/api/platform/shop-payment`, {
      client_id: c.client_id,
      client_secret: c.client_secret,
      amount: 10000,
      order_id: `rot-${clock}`,
      buyer_email: "b@example.com",
    });
    expect(create.status).toBe(401);
    expect(create.json.error.code).toBe("invalid_client");
    expect((await callItems(rotated.client_id, rotated.client_secret)).status).toBe(200);

    const admin = operator;
    const after = await admin.caller.projects.get({ projectId: c.projectId });
    expect(after.active_credentials).toBe(1);
    expect(after.credentials.map((x) => [x.client_id, x.status])).toEqual([
      [rotated.client_id, "active"],
      [c.client_id, "expired"],
    ]);
    await expect(admin.caller.credentials.rotate({ credentialId: c.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(admin.caller.credentials.revoke({ credentialId: c.id })).rejects.toMatchObject({ code: "CONFLICT" });

    const audit = await admin.caller.audit.list({ targetId: c.projectId });
    const rotation = audit.items.find((a) => a.action === "credential.rotate");
    expect(rotation?.details).toEqual({
      previous_credential_id: c.id,
      previous_client_id: c.client_id,
      credential_id: rotated.credential.id,
      client_id: rotated.client_id,
      environment: "sandbox",
      overlap: "24h",
      previous_expires_at: expiresAt,
    });
  });

  it("revoking during the overlap stops the old secret at once (audited)", async () => {
    const c = await consoleCredential("Rotasi dicabut");
    const rotated = await operator.caller.credentials.rotate({ credentialId: c.id, overlap: "7d" });
    expect(rotated.previous?.expires_at).toBe(new Date(clock + 7 * 24 * HOUR).toISOString());
    expect((await callItems(c.client_id, c.client_secret)).status).toBe(200);
    // Rotated once already: its successor is the one to rotate.
    await expect(operator.caller.credentials.rotate({ credentialId: c.id })).rejects.toMatchObject({ code: "CONFLICT" });
    await operator.caller.credentials.revoke({ credentialId: c.id });
    expect((await callItems(c.client_id, c.client_secret)).status).toBe(401);
    expect((await callItems(rotated.client_id, rotated.client_secret)).status).toBe(200);
    const detail = await operator.caller.projects.get({ projectId: c.projectId });
    expect(detail.credentials.find((x) => x.id === c.id)).toMatchObject({ status: "revoked", revoked_at: new Date(clock).toISOString() });
    expect(detail.active_credentials).toBe(1);
    const audit = await operator.caller.audit.list({ targetId: c.projectId });
    expect(audit.items[0]).toMatchObject({ action: "credential.revoke", details: { credential_id: c.id, overlap_cut_short: rotated.previous?.expires_at } });
  });

  it("with overlap `now`, revokes the old secret at once; 1 h ends after an hour", async () => {
    const c = await consoleCredential("Rotasi langsung");
    const now = await operator.caller.credentials.rotate({ credentialId: c.id, overlap: "now" });
    expect(now.previous?.expires_at).toBeNull();
    expect((await callItems(c.client_id, c.client_secret)).status).toBe(401);
    const hour = await operator.caller.credentials.rotate({ credentialId: now.credential.id, overlap: "1h" });
    expect((await callItems(now.client_id, now.client_secret)).status).toBe(200);
    advance(HOUR);
    expect((await callItems(now.client_id, now.client_secret)).status).toBe(401);
    expect((await callItems(hour.client_id, hour.client_secret)).status).toBe(200);
  });

  it("accepts only the listed overlaps (400, nothing changed)", async () => {
    operator = await signedInAdmin(t, { role: "operator" });
    const c = await consoleCredential("Rotasi salah");
    for (const overlap of ["2h", "", "24 h", 3600, null]) {
      // @ts-expect-error: not one of the overlaps
      await expect(operator.caller.credentials.rotate({ credentialId: c.id, overlap })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    const r = await fetch(`${t.url}/api/trpc/credentials.rotate`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: operator.cookie, origin: t.url },
      body: JSON.stringify({ credentialId: c.id, overlap: "30d" }),
    });
    expect(r.status).toBe(400);
    const detail = await operator.caller.projects.get({ projectId: c.projectId });
    expect(detail.credentials.map((x) => [x.id, x.status])).toEqual([[c.id, "active"]]);
    expect((await operator.caller.audit.list({ targetId: c.projectId })).items.map((a) => a.action)).not.toContain("credential.rotate");
  });
});
