import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, TEST_SERVER_KEY, waitFor, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { midtransSignature } from "../midtrans/signature";
import { countRoundTrips, type RoundTripCounter } from "../testing/pg-round-trips";

// How many database round trips the hot paths cost, counted on the wire (the rule is in
// server/testing/pg-round-trips.ts: statements pipelined behind one in flight share its round
// trip; BEGIN and COMMIT count). The platform's pool goes through a TCP proxy that counts; no
// workers run, so every round trip seen during a request is that request's. Figures in
// bench/RESULTS.md ("Database round trips").

let t: TestPlatform;
let counter: RoundTripCounter;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;

beforeAll(async () => {
  // No last_used_at timer either (its batched write would land in a request's count): uses are written at close.
  t = await startTestPlatform({ simulatorRetryDelaysMs: [], databaseProxy: true, credentialUsage: { flushIntervalMs: 0 } });
  m = await t.createMerchant({ webhook_url: "http://127.0.0.1:9/unused" });
  if (!t.dbProxy) throw new Error("no database proxy");
  counter = countRoundTrips(t.dbProxy);
});
afterAll(async () => {
  counter?.stop();
  await t?.close();
});

const create = (order_id: string) =>
  postJson(`${t.url}/api/platform/shop-payment`, {
    client_id: m.client_id,
    client_secret: m.client_secret,
    amount: 75000,
    order_id,
    buyer_email: "buyer@example.com",
    item_name: "Nasi Goreng",
  });

/** Created with a dead notification URL, so only the notifications the test sends arrive. */
async function createPayment() {
  const id = `rt-${Date.now().toString(36)}-${seq++}`;
  const publicUrl = t.platform.ctx.config.publicUrl;
  t.platform.ctx.config.publicUrl = "http://127.0.0.1:9";
  const r = await create(id).finally(() => (t.platform.ctx.config.publicUrl = publicUrl));
  expect(r.status).toBe(201);
  const [row] = await t.sql<{ mid: string }[]>`select midtrans_order_id as mid from purchases where id = ${r.json.purchase_id}`;
  return { id, mid: row.mid, purchaseId: r.json.purchase_id as string };
}

function signed(order_id: string, transaction_status: string, status_code: string) {
  const body: Record<string, unknown> = {
    transaction_time: "2026-05-06 17:00:00",
    transaction_status,
    transaction_id: "3f7b0b1c-0000-4000-8000-000000000000",
    status_code,
    payment_type: "bank_transfer",
    order_id,
    gross_amount: "75000.00",
    currency: "IDR",
    settlement_time: "2026-05-06 17:00:05",
  };
  body.signature_key = midtransSignature(order_id, status_code, String(body.gross_amount), TEST_SERVER_KEY);
  return body;
}

/** Round trips of one request (and the answer, for the caller to check). */
async function counted<T>(request: () => Promise<T>): Promise<{ answer: T; roundTrips: number; statements: number; preparations: number }> {
  counter.reset();
  const answer = await request();
  return { answer, roundTrips: counter.roundTrips, statements: counter.statements, preparations: counter.preparations };
}

/** pending, then settlement: the round trips of the settlement notification (and of a duplicate of it). */
async function settleFlow() {
  const { mid, purchaseId } = await createPayment();
  await t.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
  const first = await counted(() => postJson(`${t.url}/api/midtrans/notification`, signed(mid, "pending", "201")));
  expect(first.answer.json.outcome).toBe("applied");
  await t.simulator.approve(mid);
  const settle = await counted(() => postJson(`${t.url}/api/midtrans/notification`, signed(mid, "settlement", "200")));
  expect(settle.answer.status).toBe(200);
  expect(settle.answer.json).toMatchObject({ outcome: "applied", detail: "pending -> settlement (settlement)" });
  const again = await counted(() => postJson(`${t.url}/api/midtrans/notification`, signed(mid, "settlement", "200")));
  expect(again.answer.json.outcome).toBe("duplicate");
  return { purchaseId, first, settle, again };
}

