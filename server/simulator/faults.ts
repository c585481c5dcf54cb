import type { RequestHandler } from "express";
import type { Socket } from "node:net";
import { z } from "zod";
import { type SimLogger, SimulatorError } from "./types";

/**
 * Fault modes: make the simulator misbehave like a degraded Midtrans. They apply only to the Snap and
 * Core API (`/snap/v1/*`, `/v2/*`) and to notifications, never to the control API, the dashboard or the
 * buyer's payment page. `{}` is healthy.
 */
export interface FaultConfig {
  /** Added latency (ms) before answering Snap/Core API calls. */
  apiLatencyMs?: number;
  /** Fraction 0..1 of Snap/Core API calls answered with HTTP 500/503 (Midtrans-shaped JSON body). */
  apiErrorRate?: number;
  /** Default 500. */
  apiErrorStatus?: 500 | 503;
  /** Fraction 0..1 of Snap/Core API calls that never answer (the socket is held open until the client gives up or the simulator closes). */
  apiTimeoutRate?: number;
  /** Fraction 0..1 of Snap/Core API calls whose connection is destroyed without an answer. */
  apiDropConnectionRate?: number;
  /** Fraction 0..1 of notifications (each state change, to all its URLs) that are never sent at all (lost; no retries). */
  notificationDropRate?: number;
  /** Send each notification this many times (e.g. 3), concurrently; each copy is retried on its own. */
  notificationDuplicates?: number;
  /**
   * Hold notifications for up to this many ms after the first one is held (or until REORDER_BUFFER_LIMIT are
   * held), then send them back to back in shuffled order: never in their original order when 2 or more.
   */
  notificationReorderWindowMs?: number;
  /** Seed for the rates and the shuffle, so runs are reproducible; random when absent. */
  seed?: number;
}

export interface SimulatorStats {
  api: {
    /** Snap/Core API calls received. */
    calls: number;
    /** Passed on to the normal handler (whatever it answered, 4xx included). */
    answered: number;
    /** Calls held for apiLatencyMs before their outcome. */
    delayed: number;
    /** Answered with the injected 500/503. */
    failed: number;
    /** Never answered (apiTimeoutRate). */
    timedOut: number;
    /** Connection destroyed without an answer (apiDropConnectionRate). */
    dropped: number;
    /** Sockets held open right now by apiTimeoutRate. */
    held: number;
  };
  notifications: {
    /** POST attempts made: first tries, retries and duplicate copies. */
    sent: number;
    /** Notifications (one per state change and URL) lost to notificationDropRate. */
    dropped: number;
    /** Extra copies added by notificationDuplicates (2 per notification and URL with 3). */
    duplicated: number;
    /** Notifications (copies included) that went through the reorder buffer. */
    reordered: number;
  };
}

export const MAX_API_LATENCY_MS = 120_000;
export const MAX_REORDER_WINDOW_MS = 60_000;
export const MAX_NOTIFICATION_DUPLICATES = 10;
/** The reorder buffer is flushed early once it holds this many notifications. */
export const REORDER_BUFFER_LIMIT = 100;

const rate = z.number().min(0).max(1);
export const faultConfigSchema = z
  .strictObject({
    apiLatencyMs: z.number().int().min(0).max(MAX_API_LATENCY_MS).optional(),
    apiErrorRate: rate.optional(),
    apiErrorStatus: z.union([z.literal(500), z.literal(503)]).optional(),
    apiTimeoutRate: rate.optional(),
    apiDropConnectionRate: rate.optional(),
    notificationDropRate: rate.optional(),
    notificationDuplicates: z.number().int().min(1).max(MAX_NOTIFICATION_DUPLICATES).optional(),
    notificationReorderWindowMs: z.number().int().min(0).max(MAX_REORDER_WINDOW_MS).optional(),
    seed: z.number().int().optional(),
  })
  .refine((c) => (c.apiErrorRate ?? 0) + (c.apiTimeoutRate ?? 0) + (c.apiDropConnectionRate ?? 0) <= 1 + 1e-9, {
    message: "apiErrorRate + apiTimeoutRate + apiDropConnectionRate must not exceed 1 (each call gets at most one fault)",
  });

/** Validates a fault configuration (from JSON, an env var or code); throws SimulatorError("invalid_input"). */
export function parseFaultConfig(input: unknown): FaultConfig {
  const parsed = faultConfigSchema.safeParse(input);
  if (!parsed.success) throw new SimulatorError("invalid_input", z.prettifyError(parsed.error));
  // Drop keys given as undefined so the stored config reads back exactly.
  return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as FaultConfig;
}

/** Human-readable list of the faults in effect; empty when healthy (a seed alone is no fault). */
export function describeFaults(c: FaultConfig): string[] {
  const pct = (r: number) => `${+(r * 100).toFixed(2)}%`;
  const out: string[] = [];
  if (c.apiLatencyMs) out.push(`API latency ${c.apiLatencyMs} ms`);
  if (c.apiErrorRate) out.push(`API errors ${pct(c.apiErrorRate)} (HTTP ${c.apiErrorStatus ?? 500})`);
  if (c.apiTimeoutRate) out.push(`API timeouts ${pct(c.apiTimeoutRate)}`);
  if (c.apiDropConnectionRate) out.push(`API dropped connections ${pct(c.apiDropConnectionRate)}`);
  if (c.notificationDropRate) out.push(`notifications lost ${pct(c.notificationDropRate)}`);
  if (c.notificationDuplicates && c.notificationDuplicates > 1) out.push(`notifications sent ${c.notificationDuplicates}×`);
  if (c.notificationReorderWindowMs) out.push(`notifications reordered (window ${c.notificationReorderWindowMs} ms)`);
  if (out.length > 0 && c.seed !== undefined) out.push(`seed ${c.seed}`);
  return out;
}

