import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { postJson } from "../testing/http";
import { seedPurchases, signedInAdmin } from "../testing/admin";

// The console's refund form sends one key per submission (docs/api.md#console-refunds): a repeat
// of the same submission answers the first refund, never a second one. And the CSV export's
// instants are ISO 8601 in WIB with their offset (docs/api.md#console-csv-export).

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let seq = 0;
const CARD = { type: "credit_card" as const, cardNumber: "4811111111111114", cvv: "123" };

beforeAll(async () => {
  t = await startTestPlatform();
  admin = await signedInAdmin(t);
  m = await t.createMerchant({ name: "Refund form shop" });
});
afterAll(async () => {
  await t?.close();
});

/** A settled card payment (paid at the simulator, then reconciled so the platform knows). */
async function settledPayment(amount = 75000) {
  const orderId = `crf-${Date.now().toString(36)}-${seq++}`;
  const r = await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: m.client_secret, amount, order_id: orderId, buyer_email: "buyer@example.com" });
  expect(r.status).toBe(201);
  const purchaseId = r.json.purchase_id as string;
  await t.simulator.pay(orderId, CARD);
  const rec = await admin.caller.payments.reconcile({ purchaseId });
  expect(rec.after.status).toBe("settlement");
  return { orderId, purchaseId };
}

const refundRows = (purchaseId: string) =>
  t.sql<{ amount: number; source: string; idempotency_key: string | null; status: string }[]>`
    select amount, source, idempotency_key, status from refunds where purchase_id = ${purchaseId} order by created_at`;

describe("a console refund with the form submission's key", () => {
  it("sent twice, refunds once and answers the first refund the second time", async () => {
    const p = await settledPayment(75000);
    const input = { purchaseId: p.purchaseId, amount: 30000, reason: "barang habis", idempotencyKey: "cfr-submission-1" };
    const first = await admin.caller.payments.refund(input);
    expect(first).toMatchObject({ amount: 30000, status: "refund", refundedAmount: 30000, replayed: false });

    const again = await admin.caller.payments.refund(input);
    expect(again).toMatchObject({ amount: 30000, refundKey: first.refundKey, status: "refund", refundedAmount: 30000, replayed: true });

    const rows = await refundRows(p.purchaseId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: 30000, source: "console", status: "succeeded" });
    expect(t.simulator.getTransaction(p.orderId)!.refunds).toHaveLength(1);
    const d = await admin.caller.payments.detail({ id: p.purchaseId });
    expect(d.payment.refunded_amount).toBe(30000);
    expect(d.audit.filter((a) => a.action === "payment.refund")).toHaveLength(1);

    // A new submission (a new key) is a new refund.
    const second = await admin.caller.payments.refund({ ...input, amount: 5000, idempotencyKey: "cfr-submission-2" });
    expect(second).toMatchObject({ amount: 5000, refundedAmount: 35000, replayed: false });
    expect(await refundRows(p.purchaseId)).toHaveLength(2);
  });

  it("sent twice at once, still refunds once", async () => {
    const p = await settledPayment(50000);
    const input = { purchaseId: p.purchaseId, amount: 20000, reason: "double click", idempotencyKey: "cfr-at-once" };
    const both = await Promise.allSettled([admin.caller.payments.refund(input), admin.caller.payments.refund(input)]);
    const fulfilled = both.filter((r) => r.status === "fulfilled");
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    // The other one either replayed the first or was told it is in progress; never a second refund.
    for (const r of both) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CONFLICT" });
    expect(await refundRows(p.purchaseId)).toHaveLength(1);
    expect(t.simulator.getTransaction(p.orderId)!.refunds).toHaveLength(1);
    expect((await admin.caller.payments.detail({ id: p.purchaseId })).payment.refunded_amount).toBe(20000);
  });

  it("refunds the whole remainder once, the repeat answering without a 'nothing left' refusal", async () => {
    const p = await settledPayment(40000);
    const input = { purchaseId: p.purchaseId, reason: "order cancelled", idempotencyKey: "cfr-full" };
    const first = await admin.caller.payments.refund(input);
    expect(first).toMatchObject({ amount: 40000, refundedAmount: 40000 });
    await expect(admin.caller.payments.refund(input)).resolves.toMatchObject({ amount: 40000, replayed: true });
    // Without a key, the old behaviour: nothing is left to refund.
    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, reason: "again" })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await refundRows(p.purchaseId)).toHaveLength(1);
  });

  it("refuses a key that is not printable ASCII", async () => {
    const p = await settledPayment(10000);
    await expect(admin.caller.payments.refund({ purchaseId: p.purchaseId, reason: "x", idempotencyKey: "has space" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await refundRows(p.purchaseId)).toHaveLength(0);
  });
});

describe("the CSV export's instants", () => {
  it("are ISO 8601 in WIB with the +07:00 offset", async () => {
    const p = (await t.createMerchant({ name: "CSV dates shop" })).project_id;
    await seedPurchases(t.sql, p, [
      { order_id: "csv-wib-1", status: "settlement", created_at: new Date("2026-11-27T11:37:37.085Z"), paid_at: new Date("2026-11-27T17:01:02Z") },
    ]);
    const r = await fetch(`${t.url}/admin/export.csv?projectId=${p}`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    const [header, row] = (await r.text()).replace(/^\ufeff/, "").split("\r\n");
    const cells = row.split(",");
    const at = (name: string) => cells[header.split(",").indexOf(name)];
    expect(at("created_at")).toBe("2026-11-27T18:37:37+07:00");
    // Past midnight in Jakarta: the next day.
    expect(at("paid_at")).toBe("2026-11-28T00:01:02+07:00");
  });
});
