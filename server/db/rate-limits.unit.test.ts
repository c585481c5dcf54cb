import { describe, expect, it } from "vitest";
import { WindowLimiter, type CounterStore } from "./rate-limits";
import type { CounterClaim, CounterGrant } from "./rate-limits.queries";

/** The store's semantics (migration 0014's statement) in memory, each claim answered after `delayMs`. */
function memoryStore(delayMs: () => number, opts: { failing?: boolean } = {}): CounterStore & { used(key: string): number; claims: number } {
  const rows = new Map<string, { used: number; endsAt: number }>();
  const store = {
    kind: "postgres" as const,
    claims: 0,
    used: (key: string) => rows.get(key)?.used ?? 0,
    async claim(claims: CounterClaim[]): Promise<CounterGrant[]> {
      store.claims++;
      await new Promise((r) => setTimeout(r, delayMs()));
      if (opts.failing) throw new Error("store down");
      return claims.map((c) => {
        const now = Date.now();
        let row = rows.get(c.key);
        if (!row || row.endsAt <= now) {
          row = { used: 0, endsAt: now + c.durationMs };
          rows.set(c.key, row);
        }
        const grant = Math.min(c.want, Math.max(0, c.cap - row.used));
        row.used += grant;
        return { key: c.key, grant, used: row.used, msLeft: row.endsAt - now };
      });
    },
    async release(key: string, points: number) {
      const row = rows.get(key);
      if (row) row.used = Math.max(0, row.used - points);
    },
    async prune() {},
    async close() {},
  };
  return store;
}

const count = async (limiter: WindowLimiter, n: number, key = "k") => (await Promise.all(Array.from({ length: n }, () => limiter.take(key)))).filter((d) => d.allowed).length;

describe("WindowLimiter: a budget per key and window shared through a store", () => {
  it("one process is exact: of 1000 parallel takes exactly the limit pass, and the store holds the limit", async () => {
    const store = memoryStore(() => 2);
    const l = new WindowLimiter(store, { prefix: "p", points: 100, durationSec: 60 });
    expect(await count(l, 1000)).toBe(100);
    expect(store.used("p:k")).toBe(100);
    // Claimed in blocks, not per request.
    expect(store.claims).toBeLessThan(100);
  });

  it("no request waits for the store while the process holds points: up to one block is answered while a claim hangs", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const store = memoryStore(() => 0);
    const claim = store.claim;
    store.claim = async (claims) => {
      await gate;
      return claim(claims);
    };
    const l = new WindowLimiter(store, { prefix: "p", points: 1000, durationSec: 60 });
    // 50 = one block (5 %): answered at once although the store has not answered yet.
    for (let i = 0; i < l.block; i++) expect((await l.take("k")).allowed).toBe(true);
    let answered = false;
    const next = l.take("k").then((d) => {
      answered = true;
      return d;
    });
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    open();
    expect((await next).allowed).toBe(true);
    expect(store.used("p:k")).toBeGreaterThanOrEqual(l.block + 1);
  });

  it("N processes together stay within limit + N × block, whatever the store's latency", async () => {
    for (const procs of [2, 4]) {
      const store = memoryStore(() => Math.random() * 10);
      const limiters = Array.from({ length: procs }, () => new WindowLimiter(store, { prefix: "p", points: 200, durationSec: 60 }));
      // Interleaved bursts at every process.
      let allowed = 0;
      for (let round = 0; round < 10; round++) {
        const counts = await Promise.all(limiters.map((l) => count(l, 40)));
        allowed += counts.reduce((a, b) => a + b, 0);
      }
      expect(store.used("p:k")).toBe(200);
      expect(allowed).toBeGreaterThanOrEqual(200);
      expect(allowed).toBeLessThanOrEqual(200 + procs * limiters[0].block);
    }
  });

  it("strict (block 0) is exact across processes; refund and reset give points back to every process", async () => {
    const store = memoryStore(() => 1);
    const a = new WindowLimiter(store, { prefix: "s", points: 5, durationSec: 900, block: 0 });
    const b = new WindowLimiter(store, { prefix: "s", points: 5, durationSec: 900, block: 0 });
    const [ca, cb] = await Promise.all([count(a, 10), count(b, 10)]);
    expect(ca + cb).toBe(5);
    expect((await a.take("k")).allowed).toBe(false);
    const holder = ca > 0 ? a : b;
    await holder.refund("k");
    expect(store.used("s:k")).toBe(4);
    await holder.reset("k");
    expect(store.used("s:k")).toBe(5 - (holder === a ? ca : cb));
    const other = holder === a ? b : a;
    expect((await other.take("k")).allowed).toBe(true);
  });

  it("a failing store degrades to counting in the process (never to no limit)", async () => {
    const l = new WindowLimiter(memoryStore(() => 1, { failing: true }), { prefix: "f", points: 30, durationSec: 60 });
    expect(await count(l, 100)).toBe(30);
  });

  it("a store that never answers holds no request: the claim is given up and the process counts alone", async () => {
    const store = memoryStore(() => 0);
    store.claim = () => new Promise(() => {});
    const l = new WindowLimiter(store, { prefix: "h", points: 20, durationSec: 60 });
    expect(await count(l, 50)).toBe(20);
  });

  it("refused answers say when the window ends", async () => {
    const l = new WindowLimiter(memoryStore(() => 1), { prefix: "w", points: 1, durationSec: 60 });
    expect((await l.take("k")).allowed).toBe(true);
    const refused = await l.take("k");
    expect(refused.allowed).toBe(false);
    expect(refused.msBeforeNext).toBeGreaterThan(50_000);
    expect(refused.msBeforeNext).toBeLessThanOrEqual(60_000);
  });
});
