import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../testing/platform";
import { getJson } from "../testing/http";
import { anonymousCaller, signedInAdmin } from "../testing/admin";

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof signedInAdmin>>;
let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;

beforeAll(async () => {
  t = await startTestPlatform();
  admin = await signedInAdmin(t);
  m = await t.createMerchant();
});
afterAll(async () => t?.close());

const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });

describe("items in the admin console", () => {
  it("refuses anonymous callers and cross-origin mutations", async () => {
    const anon = anonymousCaller(t);
    await expect(anon.items.list({ projectId: m.project_id })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anon.items.create({ projectId: m.project_id, item: { name: "X", price: 1000 } })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anon.items.update({ projectId: m.project_id, itemId: "item_x", item: { name: "X", price: 1000 } })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    const crossSite = anonymousCaller(t, { admin: admin.session, sameOrigin: false });
    await expect(crossSite.items.create({ projectId: m.project_id, item: { name: "X", price: 1000 } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await t.sql`select 1 from items where project_id = ${m.project_id} and name = 'X'`).toHaveLength(0);
  });

  it("creates, lists and updates items (audited); merchants see the change over REST", async () => {
    const teh = await admin.caller.items.create({ projectId: m.project_id, item: { name: "Es Teh Manis", price: 8000 } });
    expect(teh).toMatchObject({ name: "Es Teh Manis", price: 8000, active: true, price_overridable: false, min_price: null, max_price: null, description: null });
    expect(teh.id).toMatch(/^item_/);
    const donasi = await admin.caller.items.create({
      projectId: m.project_id,
      item: { name: "Donasi", description: "Seikhlasnya", price: 10000, price_overridable: true, min_price: 5000, max_price: 500000 },
    });

    const listed = await admin.caller.items.list({ projectId: m.project_id });
    expect(listed.map((i) => i.id).sort()).toEqual([teh.id, donasi.id].sort());
    expect(listed.find((i) => i.id === donasi.id)).toMatchObject({ description: "Seikhlasnya", min_price: 5000, max_price: 500000 });

    const updated = await admin.caller.items.update({ projectId: m.project_id, itemId: teh.id, item: { name: "Es Teh Manis Jumbo", price: 12000, active: false } });
    expect(updated).toMatchObject({ id: teh.id, name: "Es Teh Manis Jumbo", price: 12000, active: false });
    // Inactive items stay listed in the console, but merchants no longer see them.
    expect((await admin.caller.items.list({ projectId: m.project_id })).find((i) => i.id === teh.id)?.active).toBe(false);
    const rest = await getJson(`${t.url}/api/platform/items`, basic(m.client_id, m.client_secret));
    expect(rest.json.items.map((i: { item_id: string }) => i.item_id)).toEqual([donasi.id]);

    const audit = await admin.caller.audit.list({ targetId: m.project_id });
    const itemAudit = audit.items.filter((a) => a.action.startsWith("item."));
    expect(itemAudit.map((a) => a.action)).toEqual(["item.update", "item.create", "item.create"]);
    expect(itemAudit.every((a) => a.admin_email === admin.email && a.target_type === "project")).toBe(true);
    expect(itemAudit[0].details).toEqual({
      item_id: teh.id,
      changes: { name: { from: "Es Teh Manis", to: "Es Teh Manis Jumbo" }, price: { from: 8000, to: 12000 }, active: { from: true, to: false } },
    });
    expect(itemAudit[2].details).toMatchObject({ item_id: teh.id, name: "Es Teh Manis", price: 8000 });
  });

  it("never lists the __direct__ sentinel and refuses to edit it", async () => {
    const [sentinel] = await t.sql`select id from items where project_id = ${m.project_id} and is_sentinel`;
    expect(sentinel.id).toBe("__direct__");
    expect((await admin.caller.items.list({ projectId: m.project_id })).map((i) => i.id)).not.toContain("__direct__");
    const err = await admin.caller.items.update({ projectId: m.project_id, itemId: "__direct__", item: { name: "Hacked", price: 1 } }).catch((e) => e);
    expect(err).toMatchObject({ code: "CONFLICT" });
    expect(err.cause).toMatchObject({ code: "item_not_editable" });
    const [row] = await t.sql`select name, price from items where project_id = ${m.project_id} and id = '__direct__'`;
    expect(row.name).toBe("Shop payment");
    expect(await t.sql`select 1 from admin_audit_log where action = 'item.update' and details->>'item_id' = '__direct__'`).toHaveLength(0);
  });

  it("rejects invalid input, unknown projects and other projects' items, writing nothing", async () => {
    const before = (await t.sql<{ n: number }[]>`select count(*)::int as n from admin_audit_log where action like 'item.%'`)[0].n;
    const bad = [
      { name: "", price: 1000 },
      { name: "Nol", price: 0 },
      { name: "Pecahan", price: 1000.5 },
      { name: "Terbalik", price: 1000, price_overridable: true, min_price: 9000, max_price: 5000 },
    ];
    for (const item of bad) {
      await expect(admin.caller.items.create({ projectId: m.project_id, item })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(admin.caller.items.create({ projectId: "prj_nope", item: { name: "X", price: 1000 } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.caller.items.list({ projectId: "prj_nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(admin.caller.items.update({ projectId: m.project_id, itemId: "item_nope", item: { name: "X", price: 1000 } })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const other = await t.createMerchant();
    const theirs = await admin.caller.items.create({ projectId: other.project_id, item: { name: "Milik lain", price: 5000 } });
    await expect(admin.caller.items.update({ projectId: m.project_id, itemId: theirs.id, item: { name: "Curian", price: 1 } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await admin.caller.items.list({ projectId: other.project_id }))[0]).toMatchObject({ name: "Milik lain", price: 5000 });
    const existing = (await admin.caller.items.list({ projectId: m.project_id }))[0];
    await expect(admin.caller.items.update({ projectId: m.project_id, itemId: existing.id, item: { name: existing.name, price: -5 } })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const after = (await t.sql<{ n: number }[]>`select count(*)::int as n from admin_audit_log where action like 'item.%'`)[0].n;
    expect(after).toBe(before + 1); // only the other project's item.create
  });
});
