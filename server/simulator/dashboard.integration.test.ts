import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator, type SimTransaction } from "./index";
import { SERVER_KEY, orderId, snapClient, submitForm } from "../testing/simulator";

let sim: MidtransSimulator;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY, publicUrl: "http://pay.localhost:9999/" });
});
afterAll(() => sim.close());

async function create(firstName = "Budi") {
  const id = orderId("DASH");
  const res = await snapClient(sim).createTransaction({
    transaction_details: { order_id: id, gross_amount: 75000 },
    customer_details: { first_name: firstName, email: "budi@example.com" },
  });
  return { id, redirectUrl: res.redirect_url };
}

const post = (path: string, body?: object) =>
  fetch(sim.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body && JSON.stringify(body),
    redirect: "manual",
  });

describe("dashboard", () => {
  it("lists transactions with action buttons and escapes user text", async () => {
    const { id, redirectUrl } = await create('<script>alert("x")</script>');
    expect(redirectUrl.startsWith("http://pay.localhost:9999/snap/v4/redirection/")).toBe(true);
    for (const path of ["/", "/dashboard"]) {
      const html = await (await fetch(sim.url + path)).text();
      expect(html).toContain("Midtrans Simulator — no real money");
      expect(html).toContain(`<tr data-order-id="${id}">`);
      expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(html).not.toContain("<script>");
      for (const label of ["Approve", "Deny", "Expire", "Cancel", "Refund", "Resend notification"]) {
        expect(html).toContain(`>${label}</button>`);
      }
    }
  });

  it("runs an action and redirects back with 303", async () => {
    const { id } = await create();
    await sim.pay(id, { type: "bank_transfer", bank: "bri" });
    const form = (action: string, fields: Record<string, string> = {}) =>
      fetch(`${sim.url}/dashboard/transactions/${encodeURIComponent(id)}/${action}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
        redirect: "manual",
      });
    const approve = await form("approve");
    expect(approve.status).toBe(303);
    expect(approve.headers.get("location")).toMatch(/^\/dashboard\?notice=/);
    expect(sim.getTransaction(id)!.transaction_status).toBe("settlement");

    const refund = await form("refund", { amount: "25.000" });
    expect(refund.headers.get("location")).toMatch(/^\/dashboard\?notice=/);
    expect(sim.getTransaction(id)!.transaction_status).toBe("partial_refund");

    const refused = await form("expire");
    const location = refused.headers.get("location")!;
    expect(location).toMatch(/^\/dashboard\?error=/);
    const html = await (await fetch(sim.url + location)).text();
    expect(html).toContain("Cannot change transaction status from partial_refund to expire");
  });
});

describe("control API", () => {
  it("reads and drives transactions as JSON", async () => {
    const { id } = await create();
    const list = (await (await fetch(`${sim.url}/__sim/transactions`)).json()) as SimTransaction[];
    expect(list.map((t) => t.order_id)).toContain(id);

    const paid = await post(`/__sim/transactions/${id}/pay`, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ transaction_status: "capture", payment: { masked_card: "48111111-1114" } });

    expect((await post(`/__sim/transactions/${id}/approve`)).status).toBe(200);
    const refunded = await post(`/__sim/transactions/${id}/refund`, { amount: 5000, reason: "test" });
    expect(await refunded.json()).toMatchObject({ transaction_status: "partial_refund", refunds: [{ refund_amount: 5000 }] });

    const conflict = await post(`/__sim/transactions/${id}/cancel`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ error: expect.stringContaining("partial_refund") });

    expect((await post(`/__sim/transactions/${id}/pay`, { type: "bitcoin" })).status).toBe(400);
    expect((await post(`/__sim/transactions/NOPE/approve`)).status).toBe(404);
    expect((await fetch(`${sim.url}/__sim/transactions/NOPE`)).status).toBe(404);
    expect(((await (await fetch(`${sim.url}/__sim/transactions/${id}`)).json()) as SimTransaction).order_id).toBe(id);
    expect(Array.isArray(await (await fetch(`${sim.url}/__sim/notifications`)).json())).toBe(true);
  });

  it("pays by Mandiri bill and at a convenience store (left pending with their codes)", async () => {
    const mandiri = await create();
    const bill = await post(`/__sim/transactions/${mandiri.id}/pay`, { type: "echannel" });
    expect(await bill.json()).toMatchObject({ transaction_status: "pending", payment_type: "echannel", payment: { biller_code: "70012", bill_key: expect.any(String) } });
    const store = await create();
    const cstore = await post(`/__sim/transactions/${store.id}/pay`, { type: "cstore", store: "indomaret" });
    expect(await cstore.json()).toMatchObject({ transaction_status: "pending", payment_type: "cstore", payment: { store: "indomaret", payment_code: expect.any(String) } });
    expect((await post(`/__sim/transactions/${(await create()).id}/pay`, { type: "cstore", store: "lawson" })).status).toBe(400);
  });

  it("programmatic API returns snapshots and refuses bad transitions", async () => {
    const { id, redirectUrl } = await create();
    await expect(sim.approve(id)).rejects.toMatchObject({ code: "conflict" });
    await submitForm(redirectUrl.replace("http://pay.localhost:9999", sim.url), { payment_type: "qris" });
    const snapshot = sim.getTransaction(id)!;
    snapshot.transaction_status = "refund";
    expect(sim.getTransaction(id)!.transaction_status).toBe("pending");
    expect((await sim.approve(id)).payment).toMatchObject({ acquirer: "gopay", issuer: "gopay" });
    expect(sim.listTransactions().some((t) => t.order_id === id)).toBe(true);
    await expect(sim.pay("NOPE", { type: "gopay" })).rejects.toMatchObject({ code: "not_found" });
  });
});
