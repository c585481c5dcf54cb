import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { startWorkers } from "../runtime/workers";
import { pruneRawNotificationBodies } from "./retention";

// Raw bodies do not stay forever (issue #17, "Scale-out proven with real parts"): after
// RAW_BODY_RETENTION_DAYS the workers empty accepted notifications' raw bodies and clear webhook
// attempts' response bodies; the rows stay in the payment's history.

const DAY = 86_400_000;
let t: TestPlatform;
let purchaseId: string;
let projectId: string;

beforeAll(async () => {
  t = await startTestPlatform({ env: { RAW_BODY_RETENTION_DAYS: "10" } });
  const m = await t.createMerchant();
  projectId = m.project_id;
  const orderId = `ret-${Date.now()}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: m.client_secret, amount: 1000, order_id: orderId, buyer_email: "a@b.co" });
  expect(r.status).toBe(201);
  [{ id: purchaseId }] = await t.sql<{ id: string }[]>`select id from purchases where project_id = ${projectId}`;
});
afterAll(async () => t?.close());

const body = (n: number) => JSON.stringify({ order_id: "x", transaction_status: "settlement", n, padding: "p".repeat(300) });

async function notification(ageDays: number, raw: string, withHash = true): Promise<string> {
  const [row] = await t.sql<{ id: string }[]>`
    insert into midtrans_notifications (raw_body, body_sha256, body_bytes, outcome, received_at, purchase_id)
    values (${raw}, ${withHash ? createHash("sha256").update(raw).digest("hex") : null}, ${withHash ? Buffer.byteLength(raw) : null},
            'applied', ${new Date(Date.now() - ageDays * DAY)}, ${purchaseId})
    returning id`;
  return row.id;
}

async function attempt(ageDays: number, responseBody: string): Promise<string> {
  const eventId = `msg_ret_${Math.random().toString(36).slice(2)}`;
  await t.sql`insert into webhook_events (id, project_id, purchase_id, environment, event_type, dedupe_key, payload, status)
              values (${eventId}, ${projectId}, ${purchaseId}, 'sandbox', 'test.retention', ${eventId}, '{}'::jsonb, 'delivered')`;
  const [row] = await t.sql<{ id: string }[]>`
    insert into webhook_attempts (event_id, attempt_number, trigger, url, response_status, response_body, duration_ms, started_at)
    values (${eventId}, 1, 'scheduled', 'https://shop.example.com/hook', 200, ${responseBody}, 12, ${new Date(Date.now() - ageDays * DAY)})
    returning id`;
  return row.id;
}

const notificationRow = async (id: string) =>
  (await t.sql<{ raw_body: string; body_sha256: string | null; body_bytes: number | null; raw_body_pruned_at: Date | null; outcome: string }[]>`
    select raw_body, body_sha256, body_bytes, raw_body_pruned_at, outcome from midtrans_notifications where id = ${id}`)[0];
const attemptRow = async (id: string) =>
  (await t.sql<{ response_body: string | null; response_status: number; duration_ms: number }[]>`
    select response_body, response_status, duration_ms from webhook_attempts where id = ${id}`)[0];

describe("raw body retention (RAW_BODY_RETENTION_DAYS)", () => {
  it("the workers empty raw notification bodies and webhook response bodies older than the period; the rows and the rest stay", async () => {
    const oldRaw = body(1);
    const oldNotification = await notification(11, oldRaw);
    const legacyRaw = body(2);
    const legacyNotification = await notification(400, legacyRaw, false); // a row from before 0009: no hash yet
    const recentNotification = await notification(9, body(3));
    const oldAttempt = await attempt(11, "thanks, got it");
    const recentAttempt = await attempt(9, "ok");

    const workers = startWorkers(t.platform);
    try {
      await waitFor(async () => (await notificationRow(oldNotification)).raw_body === "" && (await attemptRow(oldAttempt)).response_body === null, {
        what: "the old bodies to be pruned",
      });
    } finally {
      await workers.stop();
    }

    const old = await notificationRow(oldNotification);
    expect(old).toMatchObject({ raw_body: "", outcome: "applied", body_sha256: createHash("sha256").update(oldRaw).digest("hex"), body_bytes: Buffer.byteLength(oldRaw) });
    expect(old.raw_body_pruned_at).toBeInstanceOf(Date);
    // Older rows get their hash and size computed before the body goes.
    expect(await notificationRow(legacyNotification)).toMatchObject({
      raw_body: "",
      body_sha256: createHash("sha256").update(legacyRaw).digest("hex"),
      body_bytes: Buffer.byteLength(legacyRaw),
    });
    expect((await notificationRow(recentNotification)).raw_body).toBe(body(3));
    expect(await attemptRow(oldAttempt)).toEqual({ response_body: null, response_status: 200, duration_ms: 12 });
    expect((await attemptRow(recentAttempt)).response_body).toBe("ok");
  });

  it("prunes in batches until nothing is left, and a second run finds nothing", async () => {
    await pruneRawNotificationBodies(t.platform.ctx); // whatever an earlier test left
    for (let i = 0; i < 7; i++) await notification(30, body(100 + i));
    expect(await pruneRawNotificationBodies(t.platform.ctx, { batchSize: 3 })).toBe(7);
    expect(await pruneRawNotificationBodies(t.platform.ctx, { batchSize: 3 })).toBe(0);
    const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from midtrans_notifications where received_at < now() - interval '10 days' and raw_body <> ''`;
    expect(n).toBe(0);
  });
});
