import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { getJson, postJson } from "../testing/http";
import { createItem as createValidItem, updateItem as updateValidItem } from "./items.service";
import { itemInput } from "./items.schema";

// The service takes validated input (the console's transport parses it): parse here as it would.
const createItem = (db: TestPlatform["sql"], projectId: string, item: unknown) => createValidItem(db, projectId, itemInput.parse(item));
const updateItem = (db: TestPlatform["sql"], projectId: string, itemId: string, item: unknown) => updateValidItem(db, projectId, itemId, itemInput.parse(item));

let t: TestPlatform;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
let items: Record<string, string>;

beforeAll(async () => {
  t = await startTestPlatform();
  m = await t.createMerchant();
  const nasi = await createItem(t.sql, m.project_id, { name: "Nasi Goreng Spesial", price: 25000 });
  const donation = await createItem(t.sql, m.project_id, { name: "Donasi", price: 10000, price_overridable: true, min_price: 5000, max_price: 500000 });
  const old = await createItem(t.sql, m.project_id, { name: "Menu lama", price: 15000, active: false });
  items = { nasi: nasi.id, donation: donation.id, old: old.id };
});
afterAll(async () => t?.close());

const buy = (body: Record<string, unknown>, headers: Record<string, string> = {}, creds = m) =>
  postJson(`${t.url}/api/platform/purchase`, { client_id: creds.client_id, client_secret: creds.client_secret, buyer_email: "buyer@example.com", ...body }, headers);
const count = async () => (await t.sql<{ n: number }[]>`select count(*)::int as n from purchases`)[0].n;
const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });

describe("GET /api/platform/items", () => {
  it("lists the project's active items, never the sentinel", async () => {
    const r = await getJson(`${t.url}/api/platform/items`, basic(m.client_id, m.client_secret));
    expect(r.status).toBe(200);
    const ids = r.json.items.map((i: { item_id: string }) => i.item_id).sort();
    expect(ids).toEqual([items.nasi, items.donation].sort());
    expect(r.json.items.find((i: { item_id: string }) => i.item_id === items.donation)).toEqual({
      item_id: items.donation,
      name: "Donasi",
      description: null,
      price: 10000,
      currency: "IDR",
      price_overridable: true,
      min_price: 5000,
      max_price: 500000,
    });
  });
  it("refuses missing or wrong credentials with 401", async () => {
    const none = await getJson(`${t.url}/api/platform/items`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Basic");
    const wrong = await getJson(`${t.url}/api/platform/items`, basic(m.client_id, "nope"));
    expect(wrong.json.error.code).toBe("invalid_client");
  });
});

describe("POST /api/platform/purchase", () => {
  it("creates a purchase with an order_id Astapa generates, and the webhook event carries the real item", async () => {
    const r = await buy({ item_id: items.nasi, buyer_name: "John Doe", metadata: { table: "7" } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ amount: 25000, item_id: items.nasi, status: "pending" });
    expect(r.json.order_id).toMatch(/^ast-[a-z0-9]{24}$/);
    const again = await buy({ item_id: items.nasi });
    expect(again.json.order_id).not.toBe(r.json.order_id);

    await t.simulator.pay(r.json.order_id, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
    await waitFor(async () => (await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${r.json.order_id}`)).json.status === "settlement");
    const [event] = await t.sql`select payload from webhook_events where purchase_id = ${r.json.purchase_id}`;
    expect(event.payload).toMatchObject({ event: "item.purchased", item_id: items.nasi, item_name: "Nasi Goreng Spesial", amount: 25000, metadata: { table: "7" } });
  });

  it("keeps existing purchases as they were when the item's price changes", async () => {
    const before = await buy({ item_id: items.nasi });
    await updateItem(t.sql, m.project_id, items.nasi, { name: "Nasi Goreng Jumbo", price: 30000 });
    const after = await buy({ item_id: items.nasi });
    expect(after.json.amount).toBe(30000);
    const [row] = await t.sql`select amount, item_name from purchases where id = ${before.json.purchase_id}`;
    expect(row).toEqual({ amount: 25000, item_name: "Nasi Goreng Spesial" });
    await updateItem(t.sql, m.project_id, items.nasi, { name: "Nasi Goreng Spesial", price: 25000 });
  });

  it("allows an amount only where the item allows an override, within its bounds", async () => {
    const ok = await buy({ item_id: items.donation, amount: 123000 });
    expect(ok.status).toBe(201);
    expect(ok.json.amount).toBe(123000);
    const defaulted = await buy({ item_id: items.donation });
    expect(defaulted.json.amount).toBe(10000);
    for (const [body, field] of [
      [{ item_id: items.nasi, amount: 1000 }, "amount"],
      [{ item_id: items.donation, amount: 4999 }, "amount"],
      [{ item_id: items.donation, amount: 500001 }, "amount"],
    ] as const) {
      const before = await count();
      const r = await buy(body);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe("validation_failed");
      expect(r.json.error.fields[field]).toBeDefined();
      expect(await count()).toBe(before);
    }
  });

  it("refuses unknown, inactive, other projects' and sentinel items", async () => {
    const other = await t.createMerchant({ name: "Other shop" });
    const theirs = await createItem(t.sql, other.project_id, { name: "Their item", price: 5000 });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ item_id: "item_nope" }, 404, "item_not_found"],
      [{ item_id: theirs.id }, 404, "item_not_found"],
      [{ item_id: "__direct__" }, 404, "item_not_found"],
      [{ item_id: items.old }, 409, "item_inactive"],
      [{}, 400, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      const before = await count();
      const r = await buy(body);
      expect([r.status, r.json.error.code]).toEqual([status, code]);
      expect(await count()).toBe(before);
    }
    await expect(updateItem(t.sql, m.project_id, "__direct__", { name: "x", price: 1 })).rejects.toMatchObject({ code: "item_not_editable" });
  });

  it("makes a retry with the same Idempotency-Key the same purchase", async () => {
    const key = `key-${Date.now()}`;
    const first = await buy({ item_id: items.nasi }, { "idempotency-key": key });
    const second = await buy({ item_id: items.nasi }, { "idempotency-key": key });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json.order_id).toBe(first.json.order_id);
    expect(second.json.invoice_url).toBe(first.json.invoice_url);
    const different = await buy({ item_id: items.donation }, { "idempotency-key": key });
    expect(different.status).toBe(409);
    expect(different.json.error.code).toBe("idempotency_key_reused");
  });
});