const ERROR_MESSAGES: Record<500 | 503, string> = {
  500: "Sorry, we encountered internal server error. We will fix this soon.",
  503: "Sorry, Midtrans is temporarily unavailable. Please try again later.",
};

type ApiOutcome = "answer" | "error" | "timeout" | "drop";

/** Holds the fault configuration, its seeded random streams, the held sockets and timers, and the stats. */
export class FaultInjector {
  private config: FaultConfig = {};
  private apiRandom = mulberry32(0);
  private notificationRandom = mulberry32(0);
  private shuffleRandom = mulberry32(0);
  private readonly heldSockets = new Set<Socket>();
  private readonly latencyTimers = new Set<NodeJS.Timeout>();
  private readonly listeners: (() => void)[] = [];
  private closed = false;
  private counters = emptyStats();

  constructor(private readonly logger: SimLogger) {
    this.reseed(undefined);
  }

  get(): FaultConfig {
    return { ...this.config };
  }

  /** Replaces the whole configuration (validated) and restarts the random streams from the seed. */
  set(input: FaultConfig): void {
    const config = parseFaultConfig(input);
    this.config = config;
    this.reseed(config.seed);
    const active = describeFaults(config);
    if (active.length > 0) this.logger.warn({ faults: config }, `fault injection active: ${active.join(", ")}`);
    else this.logger.info({}, "fault injection off");
    for (const listener of this.listeners) listener();
  }

  /** Called after every configuration change. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  stats(): SimulatorStats {
    return { api: { ...this.counters.api, held: this.heldSockets.size }, notifications: { ...this.counters.notifications } };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  /** Mutable counters for the notifier. */
  get notificationCounters(): SimulatorStats["notifications"] {
    return this.counters.notifications;
  }

  /** Mount on the Snap and Core API paths only, before anything else. */
  apiMiddleware(): RequestHandler {
    return (req, res, next) => {
      const api = this.counters.api;
      api.calls += 1;
      const config = this.config;
      const outcome = this.pickApiOutcome(config);
      if (outcome === "timeout") {
        api.timedOut += 1;
        const socket = req.socket;
        if (this.closed) return void socket.destroy();
        this.heldSockets.add(socket);
        socket.once("close", () => this.heldSockets.delete(socket));
        return;
      }
      const proceed = () => {
        switch (outcome) {
          case "drop":
            api.dropped += 1;
            return void req.socket.destroy();
          case "error": {
            api.failed += 1;
            const status = config.apiErrorStatus ?? 500;
            const message = ERROR_MESSAGES[status];
            const isCore = req.originalUrl.toLowerCase().startsWith("/v2");
            return void res
              .status(status)
              .json(isCore ? { status_code: String(status), status_message: message } : { error_messages: [message] });
          }
          case "answer":
            api.answered += 1;
            return next();
        }
      };
      const latency = config.apiLatencyMs ?? 0;
      if (latency <= 0) return proceed();
      api.delayed += 1;
      // Like a slow Midtrans, the call is still processed after the delay even if the client gave up meanwhile.
      const timer = setTimeout(() => {
        this.latencyTimers.delete(timer);
        proceed();
      }, latency);
      this.latencyTimers.add(timer);
    };
  }

  /** One draw per state change: true means the notification is lost. */
  dropNotification(): boolean {
    const r = this.config.notificationDropRate ?? 0;
    return r > 0 && this.notificationRandom() < r;
  }

  duplicates(): number {
    return this.config.notificationDuplicates ?? 1;
  }

  reorderWindowMs(): number {
    return this.config.notificationReorderWindowMs ?? 0;
  }

  /** Seeded Fisher-Yates; two or more items never come out in their original order. */
  shuffle<T>(items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.shuffleRandom() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    if (out.length > 1 && out.every((item, i) => item === items[i])) out.push(out.shift()!);
    return out;
  }

  /** Destroys held sockets and cancels pending latency timers. */
  close(): void {
    this.closed = true;
    for (const timer of this.latencyTimers) clearTimeout(timer);
    this.latencyTimers.clear();
    for (const socket of this.heldSockets) socket.destroy();
    this.heldSockets.clear();
  }

  private pickApiOutcome(c: FaultConfig): ApiOutcome {
    const drop = c.apiDropConnectionRate ?? 0;
    const timeout = c.apiTimeoutRate ?? 0;
    const error = c.apiErrorRate ?? 0;
    if (drop + timeout + error <= 0) return "answer";
    // One draw split into bands, so each rate is exact (their sum is at most 1).
    const u = this.apiRandom();
    if (u < drop) return "drop";
    if (u < drop + timeout) return "timeout";
    if (u < drop + timeout + error) return "error";
    return "answer";
  }

  private reseed(seed: number | undefined): void {
    const base = seed ?? Math.floor(Math.random() * 2 ** 32);
    // Independent streams: API calls and notifications interleave without disturbing each other's sequence.
    this.apiRandom = mulberry32(mix(base, 1));
    this.notificationRandom = mulberry32(mix(base, 2));
    this.shuffleRandom = mulberry32(mix(base, 3));
  }
}

function emptyStats(): Omit<SimulatorStats, "api"> & { api: Omit<SimulatorStats["api"], "held"> } {
  return {
    api: { calls: 0, answered: 0, delayed: 0, failed: 0, timedOut: 0, dropped: 0 },
    notifications: { sent: 0, dropped: 0, duplicated: 0, reordered: 0 },
  };
}

function mix(seed: number, stream: number): number {
  // Seeds beyond 32 bits keep their high bits.
  const hi = Math.floor(seed / 2 ** 32);
  let h = (seed ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Small, fast, seedable PRNG: uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
