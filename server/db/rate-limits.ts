import { Redis } from "ioredis";
import type { Logger } from "../config/logger";
import { claimCounters, deleteExpiredCounters, releaseCounter, type CounterClaim, type CounterGrant } from "./rate-limits.queries";
import type { Sql } from "./types";

/**
 * Rate limits shared by every process (docs/scaling.md#rate-limits, docs/decisions/0007).
 *
 * A limit is `points` per window of `durationSec` (starting with the key's first claim), counted
 * per key in a store every process sees: PostgreSQL (table rate_limit_counters, migration 0014) or Redis when REDIS_URL is set. A
 * request must not wait for the store (verify is polled every 3 s by every buyer), so a process
 * CLAIMS a block of the window's budget at a time and spends it in memory:
 *
 * - `take` consumes a point first, then decides (atomic within the process: a parallel burst
 *   cannot get more than the process holds). It answers at once while the process holds a point
 *   it was granted, or while it may run ahead of its grants by a credit of at most one block
 *   (`min(block, points - used as last seen in the store)`); it claims the next block in the
 *   background when fewer than half a block are left, so steady traffic never waits.
 * - Past that, the request waits for the claim (one statement for every key claimed at once) and
 *   is refused when the store has nothing left for the window.
 * - `refund` gives a point back to the process (a lookup that found its order).
 *
 * Accuracy: the store never grants more than `points` per window, and each process runs ahead of
 * its grants by at most one block, so N processes together allow at most `points + N × block`
 * per key and window (block = 5 % of the limit, at least 1). A single process is exact: it knows
 * everything the store has granted. A process that has stopped receiving requests may keep about
 * one block it was granted and did not spend; the others then get that much less.
 * `block: 0` (strict) claims every point before answering: exact across processes, one store
 * round trip per request (the admin sign-in).
 *
 * If the store fails or does not answer a claim within 2 s, the process keeps counting alone for
 * the window (each process enforces the whole limit) and logs it once: limits degrade to per
 * process, never to none, and a stalled database holds no request for its limits.
 */
export interface CounterStore {
  kind: "postgres" | "redis";
  claim(claims: CounterClaim[]): Promise<CounterGrant[]>;
  release(key: string, points: number): Promise<void>;
  /** Deletes counters of ended windows (at most once a minute per store). */
  prune(): Promise<void>;
  close(): Promise<void>;
}

export interface LimitDecision {
  allowed: boolean;
  /** Until the window ends (Retry-After when refused). */
  msBeforeNext: number;
}

export interface WindowLimiterOptions {
  /** Names the limit in the store's keys. */
  prefix: string;
  points: number;
  durationSec: number;
  /** Points claimed ahead of use; default 5 % of `points` (at least 1). 0: strict. */
  block?: number;
  logger?: Logger;
  now?: () => number;
}

interface Slot {
  /** When the window ends (local clock; from the store's answer once claimed). */
  endsAt: number;
  /** Points the store granted this process in the window. */
  granted: number;
  /** Points this process spent (net of refunds). */
  used: number;
  /** The window's total in the store at the last claim (every process's grants). */
  storeUsed: number;
  /** Requests of this process waiting for a claim. */
  waiting: number;
  claiming: Promise<void> | null;
  /** The store failed: count alone for the rest of the window. */
  local: boolean;
}

/** A claim the store has not answered in this long counts as a failure (a stalled database must not hold requests). */
const CLAIM_TIMEOUT_MS = 2000;

/**
 * A point budget per key and window, shared through a CounterStore. A key's window starts with
 * its first claim in the store and lasts `durationSec` (as rate-limiter-flexible's do).
 */