describe("database round trips", () => {
  it("a notification that changes a payment (pending -> settlement, with its outbox event) takes 2, a duplicate 2", async () => {
    const { purchaseId, first, settle, again } = await settleFlow();
    console.log(
      `round trips: pending->pending ${first.roundTrips}, pending->settlement ${settle.roundTrips} (${settle.statements} statements, ` +
        `${settle.preparations} preparing trips on a cold connection), duplicate ${again.roundTrips}`,
    );
    // Find the payment + store the notification; the move (row, history, outbox, outcome) if the row is unchanged.
    expect(settle.roundTrips).toBe(2);
    expect(settle.statements).toBe(2);
    // Find + store; the outcome, if the row is unchanged.
    expect(again.roundTrips).toBe(2);

    // Everything the change promises was written: status, history, the outbox event, the notification's outcome.
    const [p] = await t.sql`select status, paid_at from purchases where id = ${purchaseId}`;
    expect(p.status).toBe("settlement");
    expect(p.paid_at).not.toBeNull();
    const history = await t.sql`select from_status, to_status, notification_id from purchase_status_history where purchase_id = ${purchaseId} order by id`;
    expect(history.map((h) => `${h.from_status}->${h.to_status}`)).toEqual(["creating->pending", "pending->pending", "pending->settlement"]);
    const notes = await t.sql`select id, outcome, detail from midtrans_notifications where purchase_id = ${purchaseId} order by id`;
    expect(notes.map((n) => n.outcome)).toEqual(["applied", "applied", "duplicate"]);
    expect(notes[1].detail).toBe("pending -> settlement (settlement)");
    expect(history[2].notification_id).toBe(notes[1].id);
    const events = await t.sql`select event_type from webhook_events where purchase_id = ${purchaseId}`;
    expect(events.map((e) => e.event_type)).toEqual(["item.purchased"]);
  });

  it("a create (credential check, order id claim, Snap, result) is counted", async () => {
    const r = await counted(() => create(`rt-create-${Date.now().toString(36)}`));
    expect(r.answer.status).toBe(201);
    console.log(`round trips: create ${r.roundTrips} (${r.statements} statements, ${r.preparations} preparing trips)`);
    expect(r.roundTrips).toBeLessThanOrEqual(4);
  });
});

/**
 * Holds the next Get Status answer until released; `atGetStatus` resolves once Get Status has
 * answered AND the notification has read and stored its payment row (asked in parallel:
 * notifications.service.ts), so that the test changes the row after it was read.
 */
function holdNextGetStatus() {
  const gateway = t.platform.ctx.gateway;
  const original = gateway.getStatus;
  let reached!: () => void;
  let release!: () => void;
  const answered = new Promise<void>((r) => (reached = r));
  const atGetStatus = (async () => {
    await answered;
    await waitFor(async () => (await t.sql`select 1 from midtrans_notifications where outcome = 'received'`).length === 1);
  })();
  const released = new Promise<void>((r) => (release = r));
  gateway.getStatus = async (...args) => {
    gateway.getStatus = original;
    const answer = await original(...args);
    reached();
    await released;
    return answer;
  };
  return { atGetStatus, release };
}

describe("a notification whose payment changed while it asked Get Status (written only if unchanged)", () => {
  it("a move decided on the old row is not written: decided again on the locked row, it is a duplicate", async () => {
    const { mid, purchaseId } = await createPayment();
    await t.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
    expect((await postJson(`${t.url}/api/midtrans/notification`, signed(mid, "pending", "201"))).json.outcome).toBe("applied");
    await t.simulator.approve(mid);

    const hold = holdNextGetStatus();
    const first = postJson(`${t.url}/api/midtrans/notification`, signed(mid, "settlement", "200"));
    await hold.atGetStatus; // read the payment as pending; Get Status says settlement
    const second = await postJson(`${t.url}/api/midtrans/notification`, signed(mid, "settlement", "200"));
    expect(second.json).toMatchObject({ outcome: "applied", detail: "pending -> settlement (settlement)" });
    hold.release();
    expect((await first).json.outcome).toBe("duplicate");

    const history = await t.sql`select from_status, to_status from purchase_status_history where purchase_id = ${purchaseId} order by id`;
    expect(history.map((h) => `${h.from_status}->${h.to_status}`)).toEqual(["creating->pending", "pending->pending", "pending->settlement"]);
    const events = await t.sql`select event_type from webhook_events where purchase_id = ${purchaseId}`;
    expect(events.map((e) => e.event_type)).toEqual(["item.purchased"]);
    const notes = await t.sql`select outcome from midtrans_notifications where purchase_id = ${purchaseId} order by id`;
    // Stored in arrival order: the held one before the one that overtook it.
    expect(notes.map((n) => n.outcome)).toEqual(["applied", "duplicate", "applied"]);
  });

  it("an answer that changes nothing is also decided again: a pending overtaken by the settlement is stale, not a duplicate", async () => {
    const { mid, purchaseId } = await createPayment();
    await t.simulator.pay(mid, { type: "bank_transfer", bank: "bca" });
    expect((await postJson(`${t.url}/api/midtrans/notification`, signed(mid, "pending", "201"))).json.outcome).toBe("applied");

    const hold = holdNextGetStatus();
    const first = postJson(`${t.url}/api/midtrans/notification`, signed(mid, "pending", "201"));
    await hold.atGetStatus; // Get Status says pending, as the row does
    await t.simulator.approve(mid);
    expect((await postJson(`${t.url}/api/midtrans/notification`, signed(mid, "settlement", "200"))).json.outcome).toBe("applied");
    hold.release();
    const answer = (await first).json;
    expect(answer.outcome).toBe("ignored");
    expect(answer.detail).toMatch(/^stale/);

    const [p] = await t.sql`select status from purchases where id = ${purchaseId}`;
    expect(p.status).toBe("settlement");
    const notes = await t.sql`select outcome, detail from midtrans_notifications where purchase_id = ${purchaseId} order by id`;
    expect(notes.map((n) => n.outcome)).toEqual(["applied", "ignored", "applied"]);
    expect(notes[1].detail).toMatch(/^stale/);
  });
});
