import { describe, expect, it } from "vitest";
import { runMultiProcessScenario } from "./multi-process";

// Several processes need a real PostgreSQL (the embedded one serves one process).
// The short version runs in CI; `npm run test:resilience` runs 2,000 payments.
describe.runIf(process.env.DATABASE_URL)("two web processes and a worker, one web and the worker killed -9 mid-run", () => {
  it("settles every paid payment with exactly one item.purchased event, delivered, nothing stuck", async () => {
    const r = await runMultiProcessScenario({ databaseUrl: process.env.DATABASE_URL!, payments: Number(process.env.RESILIENCE_PAYMENTS ?? 60) });
    expect(r.killed).toEqual(["webA", "worker"]);
    expect(r.converged).toBe(true);
    expect(r.createFailures).toBe(0);
    expect(r.settled).toBe(r.paidInMidtrans);
    expect(r.settledWithExactlyOneEvent).toBe(r.settled);
    expect(r.eventsTotal).toBe(r.settled);
    expect(r.eventsDelivered).toBe(r.eventsTotal);
    expect(r.uniqueEventsReceived).toBe(r.eventsTotal);
    expect(r.stuckClaims).toBe(0);
    expect(r.stuckCreating).toBe(0);
    // Duplicated notifications reached the platform and were recognised as such.
    expect(r.notificationsDuplicate).toBeGreaterThan(0);
  }, 300_000);
});
