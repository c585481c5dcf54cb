// The verify cache's own rules (docs/decisions/0016-verify-cache.md); across processes:
// public-payment-cache.integration.test.ts.
import { describe, expect, it } from "vitest";
import { createPublicPaymentCache } from "./public-payment-cache";

function setup(opts: { maxEntries?: number } = {}) {
  let clock = 0;
  const cache = createPublicPaymentCache({ now: () => clock, openTtlMs: 1000, settledTtlMs: 5000, ...opts });
  const db = new Map<string, { status: string; open: boolean }>();
  let loads = 0;
  const load = (id: string) => async () => {
    loads += 1;
    const row = db.get(id);
    if (!row) throw new Error("not_found");
    return { answer: { order_id: id, status: row.status }, open: row.open };
  };
  return {
    cache,
    db,
    load,
    loads: () => loads,
    tick: (ms: number) => {
      clock += ms;
    },
  };
}

describe("public payment cache", () => {
  it("keeps an open answer for its TTL and a settled one longer", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    s.db.set("b", { status: "settlement", open: false });
    await s.cache.get("a", undefined, s.load("a"));
    await s.cache.get("b", undefined, s.load("b"));
    await s.cache.get("a", undefined, s.load("a"));
    await s.cache.get("b", undefined, s.load("b"));
    expect(s.loads()).toBe(2);
    s.tick(1001);
    await s.cache.get("a", undefined, s.load("a"));
    await s.cache.get("b", undefined, s.load("b"));
    expect(s.loads()).toBe(3);
    s.tick(4000);
    await s.cache.get("b", undefined, s.load("b"));
    expect(s.loads()).toBe(4);
  });

  it("while the LISTEN is known to deliver, answers live long; when it is late, the short TTLs apply at once", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    s.cache.setListening(true);
    await s.cache.get("a", undefined, s.load("a"));
    s.tick(30_000);
    await s.cache.get("a", undefined, s.load("a"));
    expect(s.loads()).toBe(1);
    s.cache.setListening(false);
    await s.cache.get("a", undefined, s.load("a"));
    expect(s.loads()).toBe(2);
  });

  it("never keeps a failure (not found, ambiguous)", async () => {
    const s = setup();
    await expect(s.cache.get("x", undefined, s.load("x"))).rejects.toThrow("not_found");
    s.db.set("x", { status: "pending", open: true });
    expect(await s.cache.get("x", undefined, s.load("x"))).toEqual({ order_id: "x", status: "pending" });
  });

  it("a NOTIFY drops every client_id's answer for the order ids it names; '*' drops all", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    s.db.set("b", { status: "pending", open: true });
    await s.cache.get("a", undefined, s.load("a"));
    await s.cache.get("a", "client-1", s.load("a"));
    await s.cache.get("b", undefined, s.load("b"));
    s.db.set("a", { status: "settlement", open: false });
    s.cache.onNotify("a a~123456789");
    expect(await s.cache.get("a", undefined, s.load("a"))).toMatchObject({ status: "settlement" });
    expect(await s.cache.get("a", "client-1", s.load("a"))).toMatchObject({ status: "settlement" });
    expect(s.loads()).toBe(5);
    await s.cache.get("b", undefined, s.load("b"));
    expect(s.loads()).toBe(5);
    s.cache.onNotify("*");
    await s.cache.get("b", undefined, s.load("b"));
    expect(s.loads()).toBe(6);
  });

  it("an answer loaded while its order id was invalidated is served but not kept", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = async () => {
      await gate;
      return { answer: { order_id: "a", status: "pending" }, open: true };
    };
    const pending = s.cache.get("a", undefined, slow);
    s.cache.invalidate(["a"]); // the change committed while the read was under way
    release();
    expect(await pending).toMatchObject({ status: "pending" });
    s.db.set("a", { status: "settlement", open: false });
    expect(await s.cache.get("a", undefined, s.load("a"))).toMatchObject({ status: "settlement" });
  });

  it("concurrent misses for one key share one load", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    await Promise.all(Array.from({ length: 10 }, () => s.cache.get("a", undefined, s.load("a"))));
    expect(s.loads()).toBe(1);
  });

  it("a hold (this process wrote) reloads what was kept before it, and only that", async () => {
    const s = setup();
    s.db.set("a", { status: "pending", open: true });
    await s.cache.get("a", undefined, s.load("a"));
    s.db.set("a", { status: "settlement", open: false });
    const release = s.cache.hold();
    expect(await s.cache.get("a", undefined, s.load("a"))).toMatchObject({ status: "settlement" });
    await s.cache.get("a", undefined, s.load("a")); // loaded after the hold: kept
    expect(s.loads()).toBe(2);
    release();
    await s.cache.get("a", undefined, s.load("a"));
    expect(s.loads()).toBe(2);
  });

  it("is bounded: the order ids stored first go first", async () => {
    const s = setup({ maxEntries: 3 });
    for (const id of ["a", "b", "c", "d"]) {
      s.db.set(id, { status: "pending", open: true });
      await s.cache.get(id, undefined, s.load(id));
    }
    expect(s.cache.stats().size).toBe(3);
    await s.cache.get("d", undefined, s.load("d"));
    expect(s.loads()).toBe(4);
    await s.cache.get("a", undefined, s.load("a"));
    expect(s.loads()).toBe(5);
  });
});