export class WindowLimiter {
  readonly points: number;
  readonly block: number;
  private readonly durationMs: number;
  private readonly slots = new Map<string, Slot>();
  private nextSweep = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: CounterStore,
    private readonly opts: WindowLimiterOptions,
  ) {
    this.points = opts.points;
    this.durationMs = opts.durationSec * 1000;
    this.block = opts.block ?? Math.max(1, Math.floor(opts.points * 0.05));
    this.now = opts.now ?? Date.now;
  }

  private slot(key: string): Slot {
    const now = this.now();
    if (now >= this.nextSweep) {
      // Once per window length: forget the keys whose window ended, and prune the store.
      this.nextSweep = now + this.durationMs;
      for (const [k, s] of this.slots) if (s.endsAt <= now && !s.claiming && s.waiting === 0) this.slots.delete(k);
      void this.store.prune().catch(() => {});
    }
    let s = this.slots.get(key);
    if (!s || (s.endsAt <= now && !s.claiming)) {
      s = { endsAt: now + this.durationMs, granted: 0, used: 0, storeUsed: 0, waiting: 0, claiming: null, local: false };
      this.slots.set(key, s);
    }
    return s;
  }

  /** What the process may spend without waiting: its grants, plus the credit while the store has points left. */
  private allowance(s: Slot): number {
    if (s.local) return this.points;
    return s.granted + Math.min(this.block, Math.max(0, this.points - s.storeUsed));
  }

  private decision(allowed: boolean, s: Slot): LimitDecision {
    return { allowed, msBeforeNext: Math.max(0, s.endsAt - this.now()) };
  }

  /** Consumes one point of `key`, then decides. */
  async take(key: string): Promise<LimitDecision> {
    let asked = false;
    for (;;) {
      const s = this.slot(key);
      if (s.used < this.allowance(s)) {
        s.used++;
        if (this.block > 0 && !s.local && !s.claiming && s.granted - s.used < Math.ceil(this.block / 2) && s.storeUsed < this.points) {
          void this.claim(key, s);
        }
        return this.decision(true, s);
      }
      // Strict limits ask the store once per request: another process may have given points back.
      if (!s.claiming && (s.local || (s.storeUsed >= this.points && (this.block > 0 || asked)))) return this.decision(false, s);
      s.waiting++;
      try {
        await (s.claiming ?? this.claim(key, s));
      } finally {
        s.waiting--;
      }
      asked = true;
    }
  }

  /** Gives back one point taken in the current window (nothing once the window has ended). */
  async refund(key: string): Promise<void> {
    const s = this.slots.get(key);
    if (!s || s.endsAt <= this.now() || s.used === 0) return;
    s.used--;
    if (this.block === 0 && !s.local && s.granted > 0) {
      // Strict: the point goes back to every process.
      s.granted--;
      s.storeUsed = Math.max(0, s.storeUsed - 1);
      await this.store.release(this.storeKey(key), 1);
    }
  }

  /** Forgets the key's count for the window (strict limits: in every process's view). */
  async reset(key: string): Promise<void> {
    const s = this.slots.get(key);
    if (!s || s.endsAt <= this.now()) return;
    const giveBack = this.block === 0 && !s.local ? s.granted : 0;
    s.used = 0;
    s.granted -= giveBack;
    s.storeUsed = Math.max(0, s.storeUsed - giveBack);
    if (giveBack > 0) await this.store.release(this.storeKey(key), giveBack);
  }

  private storeKey(key: string): string {
    return `${this.opts.prefix}:${key}`;
  }

  /** Never rejects: a failing store turns the slot local. */
  private claim(key: string, s: Slot): Promise<void> {
    const want = Math.max(1, s.used - s.granted + s.waiting + this.block);
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${CLAIM_TIMEOUT_MS} ms`)), CLAIM_TIMEOUT_MS);
      timer.unref?.();
    });
    const p = Promise.race([this.store.claim([{ key: this.storeKey(key), want, cap: this.points, durationMs: this.durationMs }]), stalled])
      .then(([g]) => {
        const endsAt = this.now() + g.msLeft;
        if (g.used === g.grant && s.granted > 0) {
          // The store started a new window (this process's previous one had ended there): start
          // over, keeping only what was spent beyond the old grants.
          s.used = Math.max(0, s.used - s.granted);
          s.granted = 0;
          s.storeUsed = 0;
        }
        s.endsAt = endsAt;
        s.granted += g.grant;
        s.storeUsed = Math.max(s.storeUsed, g.used);
      })
      .catch((err) => {
        if (!s.local) this.opts.logger?.warn({ err: err instanceof Error ? err.message : String(err), limit: this.opts.prefix }, "rate limit store failed: counting in this process");
        s.local = true;
      })
      .finally(() => {
        clearTimeout(timer);
        s.claiming = null;
      });
    s.claiming = p;
    return p;
  }
}

/**
 * Claims of the same tick go to the store together (one statement or one pipeline); `flush`
 * sends them. Both stores batch through this.
 */
function batched(send: (claims: CounterClaim[]) => Promise<CounterGrant[]>): (claims: CounterClaim[]) => Promise<CounterGrant[]> {
  let queue: { claim: CounterClaim; resolve(g: CounterGrant): void; reject(err: unknown): void }[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    // Two claims of one key in a batch (two limiters with one prefix) go in separate batches.
    const seen = new Set<string>();
    const now: typeof batch = [];
    for (const item of batch) {
      const id = item.claim.key;
      if (seen.has(id)) queue.push(item);
      else {
        seen.add(id);
        now.push(item);
      }
    }
    if (queue.length) setImmediate(flush);
    send(now.map((i) => i.claim)).then(
      (grants) => {
        const byId = new Map(grants.map((g) => [g.key, g]));
        for (const i of now) {
          const g = byId.get(i.claim.key);
          if (g) i.resolve(g);
          else i.reject(new Error("rate limit store: no answer for a claim"));
        }
      },
      (err) => {
        for (const i of now) i.reject(err);
      },
    );
  };
  return (claims) =>
    Promise.all(
      claims.map(
        (claim) =>
          new Promise<CounterGrant>((resolve, reject) => {
            if (queue.length === 0) setImmediate(flush);
            queue.push({ claim, resolve, reject });
          }),
      ),
    );
}

const PRUNE_EVERY_MS = 60_000;

/** Counters in PostgreSQL (migration 0014). */
export function postgresCounterStore(sql: Sql): CounterStore {
  let lastPrune = 0;
  return {
    kind: "postgres",
    claim: batched((claims) => claimCounters(sql, claims)),
    release: (key, points) => releaseCounter(sql, key, points),
    async prune() {
      if (Date.now() - lastPrune < PRUNE_EVERY_MS) return;
      lastPrune = Date.now();
      await deleteExpiredCounters(sql);
    },
    async close() {},
  };
}

// Grants min(want, cap - used) and returns {grant, used, ms left}; a missing (expired) key starts a window.
const CLAIM_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '-1')
local fresh = used < 0
if fresh then used = 0 end
local grant = math.min(tonumber(ARGV[1]), math.max(0, tonumber(ARGV[2]) - used))
used = used + grant
if fresh then redis.call('SET', KEYS[1], used, 'PX', ARGV[3])
elseif grant > 0 then redis.call('INCRBY', KEYS[1], grant) end
return {grant, used, redis.call('PTTL', KEYS[1])}`;
const RELEASE_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('SET', KEYS[1], math.max(0, used - tonumber(ARGV[1])), 'KEEPTTL') end
return 0`;

/** Counters in Redis (REDIS_URL): one key per limited key, expiring with its window. */
export function redisCounterStore(url: string, opts: { keyPrefix?: string } = {}): CounterStore {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  // Errors surface on the commands; without a listener ioredis would print each reconnect.
  redis.on("error", () => {});
  const prefix = opts.keyPrefix ?? "astapa:rl:";
  return {
    kind: "redis",
    claim: batched(async (claims) => {
      const pipeline = redis.pipeline();
      for (const c of claims) pipeline.eval(CLAIM_LUA, 1, prefix + c.key, c.want, c.cap, c.durationMs);
      const results = (await pipeline.exec()) ?? [];
      return claims.map((c, i) => {
        const [err, value] = results[i] ?? [new Error("rate limit store: no answer")];
        if (err) throw err;
        const [grant, used, msLeft] = Array.isArray(value) ? value.map(Number) : [];
        return { key: c.key, grant: grant ?? 0, used: used ?? c.cap, msLeft: Math.max(0, msLeft ?? c.durationMs) };
      });
    }),
    async release(key, points) {
      await redis.eval(RELEASE_LUA, 1, prefix + key, points);
    },
    async prune() {},
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * The shared store of a process: Redis when REDIS_URL is set, else PostgreSQL. None for the
 * embedded database: it serves one process, whose in-memory limits are already exact.
 */
export function openCounterStore(opts: { dbKind: "postgres" | "embedded"; sql: Sql; redisUrl?: string; redisKeyPrefix?: string }): CounterStore | undefined {
  if (opts.redisUrl) return redisCounterStore(opts.redisUrl, { keyPrefix: opts.redisKeyPrefix });
  if (opts.dbKind === "postgres") return postgresCounterStore(opts.sql);
  return undefined;
}
