import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator } from "./index";
import { SERVER_KEY, orderId, snapClient, startReceiver, submitForm, waitFor, type Receiver } from "../testing/simulator";

let sim: MidtransSimulator;
let a: Receiver;
let b: Receiver;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY, notificationRetryDelaysMs: [50, 50], notificationTimeoutMs: 300 });
  [a, b] = await Promise.all([startReceiver(), startReceiver()]);
});
afterAll(async () => {
  await sim.close();
  await Promise.all([a.close(), b.close()]);
});

async function pendingPayment(headers: Record<string, string>) {
  const id = orderId("NOTIF");
  const { redirect_url } = await snapClient(sim, { headers }).createTransaction({
    transaction_details: { order_id: id, gross_amount: 20000 },
  });
  await submitForm(redirect_url, { payment_type: "gopay" });
  return id;
}

const deliveries = (id: string) => sim.notificationLog().filter((d) => d.order_id === id);

describe("notification delivery", () => {
  it("retries after a 500 until the receiver answers 200", async () => {
    a.answerWith(500);
    const id = await pendingPayment({ "X-Override-Notification": `${a.url}/hook` });
    const log = await waitFor(() => deliveries(id).length === 2 && deliveries(id));
    expect(log.map((d) => [d.attempt, d.responseStatus, d.error])).toEqual([
      [1, 500, null],
      [2, 200, null],
    ]);
    expect(log[0].url).toBe(`${a.url}/hook`);
    expect(log[1].body).toEqual(log[0].body);
    expect(a.received.filter((r) => r.body.order_id === id)).toHaveLength(2);
    // Each attempt logs when it was sent as well as when its answer came (bench/webhook-latency.ts times the stages with them).
    for (const d of log) expect(Date.parse(d.sent_at!)).toBeLessThanOrEqual(Date.parse(d.at));
    expect(Date.parse(log[1].sent_at!)).toBeGreaterThanOrEqual(Date.parse(log[0].at));
  });

  it("does not follow redirects and gives up after the last retry", async () => {
    a.answerWith(302, 404, 503);
    const id = await pendingPayment({ "X-Override-Notification": a.url });
    const log = await waitFor(() => deliveries(id).length === 3 && deliveries(id));
    expect(log.map((d) => d.responseStatus)).toEqual([302, 404, 503]);
    await new Promise((r) => setTimeout(r, 150)); // deliberate: no fourth attempt may follow the two retries (50 ms apart)
    expect(deliveries(id)).toHaveLength(3);
    expect(a.received.some((r) => r.path === "/elsewhere")).toBe(false);
  });

  it("logs network errors as failed attempts", async () => {
    const id = await pendingPayment({ "X-Override-Notification": "http://127.0.0.1:1/unreachable" });
    const log = await waitFor(() => deliveries(id).length === 3 && deliveries(id));
    expect(log.every((d) => d.responseStatus === null && d.error)).toBe(true);
  });

  it("sends to every X-Override-Notification URL and to X-Append-Notification", async () => {
    const id = await pendingPayment({
      "X-Override-Notification": `${a.url}/one, ${b.url}/two`,
      "X-Append-Notification": `${b.url}/three`,
    });
    expect(sim.getTransaction(id)!.notification_urls).toEqual([`${a.url}/one`, `${b.url}/two`, `${b.url}/three`]);
    await waitFor(() => a.received.some((r) => r.path === "/one" && r.body.order_id === id));
    await waitFor(() => b.received.filter((r) => r.body.order_id === id).length === 2);
  });

  it("sends nothing without a notification URL; resend repeats the current status", async () => {
    const id = await pendingPayment({});
    await sim.approve(id);
    expect(deliveries(id)).toEqual([]);

    const withUrl = await pendingPayment({ "X-Override-Notification": b.url });
    await waitFor(() => deliveries(withUrl).length === 1);
    await sim.resendNotification(withUrl);
    const log = await waitFor(() => deliveries(withUrl).length === 2 && deliveries(withUrl));
    expect(log.map((d) => d.body.transaction_status)).toEqual(["pending", "pending"]);
  });
});
