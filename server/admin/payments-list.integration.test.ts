import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { seedPurchases, signedInAdmin } from "../testing/admin";
import { csvCell } from "./payments-csv.service";
import { parseFilters } from "../payments/payment-list.schema";
import { paymentListQuery } from "../payments/payment-list.queries";
import type { PaymentListItem } from "../payments/payment-list.service";
import { withCustomPlans } from "../db/connect";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let projectId: string;
let otherProjectId: string;
const base = Date.parse("2026-03-10T03:00:00Z"); // 10:00 WIB
const seeded: string[] = [];

beforeAll(async () => {
  t = await startTestPlatform();
  admin = await signedInAdmin(t);
  projectId = (await t.createMerchant({ name: "List shop" })).project_id;
  otherProjectId = (await t.createMerchant({ name: "Other shop" })).project_id;
  // 30 payments an hour apart, then 7 sharing one created_at (to the microsecond).
  const rows = Array.from({ length: 30 }, (_, i) => ({
    order_id: `list-${String(i).padStart(2, "0")}`,
    created_at: new Date(base - i * 3600_000),
    amount: 10_000 * (i + 1),
    environment: (i % 3 === 0 ? "production" : "sandbox") as "production" | "sandbox",
    status: i % 5 === 0 ? "settlement" : "pending",
    midtrans_status: i % 5 === 0 ? "settlement" : i % 2 === 0 ? "pending" : null,
    buyer_email: i < 3 ? `Budi.${i}@Example.co.id` : `buyer${i}@example.com`,
  }));
  const same = new Date(base - 100 * 3600_000 + 0.123);
  const ties = Array.from({ length: 7 }, (_, i) => ({ order_id: `tie-${i}`, created_at: same }));
  seeded.push(...(await seedPurchases(t.sql, projectId, [...rows, ...ties])));
  // Microseconds that a JS Date cannot hold: the cursor must keep them.
  await t.sql`update purchases set created_at = created_at + interval '456 microseconds' where order_id like 'tie-%'`;
  await seedPurchases(t.sql, otherProjectId, [{ order_id: "other-1", created_at: new Date(base) }]);
});
afterAll(async () => t?.close());

