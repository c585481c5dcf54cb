// The console's payment search as people type it (issue #16): a fragment of an order id, buyer
// e-mail, buyer name or item name, case-insensitive, through the pg_trgm index of migration 0018
// (on PostgreSQL and on the embedded PGlite alike); the payment-method filter; invalid filters
// refused with a message naming them.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedPurchases, signedInAdmin } from "../testing/admin";
import { startTestPlatform, type TestPlatform } from "../testing/platform";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let projectId: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestPlatform();
  admin = await signedInAdmin(t);
  projectId = (await t.createMerchant({ name: "Search shop" })).project_id;
  const rows = [
    { key: "budi", order_id: "INV-2026-000481", buyer_email: "budi.santoso@gmail.com", buyer_name: "Budi Santoso", item_name: "Kaos Polos Hitam XL" },
    { key: "siti", order_id: "INV-2026-000482", buyer_email: "siti@example.co.id", buyer_name: "Siti Rahmawati", item_name: "Kopi Gayo 250 g" },
    { key: "agus", order_id: "ord_77_percent", buyer_email: "agus@toko.id", buyer_name: null, item_name: "Diskon 50% Sepatu" },
    { key: "dewi", order_id: "A1", buyer_email: "dewi@example.com", buyer_name: "Dewi", item_name: null },
  ];
  const made = await seedPurchases(
    t.sql,
    projectId,
    rows.map(({ key: _key, ...r }, i) => ({ ...r, created_at: new Date(Date.now() - i * 60_000) })),
  );
  rows.forEach((r, i) => {
    ids[r.key] = made[i];
  });
  await t.sql`update purchases set payment_type = 'qris' where id = ${ids.siti}`;
  await t.sql`update purchases set payment_type = 'bank_transfer' where id in (${ids.budi}, ${ids.agus})`;
});
afterAll(async () => t?.close());

const search = async (filters: Record<string, unknown>) => (await admin.caller.payments.list({ projectId, ...filters })).items.map((i) => i.id);

describe("partial search", () => {
  it.each([
    ["a buyer name, any case", "santoso", ["budi"]],
    ["a buyer name's middle", "AHMAW", ["siti"]],
    ["an item name", "kopi gayo", ["siti"]],
    ["an item name's word", "polos", ["budi"]],
    ["an order id fragment", "000481", ["budi"]],
    ["an order id prefix shared by two", "inv-2026", ["budi", "siti"]],
    ["an e-mail's domain", "gmail.com", ["budi"]],
    ["an e-mail's start, with @", "SITI@example.co", ["siti"]],
    ["an e-mail's domain, with @", "@example.co", ["siti", "dewi"]],
  ])("finds by %s (%s)", async (_what, q, expected) => {
    expect((await search({ q })).sort()).toEqual(expected.map((k) => ids[k]).sort());
  });

  it("takes % and _ literally", async () => {
    expect(await search({ q: "50%" })).toEqual([ids.agus]);
    expect(await search({ q: "%%%" })).toEqual([]);
    expect(await search({ q: "77_p" })).toEqual([ids.agus]);
    expect(await search({ q: "___" })).toEqual([]);
  });

  it("matches a short search exactly (order id) or as an e-mail prefix, never as a fragment", async () => {
    expect(await search({ q: "A1" })).toEqual([ids.dewi]);
    expect(await search({ q: "de" })).toEqual([ids.dewi]); // dewi@… prefix
    expect(await search({ q: "wi" })).toEqual([]);
  });

  it("uses the trigram index (migration 0018)", async () => {
    const [{ n }] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from pg_indexes where tablename = 'purchases' and indexname = 'purchases_search_trgm_idx'`;
    expect(n).toBe(1);
    // One transaction, one connection: the setting and the plan it changes.
    const plan = await t.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx.unsafe(
        `explain select id from purchases p where (p.order_id || E'\\n' || p.buyer_email || E'\\n' || coalesce(p.buyer_name, '') || E'\\n' || coalesce(p.item_name, '')) ilike '%santoso%'`,
      );
    });
    expect(JSON.stringify(plan)).toContain("purchases_search_trgm_idx");
  });
});

describe("payment method", () => {
  it("is a column of the list and a filter", async () => {
    const page = await admin.caller.payments.list({ projectId, q: "santoso" });
    expect(page.items[0].payment_type).toBe("bank_transfer");
    expect((await search({ paymentType: "bank_transfer" })).sort()).toEqual([ids.budi, ids.agus].sort());
    expect(await search({ paymentType: "qris" })).toEqual([ids.siti]);
    expect(await search({ paymentType: "gopay" })).toEqual([]);
    expect(await search({ paymentType: "bank_transfer", q: "diskon" })).toEqual([ids.agus]);
  });
});

describe("invalid filters", () => {
  async function refusal(filters: Record<string, unknown>): Promise<string> {
    const e = await admin.caller.payments.list({ projectId, ...filters }).then(
      () => expect.fail("expected BAD_REQUEST"),
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(TRPCError);
    expect((e as TRPCError).code).toBe("BAD_REQUEST");
    return JSON.stringify((e as TRPCError).cause);
  }

  it.each([
    [{ createdFrom: "2026-02-30" }, "createdFrom must be a real day"],
    [{ createdTo: "yesterday" }, "createdTo must be a date"],
    [{ paymentType: "Bank Transfer" }, "paymentType must be a Midtrans payment_type"],
    [{ attention: "everything" }, "attention must be"],
  ])("refuses %j with a message naming it", async (filters, message) => {
    expect(await refusal(filters)).toContain(message);
  });
});

describe("a fragment many payments share, and one older than the newest 2 000", () => {
  it("pages through every match exactly once, newest first, either way the search runs", async () => {
    const shop = (await t.createMerchant({ name: "Busy shop" })).project_id;
    const now = Date.now();
    // 3 old rare matches, then 6 000 newer payments of which every 100th is a common match.
    await seedPurchases(t.sql, shop, [
      ...Array.from({ length: 3 }, (_, i) => ({ order_id: `old-${i}`, item_name: "Wayang Kulit Langka", created_at: new Date(now - 86400_000 - i * 1000) })),
      ...Array.from({ length: 6000 }, (_, i) => ({ order_id: `busy-${i}`, item_name: i % 100 === 0 ? "Teh Melati" : "Air Mineral", created_at: new Date(now - i * 1000) })),
    ]);
    async function all(q: string, limit: number): Promise<string[]> {
      const out: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await admin.caller.payments.list({ projectId: shop, q, limit, cursor });
        out.push(...page.items.map((i) => i.order_id));
        if (!page.nextCursor) return out;
        cursor = page.nextCursor;
      }
    }
    expect(await all("melati", 7)).toEqual(Array.from({ length: 60 }, (_, i) => `busy-${i * 100}`));
    expect(await all("wayang", 2)).toEqual(["old-0", "old-1", "old-2"]);
    // A fragment in nearly every payment, over many pages.
    expect((await all("mineral", 200)).length).toBe(5940);
  });
});
