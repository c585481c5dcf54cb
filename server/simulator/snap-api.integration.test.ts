import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type MidtransSimulator } from "./index";
import { SERVER_KEY, midtransError, orderId, snapClient } from "../testing/simulator";

let sim: MidtransSimulator;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY });
});
afterAll(() => sim.close());

const create = (body: object) =>
  fetch(`${sim.url}/snap/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${SERVER_KEY}:`).toString("base64")}` },
    body: JSON.stringify(body),
  });

describe("POST /snap/v1/transactions", () => {
  it("answers 201 with a token and a redirect_url on the simulator", async () => {
    const snap = snapClient(sim);
    const id = orderId();
    const res = await snap.createTransaction({ transaction_details: { order_id: id, gross_amount: 75000 } });
    expect(res.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.redirect_url).toBe(`${sim.url}/snap/v4/redirection/${res.token}`);
    const tx = sim.getTransaction(id)!;
    expect(tx).toMatchObject({ gross_amount: 75000, transaction_status: null, notification_urls: [] });
    // Default expiry: 24 h after creation.
    expect(Date.parse(tx.expiry_time) - Date.parse(tx.created_at)).toBe(24 * 3_600_000);
  });

  it("rejects a wrong server key with Midtrans's 401 body", async () => {
    const err = await midtransError(
      snapClient(sim, { serverKey: "SB-Mid-server-WRONG" }).createTransaction({
        transaction_details: { order_id: orderId(), gross_amount: 1000 },
      }),
    );
    expect(err.httpStatusCode).toBe(401);
    expect(err.ApiResponse).toEqual({
      error_messages: [
        "Access denied due to unauthorized transaction, please check client or server key",
        "Visit https://snap-docs.midtrans.com/#request-headers for more details",
      ],
    });
  });

  it("validates like Midtrans", async () => {
    const missing = await create({ transaction_details: { order_id: orderId() } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error_messages: ["transaction_details.gross_amount is required"] });

    const bad = await create({
      transaction_details: { order_id: `bad id/${"x".repeat(60)}`, gross_amount: 10.5 },
      customer_details: { email: "not-an-email" },
    });
    const { error_messages } = (await bad.json()) as { error_messages: string[] };
    expect(error_messages).toEqual([
      "transaction_details.order_id must not be longer than 50 characters",
      "transaction_details.gross_amount must be an integer for currency IDR",
      "customer_details.email format is invalid",
    ]);

    const chars = await create({ transaction_details: { order_id: "a b", gross_amount: 1000 } });
    expect(((await chars.json()) as { error_messages: string[] }).error_messages[0]).toMatch(/order_id may only contain/);

    const sum = await create({
      transaction_details: { order_id: orderId(), gross_amount: 75000 },
      item_details: [{ id: "a", name: "Kopi", price: 25000, quantity: 2 }],
    });
    expect(await sum.json()).toEqual({ error_messages: ["transaction_details.gross_amount is not equal to the sum of item_details"] });
  });

  it("refuses an order_id already used", async () => {
    const snap = snapClient(sim);
    const id = orderId();
    await snap.createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } });
    const err = await midtransError(snap.createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } }));
    expect(err.httpStatusCode).toBe(400);
    expect(err.ApiResponse).toEqual({ error_messages: ["transaction_details.order_id sudah digunakan"] });
  });

  it("honours expiry and rejects bodies over 16 KB", async () => {
    const id = orderId();
    const res = await create({
      transaction_details: { order_id: id, gross_amount: 1000 },
      expiry: { start_time: "2030-01-01 10:00:00 +0700", unit: "minutes", duration: 30 },
    });
    expect(res.status).toBe(201);
    expect(sim.getTransaction(id)!.expiry_time).toBe("2030-01-01T03:30:00.000Z");

    const big = await create({ transaction_details: { order_id: orderId(), gross_amount: 1000 }, custom_field1: "x".repeat(17_000) });
    expect(big.status).toBe(413);
  });
});

describe("Core API before payment", () => {
  it("answers 404 to Get Status until the buyer picks a method", async () => {
    const snap = snapClient(sim);
    const id = orderId();
    await snap.createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } });
    const err = await midtransError(snap.transaction.status(id));
    expect(err.httpStatusCode).toBe(404);
    expect(err.ApiResponse).toEqual({ status_code: "404", status_message: "Transaction doesn't exist." });
    const unknown = await midtransError(snap.transaction.status("NOPE-1"));
    expect(unknown.httpStatusCode).toBe(404);
  });

  it("rejects a wrong server key with the Core API 401 body", async () => {
    const err = await midtransError(snapClient(sim, { serverKey: "wrong" }).transaction.status("x"));
    expect(err.httpStatusCode).toBe(401);
    expect(err.ApiResponse).toEqual({ status_code: "401", status_message: "Unknown Merchant server_key/id" });
  });
});
