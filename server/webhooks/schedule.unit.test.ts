import { describe, expect, it } from "vitest";
import { MAX_RETRY_AFTER_MS, nextAttempt, parseRetryAfter, WEBHOOK_RETRY_SCHEDULE_MS } from "./schedule";

const H = 3600_000;

describe("retry schedule", () => {
  it("is ten attempts over about three days, the first immediate", () => {
    expect(WEBHOOK_RETRY_SCHEDULE_MS).toEqual([0, 5_000, 300_000, 1_800_000, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    const total = WEBHOOK_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    expect(total / (24 * H)).toBeCloseTo(3.15, 1);
  });

  it("gives the next delay after n attempts, then gives up", () => {
    const mid = () => 0.5;
    expect(nextAttempt(1, { random: mid })).toEqual({ kind: "retry", delayMs: 5_000 });
    expect(nextAttempt(2, { random: mid })).toEqual({ kind: "retry", delayMs: 300_000 });
    expect(nextAttempt(9, { random: mid })).toEqual({ kind: "retry", delayMs: 24 * H });
    expect(nextAttempt(10, { random: mid })).toEqual({ kind: "give_up" });
  });

  it("jitters by ±10 %", () => {
    expect(nextAttempt(4, { random: () => 0 })).toEqual({ kind: "retry", delayMs: 0.9 * 2 * H });
    expect(nextAttempt(4, { random: () => 0.999999 }).kind === "retry" && nextAttempt(4, { random: () => 0.999999 })).toMatchObject({
      delayMs: Math.round(2 * H * (1 + (0.999999 * 2 - 1) * 0.1)),
    });
    for (let i = 0; i < 200; i++) {
      const n = nextAttempt(3);
      if (n.kind !== "retry") throw new Error("expected a retry");
      expect(n.delayMs).toBeGreaterThanOrEqual(0.9 * 30 * 60_000);
      expect(n.delayMs).toBeLessThanOrEqual(1.1 * 30 * 60_000);
    }
  });

  it("honours Retry-After: never sooner than the schedule, never later than 24 h", () => {
    const mid = () => 0.5;
    expect(nextAttempt(1, { random: mid, retryAfterMs: 60_000 })).toEqual({ kind: "retry", delayMs: 60_000 });
    expect(nextAttempt(3, { random: mid, retryAfterMs: 1_000 })).toEqual({ kind: "retry", delayMs: 30 * 60_000 });
    expect(nextAttempt(1, { random: mid, retryAfterMs: 7 * 24 * H })).toEqual({ kind: "retry", delayMs: MAX_RETRY_AFTER_MS });
    expect(nextAttempt(10, { random: mid, retryAfterMs: 60_000 })).toEqual({ kind: "give_up" });
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = new Date("2026-05-06T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Wed, 06 May 2026 11:00:00 GMT", now)).toBe(H);
    expect(parseRetryAfter("Wed, 06 May 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
