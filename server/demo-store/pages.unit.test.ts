import { describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./catalog";
import type { DemoOrderRow } from "./demo-store.queries";
import { orderState, refreshSeconds, storePage } from "./pages";

const order = (o: Partial<DemoOrderRow> = {}): DemoOrderRow => ({
  order_id: "demo_0123456789abcdef",
  store_slug: DEMO_SHOP.slug,
  product_id: "es-teh-manis",
  item_name: "Es Teh Manis",
  amount: 5000,
  purchase_id: "pur_x",
  invoice_url: "http://127.0.0.1:3001/snap/v4/redirection/t",
  status: "created",
  paid_at: null,
  webhook_verified_at: null,
  webhook_id: null,
  created_at: new Date("2026-05-06T10:00:00Z"),
  ...o,
});

describe("the demo store's order state", () => {
  it("says paid only from a verified webhook", () => {
    expect(orderState({ order: order(), astapaStatus: "settlement" }).label).toBe("waiting for webhook");
    const verified = order({ status: "paid", webhook_verified_at: new Date(), webhook_id: "msg_1", paid_at: new Date() });
    expect(orderState({ order: verified, astapaStatus: null }).label).toBe("paid, webhook verified");
    expect(orderState({ order: order({ status: "refunded", webhook_verified_at: new Date() }), astapaStatus: null }).label).toBe("refunded, webhook verified");
  });

  it("looks again by itself while waiting: every 2 s once Astapa says paid, every 5 s for 10 minutes while pending", () => {
    const created = new Date("2026-05-06T10:00:00Z");
    const at = (minutes: number) => new Date(created.getTime() + minutes * 60_000);
    expect(refreshSeconds({ order: order(), astapaStatus: "settlement" }, at(30))).toBe(2);
    expect(refreshSeconds({ order: order(), astapaStatus: "pending" }, at(1))).toBe(5);
    expect(refreshSeconds({ order: order(), astapaStatus: "pending" }, at(11))).toBeUndefined();
    expect(refreshSeconds({ order: order(), astapaStatus: null }, at(1))).toBeUndefined();
    expect(refreshSeconds({ order: order({ status: "paid", webhook_verified_at: created }), astapaStatus: "settlement" }, at(1))).toBeUndefined();
  });

  it("escapes what it shows and refreshes the page only while waiting", () => {
    const html = storePage(DEMO_SHOP, { order: order({ item_name: `<img src=x onerror="alert(1)">` }), astapaStatus: "settlement" }, []);
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;");
    expect(html).toContain('<meta http-equiv="refresh" content="2">');
    expect(storePage(DEMO_SHOP, null, [])).not.toContain("http-equiv");
  });
});
