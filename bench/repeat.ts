// `npm run bench:repeat [-- --repeat 3] [--rounds 6] [--duration 3] [--verify-duration 2.5] [--count 3000] [--no-build] [--smoke]`:
// the A/B pairs of `npm run bench` — verify against its postgres.js reference and the bare
// node:http server, notifications against their minimal reference, create against its minimal
// reference — run `--repeat` times (default 3), each time as a fresh run (own database, own
// processes: bench/reference/run-verify.ts and run-ab.ts), one after the other, on real
// PostgreSQL (DATABASE_URL, else the local server). Writes bench/results/repeat.json and
// bench/results/repeat.md: each ratio per run, its mean and its spread ((max − min) / 2; the
// issue's target is ±0.05). See bench/README.md for how long it takes and why these rounds.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { numberArg, spreadOf } from "./harness/ratios";

const smoke = process.argv.includes("--smoke");
const repeat = numberArg("--repeat") ?? (smoke ? 1 : 3);
const rounds = numberArg("--rounds") ?? (smoke ? 1 : 6);
const duration = numberArg("--duration") ?? (smoke ? 1 : 3);
// Verify's rounds must end within the 60 s the platform's cache keeps an answer loaded before them
// (bench/scenarios/verify.ts): 6 rounds × 3 sides × 2.5 s + 6 s of warm-up.
const verifyDuration = numberArg("--verify-duration") ?? (smoke ? 1 : 2.5);
const count = numberArg("--count") ?? (smoke ? 100 : 3000);

function run(args: string[]) {
  const r = spawnSync("npx", ["tsx", ...args], { stdio: ["ignore", "inherit", "inherit"], env: process.env });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited with ${r.status}`);
}

interface VerifyOut {
  verify: {
    throughputRatio: number;
    bareRatio: number;
    platform: { requestsPerSec: number; p99: number };
    reference: { requestsPerSec: number; p99: number };
    bare: { requestsPerSec: number; p99: number };
    cpuMsPerRequest?: Record<string, number>;
    propagation: { p99: number } | null;
  };
}
interface AbOut {
  create: { throughputRatio?: number; platform: { requestsPerSec: number; p99: number }; reference?: { requestsPerSec: number; p99: number } } | null;
  notifications: { throughputRatio?: number; platform?: { processedPerSec?: number } } | null;
}

const started = Date.now();
if (!process.argv.includes("--no-build")) {
  const b = spawnSync("npm", ["run", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (b.status !== 0) process.exit(1);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), "astapa-repeat-"));
const runs: { startedAt: string; seconds: number; loadAverage: number[]; verify: VerifyOut["verify"]; create: AbOut["create"]; notifications: AbOut["notifications"] }[] = [];
try {
  for (let i = 0; i < repeat; i++) {
    const t0 = Date.now();
    const loadAverage = os.loadavg().map((x) => Math.round(x * 10) / 10);
    console.log(`repeat: run ${i + 1} of ${repeat} (load average ${loadAverage.join(" ")})`);
    const verifyFile = path.join(tmp, `verify-${i}.json`);
    const abFile = path.join(tmp, `ab-${i}.json`);
    const common = ["--rounds", String(rounds), ...(smoke ? ["--smoke"] : [])];
    run(["bench/reference/run-verify.ts", ...common, "--duration", String(verifyDuration), "--out", verifyFile]);
    run(["bench/reference/run-ab.ts", ...common, "--duration", String(duration), "--count", String(count), "--out", abFile]);
    const v = JSON.parse(readFileSync(verifyFile, "utf8")) as VerifyOut;
    const ab = JSON.parse(readFileSync(abFile, "utf8")) as AbOut;
    runs.push({ startedAt: new Date(t0).toISOString(), seconds: Math.round((Date.now() - t0) / 1000), loadAverage, verify: v.verify, create: ab.create, notifications: ab.notifications });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const figures: { name: string; target: string; values: number[] }[] = [
  { name: "verify / postgres.js reference, throughput", target: "≥ 0.9", values: runs.map((r) => r.verify.throughputRatio) },
  { name: "verify / bare node:http, throughput", target: "≥ 0.5", values: runs.map((r) => r.verify.bareRatio) },
  {
    name: "verify p99 / reference p99",
    target: "≤ 1.5",
    values: runs.map((r) => Math.round((r.verify.platform.p99 / Math.max(r.verify.reference.p99, 1)) * 100) / 100),
  },
  { name: "verify p99 (ms)", target: "< 10", values: runs.map((r) => r.verify.platform.p99) },
  { name: "notifications / minimal reference, throughput", target: "≥ 0.8", values: runs.map((r) => r.notifications?.throughputRatio ?? NaN) },
  { name: "create / minimal reference, throughput (10 connections)", target: "≥ 0.8", values: runs.map((r) => r.create?.throughputRatio ?? NaN) },
];
const summary = figures.map((f) => ({ ...f, ...spreadOf(f.values) }));
const totalSeconds = Math.round((Date.now() - started) / 1000);
const result = { date: new Date(started).toISOString(), mode: smoke ? "smoke" : "full", repeat, rounds, durationSec: duration, verifyDurationSec: verifyDuration, notificationsPerSide: count, totalSeconds, summary, runs };

const md = [
  `# Repeated A/B runs (${result.date}, ${result.mode})`,
  "",
  `${repeat} runs of ${rounds} alternated rounds (verify ${verifyDuration} s and create ${duration} s per side per round; notifications: ${count} per side), ${totalSeconds} s in all.`,
  `Load average at each run's start: ${runs.map((r) => r.loadAverage.join(" / ")).join("; ")}.`,
  "",
  `| figure | target | ${runs.map((_, i) => `run ${i + 1}`).join(" | ")} | mean | spread ±(max−min)/2 |`,
  `|---|---|${runs.map(() => "---|").join("")}---|---|`,
  ...summary.map((s) => `| ${s.name} | ${s.target} | ${s.values.join(" | ")} | ${s.mean} | ±${s.spread} |`),
  "",
].join("\n");
mkdirSync("bench/results", { recursive: true });
const suffix = smoke ? "-smoke" : "";
writeFileSync(`bench/results/repeat${suffix}.json`, `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(`bench/results/repeat${suffix}.md`, md);
console.log(md);
console.log(`repeat: wrote bench/results/repeat${suffix}.json and bench/results/repeat${suffix}.md`);
