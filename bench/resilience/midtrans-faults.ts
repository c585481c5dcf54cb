// Midtrans misbehaving, through the simulator's fault modes: create answers within its
// bound with 502 gateway_error and stays retryable; statuses converge to Midtrans's truth
// (via notification, Get Status or the reconcile sweep); never a wrong status.
import { startTestPlatform, waitFor, type TestPlatform } from "../../server/testing/platform";
import { startReconcileSweep } from "../../server/payments/sweep";
import { isMidtransStatus, purchaseStatusFromMidtrans as toPublicStatus } from "../../server/payments/lifecycle";
import type { FaultConfig } from "../../server/simulator";

const TIMEOUT_MS = 1500;

async function create(t: TestPlatform, m: { client_id: string; client_secret: string }, orderId: string) {
  const started = Date.now();
  const r = await fetch(`${t.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: m.client_id, client_secret: m.client_secret, amount: 20000, order_id: orderId, buyer_email: "a@b.co" }),
  });
  const body = (await r.json()) as { error?: { code: string } };
  return { status: r.status, code: body.error?.code ?? null, ms: Date.now() - started };
}

/** Payments whose stored public status differs from what Midtrans (the simulator) says. */
async function wrongStatuses(t: TestPlatform, orderIds: string[]) {
  const rows = await t.sql<{ order_id: string; midtrans_order_id: string | null; status: string }[]>`
    select order_id, midtrans_order_id, status from purchases where order_id = any(${orderIds})`;
  return rows.filter((r) => {
    const sim = t.simulator.getTransaction(r.midtrans_order_id ?? r.order_id);
    const raw = sim?.transaction_status;
    const truth = raw && isMidtransStatus(raw) ? toPublicStatus(raw, sim?.fraud_status) : "pending";
    return truth !== r.status;
  }).length;
}

export async function runMidtransFaultScenarios(opts: { databaseUrl?: string; perMode?: number } = {}) {
  const n = opts.perMode ?? 10;
  if (opts.databaseUrl) process.env.DATABASE_URL = opts.databaseUrl;
  const t = await startTestPlatform({ env: { MIDTRANS_TIMEOUT_MS: String(TIMEOUT_MS), RATE_LIMIT_CREATE_PER_CLIENT: "0", RATE_LIMIT_CREATE_PER_IP: "0" }, simulatorRetryDelaysMs: [100, 200, 400, 800, 1600] });
  const sweep = startReconcileSweep(t.platform.ctx, { intervalMs: 3_600_000, staleAfterMs: 0 });
  const run = Date.now().toString(36);
  const report: Record<string, unknown> = {};
  try {
    const m = await t.createMerchant();

    // 1. Create under each API fault, then again once Midtrans is healthy.
    const modes: [string, FaultConfig, number][] = [
      ["latency 300 ms", { apiLatencyMs: 300 }, 201],
      ["HTTP 500", { apiErrorRate: 1, apiErrorStatus: 500 }, 502],
      ["HTTP 503", { apiErrorRate: 1, apiErrorStatus: 503 }, 502],
      ["no answer (timeout)", { apiTimeoutRate: 1 }, 502],
      ["dropped connection", { apiDropConnectionRate: 1 }, 502],
      // Snap creates the transaction but answers after the platform gave up: the retry must not
      // hit "order_id sudah digunakan" (it asks under a fresh Midtrans order id).
      ["answer lost (late)", { apiLatencyMs: TIMEOUT_MS + 500 }, 502],
    ];
    const create_: Record<string, unknown> = {};
    for (const [name, faults, expected] of modes) {
      t.simulator.setFaults(faults);
      const ids = Array.from({ length: n }, (_, i) => `flt-${run}-${name.replace(/\W+/g, "")}-${i}`);
      const answers = await Promise.all(ids.map((id) => create(t, m, id)));
      // A late answer: retry only once Midtrans has created what the platform gave up on.
      if ((faults.apiLatencyMs ?? 0) > TIMEOUT_MS) await waitFor(() => ids.every((id) => t.simulator.getTransaction(id)), { what: "the late Snap transactions" });
      t.simulator.setFaults({});
      const retried = expected === 502 ? await Promise.all(ids.map((id) => create(t, m, id))) : [];
      create_[name] = {
        sent: n,
        answeredAsExpected: answers.filter((a) => a.status === expected && (expected === 201 || a.code === "gateway_error")).length,
        maxMs: Math.max(...answers.map((a) => a.ms)),
        boundMs: TIMEOUT_MS,
        retriedAfterRecovery: retried.length,
        retrySucceeded: retried.filter((a) => a.status === 201).length,
      };
    }
    report.create = create_;

    // 2. Notifications: dropped, duplicated x3, reordered; a third of the Get Status calls fail.
    const scenarios: [string, FaultConfig][] = [
      ["all notifications dropped (repaired by the sweep)", { notificationDropRate: 1 }],
      ["each notification x3, reordered in 300 ms windows", { notificationDuplicates: 3, notificationReorderWindowMs: 300, seed: 7 }],
      ["Get Status fails 1 time in 3 (Midtrans retries the notification)", { apiErrorRate: 0.33, seed: 11 }],
    ];
    const notif: Record<string, unknown> = {};
    for (const [name, faults] of scenarios) {
      const ids = Array.from({ length: n }, (_, i) => `ntf-${run}-${Object.keys(notif).length}-${i}`);
      for (const id of ids) {
        const c = await create(t, m, id);
        if (c.status !== 201) throw new Error(`setup create failed: ${c.status}`);
      }
      t.simulator.setFaults(faults);
      // The truth: half paid by card, a quarter denied, a quarter pending then expired.
      for (const [i, id] of ids.entries()) {
        if (i % 4 === 0) await t.simulator.pay(id, { type: "credit_card", cardNumber: "4911111111111113", cvv: "123" });
        else if (i % 4 === 1) {
          await t.simulator.pay(id, { type: "bank_transfer", bank: "bca" });
          await t.simulator.expire(id);
        } else await t.simulator.pay(id, { type: "credit_card", cardNumber: "4811111111111114", cvv: "123" });
      }
      const settledTruth = ids.filter((_, i) => i % 4 >= 2).length;
      // Notifications (and Midtrans's retries, ~3 s here) first; after that the sweep runs, as
      // it does every minute in production, for whatever they did not settle.
      let sweepRuns = 0;
      const sweepFrom = Date.now() + (faults.notificationDropRate ? 0 : 4000);
      const converged = await waitFor(
        async () => {
          if ((await wrongStatuses(t, ids)) === 0) return true;
          if (Date.now() >= sweepFrom) {
            sweepRuns++;
            await sweep.runOnce();
          }
          return false;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      ).catch(() => false);
      t.simulator.setFaults({});
      const [{ events }] = await t.sql<{ events: number }[]>`
        select count(*)::int as events from webhook_events e join purchases p on p.id = e.purchase_id where p.order_id = any(${ids}) and e.event_type = 'item.purchased'`;
      const [{ dup }] = await t.sql<{ dup: number }[]>`
        select count(*)::int as dup from midtrans_notifications n join purchases p on p.id = n.purchase_id where p.order_id = any(${ids}) and n.outcome = 'duplicate'`;
      notif[name] = {
        payments: n,
        converged: Boolean(converged),
        wrongStatuses: await wrongStatuses(t, ids),
        settledInMidtrans: settledTruth,
        itemPurchasedEvents: events,
        duplicateNotificationsRecognised: dup,
        /** 0: notifications and Midtrans's retries alone converged. */
        sweepRuns,
      };
    }
    report.notifications = notif;
    report.simulatorStats = t.simulator.stats();
    return report;
  } finally {
    await sweep.stop();
    await t.close();
  }
}
