import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { connectPostgres, type Database } from "../db/connect";
import type { PlatformContext } from "../platform/context";
import { DEFAULT_TIMEOUT_MS } from "./delivery";
import type { ResolveAll } from "./destination";
import { WEBHOOK_EVENTS_CHANNEL } from "./events";
import { ENDPOINT_DISABLE_AFTER_MS, honoursRetryAfter, nextAttempt, PER_ENDPOINT_CONCURRENCY, parseRetryAfter, WEBHOOK_RETRY_SCHEDULE_MS } from "./schedule";
import { describeFailure, sendEvent } from "./send";
import { claimDueEvents, recordScheduledAttempt, releaseClaims, type DeliverableEvent, type ScheduledOutcome } from "./webhooks.queries";
import { recordWorkerHeartbeat, removeWorkerHeartbeat } from "../db/health.queries";

/** How often a running worker records its heartbeat (/readyz: docs/operations.md#readyz). */
export const HEARTBEAT_EVERY_MS = 10_000;

export interface WebhookWorkerOptions {
  /** Written to locked_by; default host:pid:random. */
  workerId?: string;
  /** Deliveries in flight at once (HTTP waits are cheap; a few slow merchants must not stall the rest). Default 32. */
  concurrency?: number;
  /**
   * Deliveries in flight at once to one endpoint, across every worker (fair claiming:
   * docs/decisions/0008-fair-delivery.md). Default 4: a hanging endpoint holds at most 4 of the
   * 32 slots, and a healthy merchant answering in 100 ms still gets about 40 webhooks/s.
   */
  perEndpointConcurrency?: number;
  /** An endpoint whose scheduled attempts have all failed for this long is disabled. Default 5 days. */
  disableAfterMs?: number;
  /** Safety net for missed wake-ups (another process on embedded, a lost NOTIFY). Default 1000. */
  pollIntervalMs?: number;
  /** How long a claim holds; must exceed the HTTP timeout. Default 60 s. */
  leaseMs?: number;
  /** HTTP timeout per attempt. Default 15 s. */
  timeoutMs?: number;
  /**
   * How long stop() waits for deliveries in flight before aborting them. Default 10 s: main.ts
   * force-exits 20 s after SIGTERM, and the claims must be released before that.
   */
  stopTimeoutMs?: number;
  schedule?: readonly number[];
  /** Jitter source (tests pin it). */
  random?: () => number;
  /** DNS resolution for the destination check (tests). */
  resolve?: ResolveAll;
}

export interface WebhookWorker {
  readonly id: string;
  /** Starts the claim/deliver loop (idempotent). */
  start(): void;
  /** New events were committed: claim now instead of at the next poll. */
  wake(): void;
  /** Claims up to `limit` due events, delivers them, records the results; resolves when done. Returns how many it claimed. */
  runOnce(limit?: number): Promise<number>;
  /** runOnce until nothing is due at ctx.now() (deterministic tests). Returns the total claimed. */
  deliverDue(): Promise<number>;
  /** Stops claiming, waits (bounded) for deliveries in flight, aborts the rest, releases its claims. */
  stop(): Promise<void>;
}

