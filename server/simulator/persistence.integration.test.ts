import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator } from "./index";
import { SERVER_KEY, SUCCESS_CARD, orderId, snapClient, startReceiver, submitForm, waitFor, type Receiver } from "../testing/simulator";

// The in-process simulator keeps its transactions in DATA_DIR/simulator across restarts, as
// Midtrans keeps its own: a buyer's open Snap page and a pending payment survive `npm start` again.

let receiver: Receiver;
const running: MidtransSimulator[] = [];
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
afterEach(async () => {
  for (const sim of running.splice(0)) await sim.close();
});

async function start(stateDir: string, port = 0) {
  const sim = await startMidtransSimulator({ serverKey: SERVER_KEY, stateDir, port, notificationRetryDelaysMs: [50] });
  running.push(sim);
  return sim;
}

async function stop(sim: MidtransSimulator) {
  running.splice(running.indexOf(sim), 1);
  await sim.close();
}

const newDir = () => mkdtempSync(path.join(tmpdir(), "astapa-sim-state-"));
const portOf = (sim: MidtransSimulator) => Number(new URL(sim.url).port);

describe("the simulator's state across restarts", () => {
  it("still knows every transaction after a restart: Get Status, the payment page, paying and its notification", async () => {
    const dir = newDir();
    const first = await start(dir);
    const snap = snapClient(first, { headers: { "X-Override-Notification": `${receiver.url}/midtrans` } });
    const unpaid = orderId("KEEP");
    const { redirect_url } = await snap.createTransaction({
      transaction_details: { order_id: unpaid, gross_amount: 75000 },
      callbacks: { finish: "https://shop.example/thanks" },
    });
    const pending = orderId("KEEP");
    await snap.createTransaction({ transaction_details: { order_id: pending, gross_amount: 50000 } });
    await first.pay(pending, { type: "bank_transfer", bank: "bni" });
    const paidBefore = await first.getTransaction(pending)!;
    const refunded = orderId("KEEP");
    await snap.createTransaction({ transaction_details: { order_id: refunded, gross_amount: 20000 } });
    await first.pay(refunded, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
    await first.approve(refunded);
    const firstRefund = (await first.refund(refunded, 5000)).refunds[0];
    const port = portOf(first);
    await stop(first);

    // The same port, as `npm start` uses (3001): the invoice_url Astapa stored still works.
    const second = await start(dir, port);
    expect(second.listTransactions().map((tx) => tx.order_id)).toEqual([unpaid, pending, refunded]);
    const snapAgain = snapClient(second);
    const status = await snapAgain.transaction.status(pending);
    expect(status).toMatchObject({ order_id: pending, transaction_status: "pending", transaction_id: paidBefore.transaction_id, gross_amount: "50000.00" });

    const page = await fetch(redirect_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(unpaid);

    const paid = await submitForm(redirect_url, { payment_type: "credit_card", ...SUCCESS_CARD });
    expect(paid.status).toBe(303);
    expect(new URL(paid.headers.get("location")!).searchParams.get("order_id")).toBe(unpaid);
    await waitFor(() => receiver.received.find((r) => r.body.order_id === unpaid && r.body.transaction_status === "capture"));
    expect((await snapAgain.transaction.status(unpaid)).transaction_status).toBe("capture");

    // Refund ids keep counting: never a second refund with the same id.
    const secondRefund = (await second.refund(refunded, 5000)).refunds[1];
    expect(secondRefund.refund_chargeback_id).toBeGreaterThan(firstRefund.refund_chargeback_id);

    // A Snap order id stays used forever, restart or not.
    await expect(snapAgain.createTransaction({ transaction_details: { order_id: pending, gross_amount: 50000 } })).rejects.toMatchObject({
      httpStatusCode: 400,
    });
  });

  it("writes the file whole (temp file and rename), and writes it again after each change", async () => {
    const dir = newDir();
    const sim = await start(dir);
    const file = path.join(dir, "state.json");
    const id = orderId("FILE");
    await snapClient(sim).createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } });
    await waitFor(() => existsSync(file) && JSON.parse(readFileSync(file, "utf8")).transactions.length === 1);
    await sim.pay(id, { type: "gopay" });
    await waitFor(() => JSON.parse(readFileSync(file, "utf8")).transactions[0].transaction_status === "pending");
    await stop(sim);
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ version: 1, transactions: [{ order_id: id, payment_type: "gopay" }] });
  });

  it("writes nothing, not even its directory, when nothing changed", async () => {
    const dir = path.join(newDir(), "simulator");
    await stop(await start(dir));
    expect(existsSync(dir)).toBe(false);
  });

  it("moves an unreadable file aside and starts empty, never overwriting it", async () => {
    const dir = newDir();
    writeFileSync(path.join(dir, "state.json"), "{ not json");
    const sim = await start(dir);
    expect(sim.listTransactions()).toEqual([]);
    const aside = readdirSync(dir).filter((f) => f.startsWith("state.json.unreadable-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dir, aside[0]), "utf8")).toBe("{ not json");
  });

  it("keeps nothing without a state directory", async () => {
    const sim = await startMidtransSimulator({ serverKey: SERVER_KEY });
    running.push(sim);
    const id = orderId("MEM");
    await snapClient(sim).createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } });
    const port = portOf(sim);
    await stop(sim);
    const again = await startMidtransSimulator({ serverKey: SERVER_KEY, port });
    running.push(again);
    expect(again.getTransaction(id)).toBeUndefined();
  });
});
