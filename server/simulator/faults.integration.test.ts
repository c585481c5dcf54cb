import { spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator, type FaultConfig, type MidtransSimulator, type SimulatorStats } from "./index";
import {
  SERVER_KEY,
  expectedSignature,
  midtransError,
  orderId,
  snapClient,
  startReceiver,
  submitForm,
  waitFor,
  type Receiver,
  type SnapClient,
} from "../testing/simulator";

let sim: MidtransSimulator;
let receiver: Receiver;
let snap: SnapClient;
beforeAll(async () => {
  sim = await startMidtransSimulator({ serverKey: SERVER_KEY, notificationRetryDelaysMs: [50], notificationTimeoutMs: 1000 });
  receiver = await startReceiver();
  snap = snapClient(sim, { headers: { "X-Override-Notification": receiver.url } });
});
afterEach(() => {
  sim.setFaults({});
  sim.resetStats();
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});

/** What midtrans-client rejects with when there is no HTTP answer (rawHttpClientData is axios's error). */
interface ConnectionFailure {
  httpStatusCode: number | null;
  message: string;
  rawHttpClientData: { code?: string; message?: string };
}

const basicAuth = `Basic ${Buffer.from(`${SERVER_KEY}:`).toString("base64")}`;
const statusCall = (id: string, signal?: AbortSignal) => fetch(`${sim.url}/v2/${id}/status`, { headers: { authorization: basicAuth }, signal });
const received = (id: string) => receiver.received.filter((r) => r.body.order_id === id).map((r) => r.body);
const deliveries = (id: string) => sim.notificationLog().filter((d) => d.order_id === id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const putFaults = (body: unknown, contentType = "application/json") =>
  fetch(`${sim.url}/__sim/faults`, {
    method: "PUT",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

async function created(client = snap) {
  const id = orderId("FAULT");
  const { redirect_url } = await client.createTransaction({ transaction_details: { order_id: id, gross_amount: 50000 } });
  return { id, redirectUrl: redirect_url };
}

async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await promise;
  return { ms: performance.now() - start, value };
}

describe("API faults, measured with midtrans-client", () => {
  it("apiLatencyMs delays every Snap and Core API answer by at least that much", async () => {
    const { id } = await created();
    await sim.pay(id, { type: "gopay" });
    sim.setFaults({ apiLatencyMs: 150 });
    sim.resetStats();

    const create = await timed(created());
    expect(create.ms).toBeGreaterThanOrEqual(150);
    expect(sim.getTransaction(create.value.id)).toBeDefined();
    const status = await timed(snap.transaction.status(id));
    expect(status.ms).toBeGreaterThanOrEqual(150);
    expect(status.value).toMatchObject({ order_id: id, transaction_status: "pending" });
    // Errors are slow too: a wrong key still waits.
    const unauthorized = await timed(midtransError(snapClient(sim, { serverKey: "wrong" }).transaction.status(id)));
    expect(unauthorized.ms).toBeGreaterThanOrEqual(150);
    expect(unauthorized.value.httpStatusCode).toBe(401);

    expect(sim.stats().api).toMatchObject({ calls: 3, answered: 3, delayed: 3, failed: 0, timedOut: 0, dropped: 0 });
  });

  it("apiErrorRate 1 answers 500 (Snap body) or 503 (Core body) and changes nothing", async () => {
    const { id } = await created();
    await sim.pay(id, { type: "qris" });

    sim.setFaults({ apiErrorRate: 1 });
    sim.resetStats();
    const lostId = orderId("FAULT");
    const snapErr = await midtransError(snap.createTransaction({ transaction_details: { order_id: lostId, gross_amount: 1000 } }));
    expect(snapErr).toMatchObject({ name: "MidtransError", httpStatusCode: 500 });
    expect(snapErr.ApiResponse).toEqual({ error_messages: [expect.stringContaining("internal server error")] });
    expect(sim.getTransaction(lostId)).toBeUndefined();
    const cancelErr = await midtransError(snap.transaction.cancel(id));
    expect(cancelErr.httpStatusCode).toBe(500);
    expect(cancelErr.ApiResponse).toEqual({ status_code: "500", status_message: expect.any(String) });
    expect(sim.getTransaction(id)!.transaction_status).toBe("pending");

    sim.setFaults({ apiErrorRate: 1, apiErrorStatus: 503 });
    const statusErr = await midtransError(snap.transaction.status(id));
    expect(statusErr).toMatchObject({ name: "MidtransError", httpStatusCode: 503 });
    expect(statusErr.ApiResponse).toEqual({ status_code: "503", status_message: expect.any(String) });
    expect((await midtransError(created())).httpStatusCode).toBe(503);

    expect(sim.stats().api).toMatchObject({ calls: 4, answered: 0, failed: 4 });
  });

  it("apiTimeoutRate 1 never answers: the client's own timeout fires, and the socket is released", async () => {
    sim.setFaults({ apiTimeoutRate: 1 });
    const impatient = snapClient(sim);
    impatient.httpClient.http_client.defaults.timeout = 300;
    const id = orderId("FAULT");
    const { ms, value } = await timed(
      midtransError(impatient.createTransaction({ transaction_details: { order_id: id, gross_amount: 1000 } })),
    );
    const err = value as unknown as ConnectionFailure;
    expect(ms).toBeGreaterThanOrEqual(290);
    // The client's own 300 ms timeout ended the call (its error says so), not anything the simulator sent.
    expect(err.httpStatusCode).toBeNull();
    expect(err.rawHttpClientData.code).toBe("ECONNABORTED");
    expect(err.message).toContain("timeout of 300ms exceeded");
    expect(sim.getTransaction(id)).toBeUndefined();
    expect(sim.stats().api).toMatchObject({ calls: 1, timedOut: 1, answered: 0 });
    // The client gave up and closed its socket: the simulator holds nothing any more.
    await waitFor(() => sim.stats().api.held === 0);
  });

  it("apiDropConnectionRate 1 destroys the connection without an answer", async () => {
    const { id } = await created();
    sim.setFaults({ apiDropConnectionRate: 1 });
    sim.resetStats();
    const err = (await midtransError(snap.transaction.status(id))) as unknown as ConnectionFailure;
    expect(err.httpStatusCode).toBeNull();
    expect(err.message).toMatch(/likely connection failure/);
    expect(err.rawHttpClientData.code).toBe("ECONNRESET");
    await expect(statusCall(id)).rejects.toThrow(/fetch failed/);
    expect(sim.stats().api).toMatchObject({ calls: 2, dropped: 2, answered: 0 });
  });

  it("rates follow the seed: the same seed replays the same outcomes", async () => {
    const run = async () => {
      sim.setFaults({ apiErrorRate: 0.3, apiErrorStatus: 503, apiDropConnectionRate: 0.2, seed: 7 });
      const outcomes: (number | "dropped")[] = [];
      for (let i = 0; i < 30; i++) outcomes.push(await statusCall("NOPE").then((r) => r.status, () => "dropped" as const));
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([404, 503, "dropped"]));
    const { api } = sim.stats();
    expect(api.calls).toBe(60);
    expect(api.answered + api.failed + api.dropped).toBe(60);
    expect(api.failed).toBe(2 * first.filter((o) => o === 503).length);
  });
});

describe("notification faults, measured by a local receiver", () => {
  it("notificationDropRate 1 sends nothing, retries nothing, and logs the loss", async () => {
    sim.setFaults({ notificationDropRate: 1 });
    const { id } = await created();
    await sim.pay(id, { type: "gopay" });
    await sim.approve(id);
    await waitFor(() => deliveries(id).length === 2);
    await sleep(200); // deliberate: nothing may arrive or be retried during 4x the 50 ms retry delay
    expect(received(id)).toEqual([]);
    const log = deliveries(id);
    expect(log.map((d) => [d.body.transaction_status, d.attempt, d.responseStatus, d.fault])).toEqual([
      ["pending", 1, null, "dropped"],
      ["settlement", 1, null, "dropped"],
    ]);
    expect(log[0].error).toMatch(/dropped/);
    expect(sim.stats().notifications).toMatchObject({ sent: 0, dropped: 2 });
  });

  it("notificationDuplicates 3 delivers three identical, correctly signed bodies", async () => {
    sim.setFaults({ notificationDuplicates: 3 });
    const { id } = await created();
    await sim.pay(id, { type: "bank_transfer", bank: "bca" });
    const bodies = await waitFor(() => received(id).length === 3 && received(id));
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0].signature_key).toBe(expectedSignature(bodies[0], SERVER_KEY));
    await waitFor(() => deliveries(id).length === 3);
    expect(
      deliveries(id)
        .map((d) => d.copy)
        .sort(),
    ).toEqual([1, 2, 3]);
    await sleep(100); // deliberate: no fourth copy may follow the three
    expect(received(id)).toHaveLength(3);
    expect(sim.stats().notifications).toMatchObject({ sent: 3, duplicated: 2, dropped: 0 });
  });

  it("notificationReorderWindowMs holds notifications, then delivers them in a different order", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await created()).id);
    sim.setFaults({ notificationReorderWindowMs: 150, seed: 1 });
    const start = performance.now();
    for (const id of ids) await sim.pay(id, { type: "gopay" });
    expect(sim.stats().notifications.reordered).toBe(5); // all five in the reorder buffer
    expect(ids.flatMap(received)).toEqual([]); // still held
    const order = await waitFor(() => {
      const got = receiver.received.map((r) => String(r.body.order_id)).filter((id) => ids.includes(id));
      return got.length === 5 && got;
    });
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    expect([...order].sort()).toEqual([...ids].sort());
    expect(order).not.toEqual(ids);
    expect(sim.stats().notifications).toMatchObject({ sent: 5, reordered: 5 });
  });
});