const defaultWorkerId = () => `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

export function createWebhookWorker(ctx: PlatformContext, opts: WebhookWorkerOptions = {}): WebhookWorker {
  const id = opts.workerId ?? defaultWorkerId();
  const concurrency = opts.concurrency ?? 32;
  const perEndpoint = opts.perEndpointConcurrency ?? PER_ENDPOINT_CONCURRENCY;
  const disableAfterMs = opts.disableAfterMs ?? ENDPOINT_DISABLE_AFTER_MS;
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const leaseMs = opts.leaseMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const schedule = opts.schedule ?? WEBHOOK_RETRY_SCHEDULE_MS;
  const log = ctx.logger.child({ component: "webhooks", worker: id });

  const inFlight = new Set<Promise<void>>();
  const shutdown = new AbortController();
  setMaxListeners(0, shutdown.signal); // one listener per delivery in flight, by design
  let running = false;
  let stopped = false;
  let loopDone: Promise<void> = Promise.resolve();

  // Wake-up: a flag (so a wake during a claim is not lost) and the resolver of the current sleep.
  let woken = false;
  let interruptSleep: (() => void) | null = null;
  const wake = () => {
    woken = true;
    interruptSleep?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) return resolve();
      const timer = setTimeout(done, ms);
      interruptSleep = done;
      function done() {
        clearTimeout(timer);
        interruptSleep = null;
        resolve();
      }
    });

  async function claim(limit: number): Promise<DeliverableEvent[]> {
    const now = ctx.now();
    return claimDueEvents(ctx.sql, { workerId: id, now, leaseUntil: new Date(now.getTime() + leaseMs), limit, perEndpoint });
  }

  /** One scheduled attempt: HTTP outside any transaction, then one statement to record it. Never throws. */
  async function deliver(ev: DeliverableEvent): Promise<void> {
    try {
      const { result, attempt } = await sendEvent(ctx, ev, "scheduled", { timeoutMs, signal: shutdown.signal, resolve: opts.resolve });
      const now = ctx.now();
      let outcome: ScheduledOutcome;
      if (result.ok) outcome = { kind: "delivered", at: now };
      else if (result.aborted) outcome = { kind: "released" };
      else {
        const retryAfterMs = honoursRetryAfter(result.status) ? parseRetryAfter(result.retryAfter, now) : null;
        const next = nextAttempt(ev.attempt_count + 1, { retryAfterMs, random: opts.random, schedule });
        const error = describeFailure(result);
        outcome = next.kind === "retry" ? { kind: "retry", nextAttemptAt: new Date(now.getTime() + next.delayMs), error } : { kind: "failed", error };
      }
      const { applied, disabled } = await recordScheduledAttempt(ctx.sql, {
        eventId: ev.id,
        workerId: id,
        attemptCount: ev.attempt_count,
        attempt,
        outcome,
        now,
        disableAfterMs,
      });
      const fields = { event_id: ev.id, attempt: ev.attempt_count + 1, status: result.status, error: result.error, ms: result.durationMs, outcome: outcome.kind };
      if (disabled) log.warn({ ...fields, project_id: ev.project_id, environment: ev.environment }, "webhook endpoint disabled: every attempt failed for 5 days");
      if (!applied) log.warn(fields, "webhook attempt logged, but the claim was no longer ours (lease expired or delivered by hand)");
      else if (outcome.kind === "failed") log.warn(fields, "webhook failed: no attempts left");
      else if (outcome.kind === "retry") log.info({ ...fields, next_attempt_at: outcome.nextAttemptAt }, "webhook attempt failed, will retry");
      else log.debug(fields, "webhook attempt");
    } catch (err) {
      // The claim stays until its lease passes; then the event is due again. Nothing is lost.
      log.error({ err, event_id: ev.id }, "recording a webhook attempt failed");
    }
  }

  function track(ev: DeliverableEvent): Promise<void> {
    const p: Promise<void> = deliver(ev).finally(() => {
      inFlight.delete(p);
      wake(); // a slot is free
    });
    inFlight.add(p);
    return p;
  }

  let lastBeat = 0;
  function heartbeat() {
    if (Date.now() - lastBeat < HEARTBEAT_EVERY_MS) return;
    lastBeat = Date.now();
    recordWorkerHeartbeat(ctx.sql, id, "webhooks").catch((err) => log.warn({ err: String(err) }, "recording the worker heartbeat failed"));
  }

  async function loop() {
    while (running) {
      heartbeat();
      woken = false;
      const room = concurrency - inFlight.size;
      if (room > 0) {
        let claimed: DeliverableEvent[] = [];
        try {
          claimed = await claim(room);
        } catch (err) {
          if (running) log.error({ err }, "claiming webhook events failed");
          woken = false; // back off a full interval, however many wake-ups arrive
        }
        claimed.forEach(track);
        if (claimed.length === room) continue; // possibly more due: claim again as slots free
      }
      if (running) await sleep(pollIntervalMs);
    }
  }

  async function runOnce(limit = concurrency): Promise<number> {
    if (stopped) return 0;
    const claimed = await claim(limit);
    await Promise.all(claimed.map(track));
    return claimed.length;
  }

  return {
    id,
    start() {
      if (running || stopped) return;
      running = true;
      loopDone = loop();
    },
    wake,
    runOnce,
    async deliverDue() {
      let total = 0;
      for (;;) {
        const n = await runOnce();
        total += n;
        if (n === 0) return total;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running = false;
      wake();
      await loopDone;
      if (inFlight.size > 0) {
        const grace = new Promise<void>((r) => setTimeout(r, stopTimeoutMs).unref());
        await Promise.race([Promise.allSettled([...inFlight]), grace]);
      }
      if (inFlight.size > 0) {
        log.warn({ in_flight: inFlight.size }, "stopping: aborting webhook deliveries still in flight");
        shutdown.abort();
        await Promise.allSettled([...inFlight]);
      }
      try {
        // Best effort: a row left behind only ages out of /readyz's window.
        if (lastBeat) await removeWorkerHeartbeat(ctx.sql, id).catch(() => undefined);
        const released = await releaseClaims(ctx.sql, id);
        if (released) log.info({ released }, "released webhook claims");
      } catch (err) {
        log.error({ err }, "releasing webhook claims failed; they expire with their lease");
      }
    },
  };
}

export interface WebhookDelivery {
  worker: WebhookWorker;
  stop(): Promise<void>;
}

/** Connections of the worker's own pool on real PostgreSQL (claims and records are short statements). */
const OWN_POOL_SIZE = 2;

/**
 * The worker as a process runs it: woken in-process by committed events, on real PostgreSQL
 * also by NOTIFY (events written by other processes), and by polling in any case.
 * On real PostgreSQL it gets its own small pool: under a burst of notifications the web pool's
 * queue is deep, and claims waiting behind it were the bulk of the delivery latency.
 */
/** What the worker needs of the process that runs it (the runtime's Platform satisfies it). */
export interface WebhookDeliveryHost {
  ctx: PlatformContext;
  database: Pick<Database, "url" | "directUrl">;
  /** Subscribe to "webhook events were committed" in this process. */
  onWebhookEvents(listener: () => void): () => void;
}

export function startWebhookDelivery(platform: WebhookDeliveryHost, opts: WebhookWorkerOptions = {}): WebhookDelivery {
  // A copy: its `sql` becomes the worker's own pool once that is open (a microtask later).
  const ctx: PlatformContext = { ...platform.ctx };
  const worker = createWebhookWorker(ctx, opts);
  const unsubscribe = platform.onWebhookEvents(() => worker.wake());
  let own: Database | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  const ready = (async () => {
    if (ctx.dbKind === "postgres") {
      // Straight to PostgreSQL when the pool goes through PgBouncer: LISTEN holds a session (docs/scaling.md#pgbouncer).
      own = await connectPostgres(platform.database.directUrl ?? platform.database.url, { max: OWN_POOL_SIZE });
      ctx.sql = own.sql;
      // LISTEN does not work through pglite-socket: embedded relies on the in-process signal.
      try {
        // onlisten runs on every (re)connect: catch up at once on anything missed meanwhile.
        ({ unlisten } = await own.sql.listen(WEBHOOK_EVENTS_CHANNEL, () => worker.wake(), () => worker.wake()));
      } catch (err) {
        ctx.logger.warn({ err }, "LISTEN for webhook events failed; relying on polling");
      }
    }
    worker.start();
  })().catch((err) => {
    ctx.logger.error({ err }, "webhook worker pool failed; using the shared pool");
    ctx.sql = platform.ctx.sql;
    worker.start();
  });
  return {
    worker,
    async stop() {
      unsubscribe();
      await ready.catch(() => undefined);
      await worker.stop();
      await unlisten?.().catch(() => undefined);
      await (own as Database | null)?.close();
    },
  };
}
