import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Sql } from "../../server/db/connect";
import { runLoad, round, percentile, type LoadResult } from "../harness/load";
import { startProcess } from "../harness/processes";
import { measureCpu } from "../harness/cpu";
import { medianRatio } from "../harness/ratios";

/**
 * verify: the platform's GET /api/platform/shop-payment/verify against
 * - a minimal node:http + postgres.js server answering the same query with the same JSON
 *   (bench/reference/verify-server.ts), and
 * - a bare node:http server in its own process answering the same bytes with no database
 *   (bench/reference/verify-bare-server.ts): the physical limit,
 * alternated A B C A B C under identical load. The ratios are the median of each round's ratio
 * (rounds next to each other in time share the machine's state: drift cancels; an outlier round
 * does not move the median). Then, on PostgreSQL, how long a committed change
 * takes to show in the platform's verify (another process than the writer: the bench itself
 * commits): the bound of its cache (docs/decisions/0016-verify-cache.md).
 */
export async function benchVerify(o: {
  platformUrl: string;
  referenceUrl: string;
  orderIds: string[];
  rounds: number;
  durationSec: number;
  connections: number;
  /** PostgreSQL only (PGlite is one process): the bench's own pool, to commit the changes. */
  propagation?: { sql: Sql; samples: number } | null;
  barePort?: number;
  /** Processes whose CPU per request is reported (the platform's and the reference's). */
  pids?: { platform: number; reference: number };
}) {
  const pick = () => o.orderIds[Math.floor(Math.random() * o.orderIds.length)];
  const verifyPath = (id: string) => `/api/platform/shop-payment/verify?order_id=${encodeURIComponent(id)}`;

  // The bare server answers exactly what the platform answers now.
  const answers: Record<string, string> = {};
  for (let i = 0; i < o.orderIds.length; i += 50) {
    await Promise.all(
      o.orderIds.slice(i, i + 50).map(async (id) => {
        const r = await fetch(`${o.platformUrl}${verifyPath(id)}`);
        if (r.ok) answers[id] = await r.text();
      }),
    );
  }
  // The fetch above loaded every answer into the platform's cache, which keeps an answer 60 s at
  // most (docs/decisions/0016-verify-cache.md): past that, all of them expire within the same few
  // seconds, a burst of misses no steady state of polling buyers has. The rounds must end before.
  const answersLoadedAt = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), "astapa-verify-bare-"));
  writeFileSync(path.join(dir, "answers.json"), JSON.stringify(answers));
  const barePort = o.barePort ?? 4103;
  const bare = await startProcess("bench/reference/verify-bare-server.ts", {
    env: { PORT: String(barePort), ANSWERS_FILE: path.join(dir, "answers.json") },
    url: `http://127.0.0.1:${barePort}`,
    readyUrl: `http://127.0.0.1:${barePort}/healthz`,
  });
  try {
    const run = (base: string, durationSec = o.durationSec) =>
      runLoad({
        url: `${base}${verifyPath(o.orderIds[0])}`,
        connections: o.connections,
        durationSec,
        setupRequest: (req) => ({ ...req, path: verifyPath(pick()) }),
      });
    // Warm-up, not measured: JIT, connection pools, the database's cache and the platform's
    // verify cache, for all alike (otherwise the first round of whichever runs first pays for them).
    await run(o.platformUrl, 2);
    await run(o.referenceUrl, 2);
    await run(bare.url, 2);
    const platform: LoadResult[] = [];
    const reference: LoadResult[] = [];
    const bareRuns: LoadResult[] = [];
    // CPU ms per request of the process serving each side (its own process only: the platform
    // answers from memory, the reference pays PostgreSQL besides, not counted here).
    const cpu = { platform: 0, reference: 0, bare: 0 };
    const pids = { ...(o.pids ?? {}), bare: bare.pid } as Record<string, number>;
    const measured = async (side: keyof typeof cpu, base: string, into: LoadResult[]) => {
      const { result, cpuMs } = await measureCpu(pids[side] ? { [side]: pids[side] } : {}, () => run(base));
      cpu[side] += cpuMs[side] ?? NaN;
      into.push(result);
    };
    for (let i = 0; i < o.rounds; i++) {
      await measured("platform", o.platformUrl, platform);
      await measured("reference", o.referenceUrl, reference);
      await measured("bare", bare.url, bareRuns);
    }
    const secondsAfterLoad = round((performance.now() - answersLoadedAt) / 1000, 1);
    if (secondsAfterLoad > 60) {
      console.warn(`bench: verify's rounds ended ${secondsAfterLoad} s after the answers were loaded (> 60 s, the cache's lifetime): the last rounds paid a burst of misses; use fewer or shorter rounds`);
    }
    const total = (xs: LoadResult[]) => xs.reduce((s, x) => s + x.requests, 0);
    const cpuMsPerRequest = {
      platform: round(cpu.platform / total(platform), 4),
      reference: round(cpu.reference / total(reference), 4),
      bare: round(cpu.bare / total(bareRuns), 4),
    };
    const mean = (xs: LoadResult[], k: keyof LoadResult) => round(xs.reduce((s, x) => s + (x[k] as number), 0) / xs.length);
    const summary = (xs: LoadResult[]) => ({
      requestsPerSec: mean(xs, "requestsPerSec"),
      p50: mean(xs, "p50"),
      p99: mean(xs, "p99"),
      errors: xs.reduce((s, x) => s + x.errors + x.non2xx, 0),
      perRound: xs.map((x) => x.requestsPerSec),
    });
    const p = summary(platform);
    const r = summary(reference);
    const b = summary(bareRuns);
    const ratio = medianRatio(platform, reference);
    const bareRatio = medianRatio(platform, bareRuns);
    const propagation = o.propagation ? await measurePropagation(o.platformUrl, o.propagation.sql, o.orderIds.slice(-o.propagation.samples), verifyPath) : null;
    return {
      connections: o.connections,
      rounds: o.rounds,
      platform: p,
      reference: r,
      bare: b,
      throughputRatio: ratio,
      bareRatio,
      roundRatios: { reference: platform.map((x, i) => round(x.requestsPerSec / reference[i].requestsPerSec, 3)), bare: platform.map((x, i) => round(x.requestsPerSec / bareRuns[i].requestsPerSec, 3)) },
      cpuMsPerRequest,
      /** From loading every answer into the platform's cache to the end of the last round (must stay under 60 s). */
      secondsAfterLoad,
      propagation,
      targets: {
        throughputRatioMin: 0.9,
        p99MaxVsReference: 1.5,
        bareRatioMin: 0.5,
        p99MaxMs: 10,
        propagationP99MaxMs: 100,
        met:
          ratio >= 0.9 &&
          p.p99 <= 1.5 * Math.max(r.p99, 1) &&
          bareRatio >= 0.5 &&
          p.p99 < 10 &&
          (propagation === null || propagation.p99 < 100),
      },
    };
  } finally {
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Per sample: the platform has the answer cached (asked twice), the bench commits a change
 * verify shows (refunded_amount + 1; the trigger of db/migrations/0016 NOTIFYs at commit), and
 * polls the platform's verify back to back until it shows it. Time from the commit's return to
 * the first answer showing it; the change is undone afterwards.
 */
async function measurePropagation(platformUrl: string, sql: Sql, orderIds: string[], verifyPath: (id: string) => string) {
  const refunded = async (id: string) => ((await (await fetch(`${platformUrl}${verifyPath(id)}`)).json()) as { refunded_amount: number }).refunded_amount;
  const times: number[] = [];
  for (const id of orderIds) {
    const before = await refunded(id);
    await refunded(id);
    await sql`update purchases set refunded_amount = refunded_amount + 1 where order_id = ${id}`;
    const committed = performance.now();
    for (;;) {
      if ((await refunded(id)) !== before) break;
      if (performance.now() - committed > 10_000) throw new Error(`verify did not show the change to ${id} within 10 s`);
    }
    times.push(performance.now() - committed);
    await sql`update purchases set refunded_amount = refunded_amount - 1 where order_id = ${id}`;
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    samples: times.length,
    p50: round(percentile(sorted, 50), 2),
    p99: round(percentile(sorted, 99), 2),
    max: round(sorted.at(-1) ?? 0, 2),
  };
}
