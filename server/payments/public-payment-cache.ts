import type { PublicAnswerCache } from "../platform/context";

/**
 * NOTIFY channel of db/migrations/0016: every committed change to what verify shows sends the
 * order ids naming the payment (space-separated), or `*` for "drop everything".
 */
export const PUBLIC_PAYMENTS_CHANNEL = "astapa_public_payments";

export interface PublicPaymentCacheOptions {
  /** Entries kept at most (the oldest order ids go first). Default 50,000. */
  maxEntries?: number;
  /**
   * Lifetime of an answer that may still change soon (pending) while NOTIFYs are not known to
   * arrive (no LISTEN, or its heartbeat is late): the bound on a lost NOTIFY. Default 1000 ms.
   */
  openTtlMs?: number;
  /** The same for any other answer (paid, expired, refunded…: rarer changes). Default 5000 ms. */
  settledTtlMs?: number;
  /** Lifetime of any answer while the LISTEN is known to deliver (`setListening(true)`): NOTIFYs keep it current. Default 60,000 ms. */
  listeningTtlMs?: number;
  /** Monotonic milliseconds (tests). */
  now?: () => number;
}

export interface PublicPaymentCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  size: number;
  listening: boolean;
}

/**
 * Verify's answers (docs/decisions/0016-verify-cache.md), keyed by the order id asked for and the
 * client_id (or none): every waiting buyer polls every 3 s, and most polls see the same answer.
 * Only answers are kept: a not-found or an ambiguous order id always goes to the database (a
 * create may follow at any moment). An entry goes when a NOTIFY names its order id, when it is
 * older than its TTL, or when everything is dropped (`clear`: a reconnect of the LISTEN, a
 * write in this process on the embedded database).
 */
export interface PublicPaymentCache extends PublicAnswerCache {
  /** Drops every entry asked for by any of these order ids (a payment's order_id and Midtrans order id). */
  invalidate(orderIds: Iterable<string>): void;
  clear(): void;
  /**
   * A status change committed by this process: until `release` (its NOTIFY came back, or a
   * bound passed) entries loaded before it are loaded again, so this process reads its own
   * writes even before the NOTIFY arrives.
   */
  hold(): () => void;
  /** A NOTIFY payload of PUBLIC_PAYMENTS_CHANNEL. */
  onNotify(payload: string): void;
  /**
   * Whether NOTIFYs are known to arrive (the LISTEN's heartbeat is on time): answers then live
   * `listeningTtlMs`; otherwise, at once for every entry, the short TTLs.
   */
  setListening(listening: boolean): void;
  stats(): PublicPaymentCacheStats;
}

interface Entry {
  value: object;
  loadedAt: number;
  /** The short TTL that applies while not listening. */
  ttlMs: number;
  /** Load sequence number: compared with holds. */
  seq: number;
}

interface Load {
  orderId: string;
  promise: Promise<{ answer: object; open: boolean }>;
  /** Invalidated while loading: the answer is served to its waiters but not kept. */
  stale: boolean;
}

export function createPublicPaymentCache(opts: PublicPaymentCacheOptions = {}): PublicPaymentCache {
  const maxEntries = opts.maxEntries ?? 50_000;
  const openTtlMs = opts.openTtlMs ?? 1000;
  const settledTtlMs = opts.settledTtlMs ?? 5000;
  const listeningTtlMs = opts.listeningTtlMs ?? 60_000;
  let listening = false;
  const now = opts.now ?? (() => performance.now());
  // order id asked for → client_id ("" for none) → entry: one NOTIFY drops an order id at once.
  const entries = new Map<string, Map<string, Entry>>();
  const loads = new Map<string, Load>();
  let size = 0;
  let seq = 0;
  const holds = new Map<number, number>(); // hold id → seq when taken
  let suspectBelow = 0; // entries with seq below are reloaded (a hold is active)
  let epoch = 0; // bumped by clear(): loads started before are not kept
  let hits = 0;
  let misses = 0;
  let invalidations = 0;

  const keyOf = (orderId: string, clientId: string | undefined) => `${clientId ?? ""}\u0000${orderId}`;

  const dropOrderId = (orderId: string) => {
    const byClient = entries.get(orderId);
    if (byClient) {
      size -= byClient.size;
      entries.delete(orderId);
      invalidations += 1;
    }
    for (const l of loads.values()) if (l.orderId === orderId) l.stale = true;
  };

  const store = (orderId: string, clientId: string, entry: Entry) => {
    let byClient = entries.get(orderId);
    if (!byClient) {
      byClient = new Map();
      entries.set(orderId, byClient);
    }
    if (!byClient.has(clientId)) size += 1;
    byClient.set(clientId, entry);
    // Bounded: the order ids stored first go first (a Map iterates in insertion order).
    while (size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      size -= entries.get(oldest)!.size;
      entries.delete(oldest);
    }
  };

  const recomputeSuspect = () => {
    suspectBelow = 0;
    for (const s of holds.values()) suspectBelow = Math.max(suspectBelow, s);
  };

  const cache: PublicPaymentCache = {
    async get<T extends object>(orderId: string, clientId: string | undefined, load: () => Promise<{ answer: T; open: boolean }>): Promise<T> {
      const t = now();
      const entry = entries.get(orderId)?.get(clientId ?? "");
      if (entry && t - entry.loadedAt < (listening ? listeningTtlMs : entry.ttlMs) && entry.seq >= suspectBelow) {
        hits += 1;
        return entry.value as T;
      }
      misses += 1;
      const key = keyOf(orderId, clientId);
      const inflight = loads.get(key);
      // A load that started before a hold may have read the state before this process's write.
      if (inflight && !inflight.stale && suspectBelow === 0) return (await inflight.promise).answer as T;
      const mySeq = ++seq;
      const loadedAt = now();
      const epochAtStart = epoch;
      const l: Load = { orderId, promise: load(), stale: false };
      loads.set(key, l);
      try {
        const { answer, open } = await l.promise;
        if (!l.stale && epoch === epochAtStart) {
          store(orderId, clientId ?? "", { value: answer, loadedAt, ttlMs: open ? openTtlMs : settledTtlMs, seq: mySeq });
        }
        return answer as T;
      } finally {
        if (loads.get(key) === l) loads.delete(key);
      }
    },
    invalidate(orderIds) {
      for (const id of orderIds) dropOrderId(id);
    },
    clear() {
      entries.clear();
      size = 0;
      epoch += 1;
      for (const l of loads.values()) l.stale = true;
      invalidations += 1;
    },
    hold() {
      const id = ++seq;
      holds.set(id, id);
      recomputeSuspect();
      return () => {
        if (holds.delete(id)) recomputeSuspect();
      };
    },
    onNotify(payload) {
      if (payload === "*") cache.clear();
      else cache.invalidate(payload.split(" ").filter(Boolean));
    },
    setListening(value) {
      listening = value;
    },
    stats: () => ({ hits, misses, invalidations, size, listening }),
  };
  return cache;
}
