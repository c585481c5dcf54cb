import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator } from "./index";
import {
  SERVER_KEY,
  SUCCESS_CARD,
  expectedSignature,
  midtransError,
  orderId,
  snapClient,
  startReceiver,
  submitForm,
  waitFor,
  type Receiver,
  type SnapClient,
} from "../testing/simulator";

let sim: MidtransSimulator;
let receiver: Receiver;
let snap: SnapClient;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY, notificationRetryDelaysMs: [50] });
  receiver = await startReceiver();
  snap = snapClient(sim, { headers: { "X-Override-Notification": receiver.url } });
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

const notificationsFor = (id: string) => receiver.received.filter((r) => r.body.order_id === id).map((r) => r.body);

async function created(grossAmount = 75000, extra: object = {}) {
  const id = orderId("CORE");
  const { redirect_url } = await snap.createTransaction({ transaction_details: { order_id: id, gross_amount: grossAmount }, ...extra });
  return { id, redirectUrl: redirect_url };
}

async function paidByCard(grossAmount = 75000) {
  const tx = await created(grossAmount);
  await submitForm(tx.redirectUrl, { payment_type: "credit_card", ...SUCCESS_CARD });
  return tx.id;
}

describe("status lifecycle", () => {
  it("bank transfer: pending, then approve settles with settlement_time", async () => {
    const { id, redirectUrl } = await created();
    await submitForm(redirectUrl, { payment_type: "bank_transfer", bank: "bni" });
    expect(await snap.transaction.status(id)).toMatchObject({
      transaction_status: "pending",
      status_code: "201",
      payment_type: "bank_transfer",
      va_numbers: [{ bank: "bni", va_number: expect.stringMatching(/^\d{16}$/) }],
    });

    const settled = await sim.approve(id);
    expect(settled.transaction_status).toBe("settlement");
    const [, last] = await waitFor(() => notificationsFor(id).length === 2 && notificationsFor(id));
    expect(last).toMatchObject({ transaction_status: "settlement", status_code: "200", gross_amount: "75000.00" });
    expect(last.settlement_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(last.payment_amounts).toEqual([{ paid_at: last.settlement_time, amount: "75000.00" }]);
    expect(last.signature_key).toBe(expectedSignature(last, SERVER_KEY));
    expect(await snap.transaction.status(id)).toMatchObject({ transaction_status: "settlement", settlement_time: last.settlement_time });
  });

  it("expire: Get Status answers a 407 body that midtrans-client resolves", async () => {
    const { id, redirectUrl } = await created();
    await submitForm(redirectUrl, { payment_type: "gopay" });
    const expired = await snap.transaction.expire(id);
    expect(expired).toMatchObject({ status_code: "407", transaction_status: "expire", status_message: "Success, transaction has expired" });
    const status = await snap.transaction.status(id);
    expect(status).toMatchObject({ status_code: "407", transaction_status: "expire" });
    expect(status.signature_key).toBe(expectedSignature(status, SERVER_KEY));
    await waitFor(() => notificationsFor(id).some((n) => n.transaction_status === "expire" && n.status_code === "407"));
  });

  it("expires a pending payment by itself at its deadline", async () => {
    const { id, redirectUrl } = await created(10000, { expiry: { unit: "second", duration: 1 } });
    await submitForm(redirectUrl, { payment_type: "qris" });
    await waitFor(() => notificationsFor(id).some((n) => n.transaction_status === "expire"), 4000);
  });

  it("cancel works on capture; final states refuse changes with 412", async () => {
    const id = await paidByCard();
    expect(await snap.transaction.cancel(id)).toMatchObject({ status_code: "200", transaction_status: "cancel" });
    for (const call of [snap.transaction.cancel(id), snap.transaction.approve(id), snap.transaction.refund(id, {})]) {
      const err = await midtransError(call);
      expect(err.httpStatusCode).toBe("412");
      expect(err.ApiResponse).toEqual({ status_code: "412", status_message: "Merchant cannot modify the status of the transaction" });
    }
    expect(sim.getTransaction(id)!.transaction_status).toBe("cancel");
  });

  it("deny via the Core API only applies to pending; the control API can reverse a settlement", async () => {
    const { id, redirectUrl } = await created();
    await submitForm(redirectUrl, { payment_type: "gopay" });
    await sim.approve(id);
    const err = await midtransError(snap.transaction.deny(id));
    expect(err.httpStatusCode).toBe("412");
    expect((await sim.deny(id)).transaction_status).toBe("deny");
    await waitFor(() => notificationsFor(id).some((n) => n.transaction_status === "deny" && n.status_code === "202"));
  });
});

describe("refunds", () => {
  it("partial then full, with refunds[] in notifications and an idempotent refund_key", async () => {
    const id = await paidByCard(100000);
    await sim.approve(id);

    const partial = await snap.transaction.refund(id, { refund_key: `${id}-r1`, amount: 30000, reason: "one item missing" });
    expect(partial).toMatchObject({
      status_code: "200",
      transaction_status: "partial_refund",
      refund_amount: "30000.00",
      refund_key: `${id}-r1`,
    });
    const replay = await snap.transaction.refund(id, { refund_key: `${id}-r1`, amount: 30000 });
    expect(replay).toEqual(partial);

    const tooMuch = await midtransError(snap.transaction.refund(id, { refund_key: `${id}-r2`, amount: 80000 }));
    expect(tooMuch.httpStatusCode).toBe("412");
    expect(String(tooMuch.ApiResponse.status_message)).toMatch(/^Refund amount exceeds/);

    const full = await snap.transaction.refund(id, { refund_key: `${id}-r3`, amount: 70000 });
    expect(full).toMatchObject({ transaction_status: "refund", refund_amount: "70000.00" });

    const statuses = await waitFor(() => {
      const list = notificationsFor(id).map((n) => n.transaction_status);
      return list.includes("refund") && list;
    });
    expect(statuses).toEqual(["capture", "settlement", "partial_refund", "refund"]);
    const last = notificationsFor(id).at(-1)!;
    expect(last).toMatchObject({ refund_amount: "100000.00", status_code: "200", gross_amount: "100000.00" });
    expect(last.refunds).toEqual([
      expect.objectContaining({ refund_amount: "30000.00", reason: "one item missing", refund_key: `${id}-r1` }),
      expect.objectContaining({ refund_amount: "70000.00", refund_key: `${id}-r3` }),
    ]);
    expect(await snap.transaction.status(id)).toMatchObject({ transaction_status: "refund", refund_amount: "100000.00" });
  });

  it("refunds a capture in full when no amount is given", async () => {
    const id = await paidByCard(50000);
    expect(await snap.transaction.refund(id, { reason: "customer request" })).toMatchObject({
      transaction_status: "refund",
      refund_amount: "50000.00",
    });
  });

  it("refuses a refund of a pending payment", async () => {
    const { id, redirectUrl } = await created();
    await submitForm(redirectUrl, { payment_type: "gopay" });
    await expect(sim.refund(id, 1000)).rejects.toMatchObject({ code: "conflict" });
  });
});
