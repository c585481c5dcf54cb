import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator } from "./index";
import {
  SERVER_KEY,
  SUCCESS_CARD,
  expectedSignature,
  orderId,
  snapClient,
  startReceiver,
  submitForm,
  waitFor,
  type Receiver,
} from "../testing/simulator";

let sim: MidtransSimulator;
let receiver: Receiver;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY, notificationRetryDelaysMs: [50] });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

async function checkout(extra: object = {}) {
  const id = orderId("PAGE");
  const snap = snapClient(sim, { headers: { "X-Override-Notification": `${receiver.url}/midtrans` } });
  const { redirect_url } = await snap.createTransaction({
    transaction_details: { order_id: id, gross_amount: 75000 },
    callbacks: { finish: "https://shop.example/thanks?from=snap" },
    ...extra,
  });
  return { id, redirectUrl: redirect_url, snap };
}

const notificationsFor = (id: string) => receiver.received.filter((r) => r.body.order_id === id);

describe("Snap payment page", () => {
  it("renders the order with stable selectors", async () => {
    const { id, redirectUrl } = await checkout({
      item_details: [{ id: "k", name: "Kopi <Susu>", price: 75000, quantity: 1 }],
    });
    const res = await fetch(redirectUrl);
    const html = await res.text();
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toContain("Midtrans Simulator — no real money");
    expect(html).toContain(id);
    expect(html).toContain("Rp75.000");
    expect(html).toContain("Kopi &lt;Susu&gt;");
    expect(html).toContain('name="viewport"');
    for (const fragment of [
      'id="card-number" name="card_number"',
      'id="card-expiry" name="card_expiry"',
      'id="card-cvv" name="card_cvv"',
      ">Pay with card</button>",
      ">Pay with GoPay</button>",
      ">Pay with QRIS</button>",
      '<select name="bank" id="bank">',
      ">Pay with bank transfer</button>",
      ">Pay with Mandiri Bill</button>",
      '<select name="store" id="store">',
      ">Pay at a convenience store</button>",
      "4911 1111 1111 1113 is denied by the bank",
    ]) {
      expect(html).toContain(fragment);
    }
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it("captures the success card, redirects to finish and sends a signed notification", async () => {
    const { id, redirectUrl, snap } = await checkout();
    const res = await submitForm(redirectUrl, { payment_type: "credit_card", ...SUCCESS_CARD });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin + location.pathname).toBe("https://shop.example/thanks");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      from: "snap",
      order_id: id,
      status_code: "200",
      transaction_status: "capture",
    });

    const [notification] = await waitFor(() => notificationsFor(id).length > 0 && notificationsFor(id));
    expect(notification.path).toBe("/midtrans");
    expect(notification.headers["content-type"]).toBe("application/json");
    expect(notification.headers["user-agent"]).toMatch(/Veritrans/);
    const body = notification.body;
    expect(body).toMatchObject({
      transaction_status: "capture",
      fraud_status: "accept",
      status_code: "200",
      status_message: "midtrans payment notification",
      payment_type: "credit_card",
      order_id: id,
      gross_amount: "75000.00",
      currency: "IDR",
      masked_card: "48111111-1114",
      bank: "bni",
      card_type: "credit",
    });
    expect(body.signature_key).toBe(expectedSignature(body, SERVER_KEY));
    expect(body.transaction_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(body.merchant_id).toMatch(/^G\d{9}$/);
    expect(body.transaction_id).toMatch(/^[0-9a-f-]{36}$/);

    const status = await snap.transaction.status(id);
    expect(status).toMatchObject({
      transaction_status: "capture",
      fraud_status: "accept",
      status_code: "200",
      status_message: "Success, transaction is found",
      transaction_id: body.transaction_id,
      gross_amount: "75000.00",
    });
    expect(status.signature_key).toBe(expectedSignature(status, SERVER_KEY));
    // Midtrans also finds the transaction by its transaction_id.
    expect(await snap.transaction.status(String(body.transaction_id))).toMatchObject({ order_id: id });

    // The link now shows the status instead of the form.
    const page = await (await fetch(redirectUrl)).text();
    expect(page).toContain('id="transaction-status">capture<');
    expect(page).not.toContain("Pay with card");
    const again = await submitForm(redirectUrl, { payment_type: "gopay" });
    expect(again.status).toBe(303);
    expect(sim.getTransaction(id)!.payment_type).toBe("credit_card");
  });

  it("denies 4911 1111 1111 1113", async () => {
    const { id, redirectUrl } = await checkout();
    const res = await submitForm(redirectUrl, { payment_type: "credit_card", ...SUCCESS_CARD, card_number: "4911111111111113" });
    expect(new URL(res.headers.get("location")!).searchParams.get("transaction_status")).toBe("deny");
    const [n] = await waitFor(() => notificationsFor(id).length > 0 && notificationsFor(id));
    expect(n.body).toMatchObject({ transaction_status: "deny", status_code: "202", fraud_status: "accept", masked_card: "49111111-1113" });
  });

  it("re-renders with an error for unknown cards, bad CVV or past expiry, changing nothing", async () => {
    const { id, redirectUrl } = await checkout();
    for (const fields of [
      { ...SUCCESS_CARD, card_number: "4000 0000 0000 0002" },
      { ...SUCCESS_CARD, card_cvv: "999" },
      { ...SUCCESS_CARD, card_expiry: "01/20" },
      { ...SUCCESS_CARD, card_expiry: "" },
    ]) {
      const res = await submitForm(redirectUrl, { payment_type: "credit_card", ...fields });
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain("Pay with card");
    }
    expect(sim.getTransaction(id)!.transaction_status).toBeNull();
  });

  it("leaves GoPay and QRIS pending and still redirects to finish", async () => {
    for (const method of ["gopay", "qris"] as const) {
      const { id, redirectUrl } = await checkout();
      const res = await submitForm(redirectUrl, { payment_type: method });
      const location = new URL(res.headers.get("location")!);
      expect(location.searchParams.get("status_code")).toBe("201");
      expect(location.searchParams.get("transaction_status")).toBe("pending");
      const [n] = await waitFor(() => notificationsFor(id).length > 0 && notificationsFor(id));
      expect(n.body).toMatchObject({ transaction_status: "pending", status_code: "201", payment_type: method, acquirer: "gopay" });
      expect(n.body.expiry_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
  });

  it("gives a virtual account for bank transfer (permata in its own field)", async () => {
    const bca = await checkout();
    await submitForm(bca.redirectUrl, { payment_type: "bank_transfer", bank: "bca" });
    const tx = sim.getTransaction(bca.id)!;
    expect(tx.transaction_status).toBe("pending");
    expect(tx.payment.va_numbers).toEqual([{ bank: "bca", va_number: expect.stringMatching(/^\d{11}$/) }]);
    const page = await (await fetch(bca.redirectUrl)).text();
    expect(page).toContain(tx.payment.va_numbers![0].va_number);

    const permata = await checkout();
    await submitForm(permata.redirectUrl, { payment_type: "bank_transfer", bank: "permata" });
    const [n] = await waitFor(() => notificationsFor(permata.id).length > 0 && notificationsFor(permata.id));
    expect(n.body.permata_va_number).toMatch(/^\d+$/);
    expect(n.body).not.toHaveProperty("va_numbers");
    expect(n.body.payment_amounts).toEqual([]);
  });

  it("gives Mandiri bill and convenience-store codes, with the deadline in WIB, in Get Status and the notification", async () => {
    const mandiri = await checkout();
    const res = await submitForm(mandiri.redirectUrl, { payment_type: "echannel" });
    expect(new URL(res.headers.get("location")!).searchParams.get("transaction_status")).toBe("pending");
    const tx = sim.getTransaction(mandiri.id)!;
    // Midtrans writes expiry_time in WIB (UTC+7) without an offset.
    const wibDeadline = new Date(Date.parse(tx.expiry_time) + 7 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
    const status = await mandiri.snap.transaction.status(mandiri.id);
    expect(status).toMatchObject({
      transaction_status: "pending",
      status_code: "201",
      payment_type: "echannel",
      biller_code: "70012",
      bill_key: expect.stringMatching(/^\d{12}$/),
      expiry_time: wibDeadline,
    });
    const [n] = await waitFor(() => notificationsFor(mandiri.id).length > 0 && notificationsFor(mandiri.id));
    expect(n.body).toMatchObject({ biller_code: "70012", bill_key: status.bill_key, expiry_time: wibDeadline });
    const page = await (await fetch(mandiri.redirectUrl)).text();
    expect(page).toContain(`id="bill-key">${String(status.bill_key)}<`);

    for (const store of ["indomaret", "alfamart"]) {
      const c = await checkout();
      await submitForm(c.redirectUrl, { payment_type: "cstore", store });
      const st = await c.snap.transaction.status(c.id);
      expect(st).toMatchObject({ transaction_status: "pending", payment_type: "cstore", store, payment_code: expect.stringMatching(/^\d{14,16}$/) });
      expect(st.expiry_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(await (await fetch(c.redirectUrl)).text()).toContain(`id="payment-code">${String(st.payment_code)}<`);
    }
    // A store the simulator does not offer is no choice.
    const bad = await checkout();
    expect((await submitForm(bad.redirectUrl, { payment_type: "cstore", store: "lawson" })).status).toBe(400);
  });

  it("lets the buyer simulate the money arriving from the pending page, then sends them back with settlement", async () => {
    const { id, redirectUrl } = await checkout();
    await submitForm(redirectUrl, { payment_type: "bank_transfer", bank: "bri" });
    const pending = await (await fetch(redirectUrl)).text();
    expect(pending).toContain('id="simulate-payment"');
    const res = await submitForm(`${redirectUrl}/simulate-payment`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(redirectUrl);
    expect(sim.getTransaction(id)!.transaction_status).toBe("settlement");
    const page = await (await fetch(redirectUrl)).text();
    expect(page).toContain('id="transaction-status">settlement<');
    expect(page).not.toContain('id="simulate-payment"');
    const back = new URL(/id="back-to-merchant" href="([^"]+)"/.exec(page)![1].replace(/&amp;/g, "&"));
    expect(back.searchParams.get("transaction_status")).toBe("settlement");
    const statuses = await waitFor(() => notificationsFor(id).length === 2 && notificationsFor(id).map((n) => n.body.transaction_status));
    expect(statuses).toEqual(["pending", "settlement"]);
  });

  it("shows a result page when there is no finish URL, and 'expired' for an expired link", async () => {
    const id = orderId("NOFINISH");
    const snap = snapClient(sim);
    const { redirect_url } = await snap.createTransaction({ transaction_details: { order_id: id, gross_amount: 10000 } });
    const res = await submitForm(redirect_url, { payment_type: "qris" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="transaction-status">pending<');

    const expiring = orderId("EXP");
    const created = await snap.createTransaction({ transaction_details: { order_id: expiring, gross_amount: 10000 } });
    await sim.expire(expiring);
    const page = await (await fetch(created.redirect_url)).text();
    expect(page).toContain("expired");
    expect(page).not.toContain("Pay with card");
    const late = await submitForm(created.redirect_url, { payment_type: "gopay" });
    expect(late.status).toBe(303);
    expect(sim.getTransaction(expiring)!.transaction_status).toBeNull();

    expect((await fetch(`${sim.url}/snap/v4/redirection/no-such-token`)).status).toBe(404);
  });
});