describe("fault control", () => {
  it("PUT/GET/DELETE /__sim/faults, validated", async () => {
    const config: FaultConfig = { apiErrorRate: 0.25, apiErrorStatus: 503, notificationDuplicates: 2, seed: 9 };
    const put = await putFaults(config);
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual(config);
    expect(await (await fetch(`${sim.url}/__sim/faults`)).json()).toEqual(config);
    expect(sim.faults()).toEqual(config);

    const invalid: unknown[] = [
      { apiErrorRate: 1.5 },
      { apiErrorRate: -0.1 },
      { apiErrorStatus: 404 },
      { apiLatencyMs: -1 },
      { apiLatencyMs: "100" },
      { apiLatencyMs: 10_000_000 },
      { notificationDuplicates: 0 },
      { notificationDuplicates: 1.5 },
      { notificationReorderWindowMs: 3_600_000 },
      { seed: "abc" },
      { apiErrorRate: 0.6, apiTimeoutRate: 0.6 },
      { apiErorRate: 1 },
      [],
      null,
      "healthy",
    ];
    for (const body of invalid) {
      const res = await putFaults(body === "healthy" ? JSON.stringify(body) : body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toEqual({ error: expect.any(String) });
    }
    expect((await putFaults("{not json")).status).toBe(400);
    expect((await putFaults("apiErrorRate=1", "application/x-www-form-urlencoded")).status).toBe(400);
    expect(sim.faults()).toEqual(config); // nothing applied

    expect(() => sim.setFaults({ apiErrorRate: 2 })).toThrow(expect.objectContaining({ code: "invalid_input" }));
    expect(sim.faults()).toEqual(config);

    const del = await fetch(`${sim.url}/__sim/faults`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({});
    expect(sim.faults()).toEqual({});
  });

  it("GET /__sim/stats reports the counts; DELETE resets them", async () => {
    await created();
    sim.setFaults({ apiErrorRate: 1 });
    await midtransError(created());
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as SimulatorStats;
    expect(stats).toEqual({
      api: { calls: 2, answered: 1, delayed: 0, failed: 1, timedOut: 0, dropped: 0, held: 0 },
      notifications: { sent: 0, dropped: 0, duplicated: 0, reordered: 0 },
    });
    expect(stats).toEqual(sim.stats());
    const reset = await fetch(`${sim.url}/__sim/stats`, { method: "DELETE" });
    expect(((await reset.json()) as SimulatorStats).api.calls).toBe(0);
  });

  it("never applies to /__sim/*, the dashboard or the payment page", async () => {
    const { redirectUrl } = await created();
    const paymentPage = redirectUrl.replace(/^http:\/\/[^/]+/, sim.url);
    sim.resetStats();
    const hostile: FaultConfig[] = [{ apiTimeoutRate: 1 }, { apiDropConnectionRate: 1 }, { apiErrorRate: 1, apiLatencyMs: 2000 }];
    for (const faults of hostile) {
      sim.setFaults(faults);
      const quick = () => AbortSignal.timeout(1000);
      for (const path of ["/__sim/transactions", "/__sim/notifications", "/__sim/faults", "/__sim/stats", "/dashboard", "/"]) {
        expect((await fetch(sim.url + path, { signal: quick() })).status, `${path} with ${JSON.stringify(faults)}`).toBe(200);
      }
      expect((await fetch(paymentPage, { signal: quick() })).status).toBe(200);
    }
    // The buyer can still pay through the page while the API is down.
    const paid = await submitForm(paymentPage, { payment_type: "qris" });
    expect(paid.status).toBe(200);
    expect(await paid.text()).toContain(">pending</span>");
    expect(sim.stats().api.calls).toBe(0);
  });

  it("the dashboard shows a banner while a fault is active, with a button that clears it", async () => {
    const { redirectUrl } = await created();
    const noBanner = await (await fetch(`${sim.url}/dashboard`)).text();
    expect(noBanner).not.toContain("fault-banner");

    sim.setFaults({ seed: 3 }); // a seed alone is no fault
    expect(await (await fetch(`${sim.url}/dashboard`)).text()).not.toContain("fault-banner");

    sim.setFaults({ apiErrorRate: 0.5, apiErrorStatus: 503, notificationDuplicates: 3 });
    const html = await (await fetch(`${sim.url}/dashboard`)).text();
    expect(html).toContain('id="fault-banner"');
    expect(html).toContain("Fault injection active: API errors 50% (HTTP 503) · notifications sent 3×");
    const page = await (await fetch(redirectUrl)).text();
    expect(page).not.toContain("fault-banner");

    const clear = await fetch(`${sim.url}/dashboard/faults/reset`, { method: "POST", redirect: "manual" });
    expect(clear.status).toBe(303);
    expect(clear.headers.get("location")).toMatch(/^\/dashboard\?notice=/);
    expect(sim.faults()).toEqual({});
    expect(await (await fetch(sim.url + clear.headers.get("location"))).text()).not.toContain("fault-banner");
  });

  it("{} restores healthy behaviour and releases held notifications at once", async () => {
    sim.setFaults({ notificationReorderWindowMs: 60_000 });
    const { id } = await created();
    await sim.pay(id, { type: "gopay" });
    expect(sim.stats().notifications.reordered).toBe(1); // held by the 60 s window
    expect(received(id)).toEqual([]);
    sim.setFaults({});
    // Released by setFaults({}), not by the window running out: waiting gives up long before 60 s.
    await waitFor(() => received(id).length === 1, { timeoutMs: 10_000, what: "the held notification, released" });

    sim.setFaults({ apiErrorRate: 1 });
    await midtransError(created());
    sim.setFaults({});
    const healthy = await created();
    await sim.approve((await sim.pay(healthy.id, { type: "qris" })).order_id);
    await waitFor(() => received(healthy.id).length === 2);
    await sleep(100); // deliberate: no duplicate copy may follow once faults are cleared
    expect(received(healthy.id).map((b) => b.transaction_status)).toEqual(["pending", "settlement"]);
    expect(deliveries(healthy.id).every((d) => d.fault === undefined && d.copy === undefined)).toBe(true);
  });
});

describe("lifecycle", () => {
  it("applies faults given at start; close() destroys held sockets, cancels delayed calls and drops held notifications", async () => {
    const hooks = await startReceiver();
    const own = await startMidtransSimulator({ serverKey: SERVER_KEY, faults: { notificationReorderWindowMs: 10_000, seed: 5 } });
    try {
      expect(own.faults()).toEqual({ notificationReorderWindowMs: 10_000, seed: 5 });
      const { id } = await created(snapClient(own, { headers: { "X-Override-Notification": hooks.url } }));
      await own.pay(id, { type: "gopay" });
      expect(own.stats().notifications.reordered).toBe(1);

      const auth = { authorization: basicAuth };
      own.setFaults({ apiTimeoutRate: 1, notificationReorderWindowMs: 10_000 });
      // Settled at once so the rejection is never unhandled while close() runs.
      const outcome = (p: Promise<Response>) => p.then((r) => `HTTP ${r.status}`, (err: Error) => err.message);
      const held = outcome(fetch(`${own.url}/v2/${id}/status`, { headers: auth }));
      await waitFor(() => own.stats().api.held === 1);
      own.setFaults({ apiLatencyMs: 10_000, notificationReorderWindowMs: 10_000 });
      const delayed = outcome(fetch(`${own.url}/v2/${id}/status`, { headers: auth }));
      await waitFor(() => own.stats().api.delayed === 1);

      await own.close();
      // Both calls end in a broken connection: close() neither waited out the 10 s latency (that
      // call would have answered HTTP 200) nor left the held socket open.
      expect(await held).toBe("fetch failed");
      expect(await delayed).toBe("fetch failed");
      expect(own.stats().api.held).toBe(0);
      await sleep(100); // deliberate: the dropped held notification must never be sent later
      expect(hooks.received).toEqual([]);
    } finally {
      await own.close().catch(() => undefined);
      await hooks.close();
    }
  });

  it("rejects an invalid start configuration", async () => {
    await expect(startMidtransSimulator({ serverKey: SERVER_KEY, faults: { apiErrorRate: 3 } })).rejects.toMatchObject({
      code: "invalid_input",
    });
  });

  it("standalone main.ts applies MIDTRANS_SIMULATOR_FAULTS, and refuses an invalid one", async () => {
    const run = (faults: string) => {
      const child = spawn(process.execPath, ["--import", "tsx", "server/simulator/main.ts"], {
        cwd: process.cwd(),
        env: { ...process.env, MIDTRANS_SIMULATOR_PORT: "0", MIDTRANS_SIMULATOR_HOST: "127.0.0.1", MIDTRANS_SIMULATOR_FAULTS: faults },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out = { stdout: "", stderr: "" };
      child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      return { child, out, exited };
    };

    const bad = run('{"apiErrorRate": 2}');
    expect(await bad.exited).toBe(1);
    expect(bad.out.stderr).toContain("MIDTRANS_SIMULATOR_FAULTS must be a JSON fault configuration");

    const good = run(JSON.stringify({ apiErrorRate: 1, apiErrorStatus: 503, seed: 3 }));
    try {
      // Both lines may arrive in separate chunks.
      await waitFor(() => good.out.stdout.includes("Fault injection active: API errors 100% (HTTP 503)"), 15_000);
      const url = /running at (http:\/\/\S+)/.exec(good.out.stdout)![1];
      expect(await (await fetch(`${url}/__sim/faults`)).json()).toEqual({ apiErrorRate: 1, apiErrorStatus: 503, seed: 3 });
      const res = await fetch(`${url}/v2/x/status`, { headers: { authorization: `Basic ${Buffer.from("SB-Mid-server-SIMULATOR:").toString("base64")}` } });
      expect(res.status).toBe(503);
    } finally {
      good.child.kill("SIGTERM");
      expect(await good.exited).toBe(0);
    }
  });
});