async function all(filters: Record<string, unknown>, limit: number): Promise<PaymentListItem[]> {
  const out: PaymentListItem[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await admin.caller.payments.list({ ...filters, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    if (!page.nextCursor) break;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  return out;
}

describe("payments.list", () => {
  it("is newest first, and pages of every size give every payment exactly once (ties on created_at included)", async () => {
    const full = await all({ projectId }, 200);
    expect(full).toHaveLength(37);
    for (let i = 1; i < full.length; i++) {
      const a = full[i - 1];
      const b = full[i];
      expect(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id)).toBe(true);
    }
    for (const size of [1, 2, 3, 6, 7, 8, 36, 37, 38]) {
      const paged = await all({ projectId }, size);
      expect(paged.map((p) => p.id)).toEqual(full.map((p) => p.id));
    }
    expect(new Set(full.map((p) => p.id))).toEqual(new Set(seeded));
  });

  it("a page boundary inside the run of equal created_at loses nothing", async () => {
    const ties = await all({ projectId, q: undefined, createdTo: "2026-03-06" }, 3);
    expect(ties.map((p) => p.order_id).sort()).toEqual(["tie-0", "tie-1", "tie-2", "tie-3", "tie-4", "tie-5", "tie-6"]);
  });

  it("refuses bad page sizes and bad cursors", async () => {
    await expect(admin.caller.payments.list({ limit: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.payments.list({ limit: 201 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.payments.list({ cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("filters by project, environment, status, raw Midtrans status, dates (WIB days) and amount", async () => {
    const ids = async (f: Record<string, unknown>) => (await all({ projectId, ...f }, 200)).map((p) => p.order_id).sort();
    expect((await all({ projectId: otherProjectId }, 50)).map((p) => p.order_id)).toEqual(["other-1"]);
    expect(await ids({ environment: "production" })).toEqual(["list-00", "list-03", "list-06", "list-09", "list-12", "list-15", "list-18", "list-21", "list-24", "list-27"]);
    expect(await ids({ status: "settlement" })).toEqual(["list-00", "list-05", "list-10", "list-15", "list-20", "list-25"]);
    expect(await ids({ midtransStatus: "pending" })).toEqual(["list-02", "list-04", "list-06", "list-08", "list-12", "list-14", "list-16", "list-18", "list-22", "list-24", "list-26", "list-28"]);
    expect(await ids({ amountMin: 50_000, amountMax: 70_000 })).toEqual(["list-04", "list-05", "list-06"]);
    // 2026-03-10 WIB runs 2026-03-09T17:00Z .. 2026-03-10T17:00Z: list-00 (03:00Z) … list-10 (17:00Z on the 9th).
    expect(await ids({ createdFrom: "2026-03-10", createdTo: "2026-03-10" })).toEqual(["list-00", "list-01", "list-02", "list-03", "list-04", "list-05", "list-06", "list-07", "list-08", "list-09", "list-10"]);
    expect(await ids({ createdFrom: "2026-03-10", environment: "production", status: "settlement" })).toEqual(["list-00"]);
    await expect(admin.caller.payments.list({ createdFrom: "10/03/2026" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("searches by order_id and purchase_id (exact) and buyer e-mail (case-insensitive prefix)", async () => {
    const q = async (s: string) => (await admin.caller.payments.list({ q: s })).items.map((p) => p.order_id).sort();
    expect(await q("list-07")).toEqual(["list-07"]);
    // A fragment of 3+ characters matches anywhere (payment-list.integration.test.ts); shorter ones exactly.
    expect(await q("list-0")).toEqual(["list-00", "list-01", "list-02", "list-03", "list-04", "list-05", "list-06", "list-07", "list-08", "list-09"]);
    const [one] = (await admin.caller.payments.list({ q: "list-11" })).items;
    expect(await q(one.id)).toEqual(["list-11"]);
    expect(await q("budi.1@example.co.id")).toEqual(["list-01"]);
    expect(await q("BUDI.")).toEqual(["list-00", "list-01", "list-02"]);
    expect(await q("budi")).toEqual(["list-00", "list-01", "list-02"]);
    expect(await q("budi%")).toEqual([]); // LIKE wildcards are plain characters
    // The id Midtrans knows a retried create by (what an operator copies from Midtrans's dashboard).
    await t.sql`update purchases set midtrans_order_id = 'list-05~rabcd1234' where order_id = 'list-05'`;
    expect(await q("list-05~rabcd1234")).toEqual(["list-05"]);
    const [found] = (await admin.caller.payments.list({ q: "list-05~rabcd1234" })).items;
    expect((await admin.caller.payments.detail({ id: found.id })).payment.midtrans_order_id).toBe("list-05~rabcd1234");
    expect((await admin.caller.payments.detail({ id: seeded[7] })).payment.midtrans_order_id).toBe("list-07");
    expect(await q("b_di")).toEqual([]);
  });
});

describe("query plans", () => {
  /** Every index the plan reads, from EXPLAIN (FORMAT JSON). */
  function indexesOf(plan: unknown): string[] {
    const out: string[] = [];
    const walk = (n: Record<string, unknown>) => {
      if (typeof n["Index Name"] === "string") out.push(n["Index Name"]);
      for (const child of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk((plan as { Plan: Record<string, unknown> }[])[0].Plan);
    return out;
  }

  it("runs the list with plans made for the actual values (plan_cache_mode), and only inside the list's transaction", async () => {
    const [inside] = await withCustomPlans(t.sql, (db) => db<{ m: string }[]>`select current_setting('plan_cache_mode') as m`);
    expect(inside.m).toBe("force_custom_plan");
    const after = await Promise.all(Array.from({ length: 4 }, async () => (await t.sql<{ m: string }[]>`select current_setting('plan_cache_mode') as m`)[0].m));
    expect(after).toEqual(["auto", "auto", "auto", "auto"]);
  });

  it("a search finds its rows through its own index, even when walking created_at looks cheaper to the planner", async () => {
    // enable_sort = off makes a sort look ruinous, so an unfenced query would walk
    // purchases_created_idx newest-first and filter every row: the plan that took 377 ms at
    // 1 M payments when ANALYZE's sample made the search look broad.
    for (const q of ["budi.1@example.co.id", "list-07"]) {
      const plan = await t.sql.begin(async (tx) => {
        // (and no sequential scan: the test table is small enough for one to win on cost)
        await tx`set local enable_sort = off`;
        await tx`set local enable_seqscan = off`;
        const [row] = await tx<{ "QUERY PLAN": unknown }[]>`explain (format json) ${paymentListQuery(tx, parseFilters({ q }), { limit: 50 })}`;
        return row["QUERY PLAN"];
      });
      const indexes = indexesOf(plan);
      expect(indexes).not.toContain("purchases_created_idx");
      expect(indexes).toContain("purchases_buyer_email_prefix_idx");
    }
    // Without a search, the newest-first walk that stops after a page is the right plan.
    const plain = await t.sql.begin(async (tx) => {
      await tx`set local enable_sort = off`;
      await tx`set local enable_seqscan = off`;
      return (await tx<{ "QUERY PLAN": unknown }[]>`explain (format json) ${paymentListQuery(tx, parseFilters({}), { limit: 50 })}`)[0]["QUERY PLAN"];
    });
    expect(indexesOf(plain)).toContain("purchases_created_idx");
  });
});

describe("CSV export", () => {
  it("escapes quotes, commas and line breaks, and defuses formulas", () => {
    expect(csvCell('say "hi", ok')).toBe('"say ""hi"", ok"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell("+62812")).toBe("'+62812");
    expect(csvCell("-1")).toBe("'-1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell(null)).toBe("");
    expect(csvCell(75000)).toBe("75000");
  });

  it("needs a signed-in admin", async () => {
    const r = await fetch(`${t.url}/admin/export.csv`);
    expect(r.status).toBe(401);
  });

  it("exports the filtered list with hostile values intact but harmless", async () => {
    const p = (await t.createMerchant({ name: 'Toko "Maju", Jaya' })).project_id;
    await seedPurchases(t.sql, p, [{ order_id: "csv-1", buyer_name: '=cmd|" /C calc"!A0', item_name: "Kopi, susu\nbesar", buyer_email: "@evil@example.com" }]);
    const r = await fetch(`${t.url}/admin/export.csv?projectId=${p}`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment; filename="astapa-payments-\d{8}-\d{4}\.csv"$/);
    const text = (await r.text()).replace(/^\ufeff/, "");
    const [header, row] = text.split("\r\n");
    expect(header).toBe("purchase_id,order_id,project_id,project_name,environment,status,midtrans_status,payment_type,amount,currency,refunded_amount,buyer_email,buyer_name,item_name,created_at,paid_at");
    expect(row).toContain(`,"Toko ""Maju"", Jaya",`);
    expect(row).toContain(`,'@evil@example.com,"'=cmd|"" /C calc""!A0","Kopi, susu\nbesar",`);
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(2);
  });

  it("streams 5 000 rows (chunked, from a cursor) in the list's order", async () => {
    const p = (await t.createMerchant({ name: "Bulk shop" })).project_id;
    const start = Date.parse("2026-01-01T00:00:00Z");
    await seedPurchases(t.sql, p, Array.from({ length: 5000 }, (_, i) => ({ order_id: `bulk-${i}`, created_at: new Date(start + i * 1000), amount: 1000 + i })));
    const r = await fetch(`${t.url}/admin/export.csv?projectId=${p}&amountMin=1000`, { headers: { cookie: admin.cookie } });
    expect(r.status).toBe(200);
    expect(r.headers.get("transfer-encoding")).toBe("chunked");
    expect(r.headers.get("content-length")).toBeNull();
    // Read it as a stream: several chunks arrive.
    const reader = r.body!.getReader();
    let chunks = 0;
    let text = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
    }
    const lines = text.replace(/^\ufeff/, "").split("\r\n").filter(Boolean);
    expect(lines).toHaveLength(5001);
    expect(lines[1].split(",")[1]).toBe("bulk-4999");
    expect(lines[5000].split(",")[1]).toBe("bulk-0");
    expect(chunks).toBeGreaterThan(1);
    const audit = await admin.caller.audit.list({ action: "payments.export_csv", limit: 1 });
    expect(audit.items[0].details).toMatchObject({ filters: { projectId: p, amountMin: 1000 } });
  });
});
