import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export interface RunningProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL at once: a crash. */
  kill(): Promise<void>;
}

/** Peak RSS of a live process from /proc (Linux): VmHWM is the high-water mark. */
export function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * A runner's fixed ports moved by `BENCH_PORT_OFFSET` (default 0), so that two bench runs on one
 * machine (two helpers, or a repeat beside a test) do not answer each other's requests.
 */
export function benchPorts<T extends Record<string, number>>(ports: T): T {
  const offset = Number(process.env.BENCH_PORT_OFFSET ?? 0) || 0;
  return Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, v + offset])) as T;
}

/** Refuses a port something else listens on: its readiness URL would answer for the wrong server. */
async function assertPortFree(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  if (!port) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", () => reject(new Error(`port ${port} is in use by another process: set BENCH_PORT_OFFSET (e.g. 1000) to move this run's ports`)));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/**
 * Starts an entry point (TypeScript through tsx, or built JavaScript) in its own process and waits until it is
 * ready: `readyUrl` answers 2xx, or a line of its output matches `readyLine`.
 */
export async function startProcess(
  entry: string,
  opts: { env: Record<string, string>; url?: string; readyUrl?: string; readyLine?: RegExp; args?: string[]; nodeArgs?: string[] },
): Promise<RunningProcess> {
  // Plain JavaScript (the production bundle) runs on node alone; TypeScript through tsx.
  const loader = entry.endsWith(".ts") ? ["--import", "tsx"] : [];
  if (opts.url) await assertPortFree(opts.url);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, path.resolve(entry), ...(opts.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: "warn", ...opts.env },
    stdio: ["ignore", opts.readyLine ? "pipe" : "ignore", "inherit"],
  });
  let sawLine = false;
  if (opts.readyLine) {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (opts.readyLine!.test(String(chunk))) sawLine = true;
    });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    if (opts.readyLine && sawLine) break;
    if (opts.readyUrl) {
      try {
        const r = await fetch(opts.readyUrl);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  const exited = () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  return {
    url: opts.url ?? "",
    pid,
    child,
    peakRssMb: () => peakRssMb(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited();
      clearTimeout(force);
    },
    async kill() {
      child.kill("SIGKILL");
      await exited();
    },
  };
}

let profileCount = 0;

/**
 * Node arguments that write a V8 CPU profile of the process when it exits, if `BENCH_CPU_PROF_DIR` is set
 * (`BENCH_CPU_PROF_DIR=bench/profiles/raw npm run bench -- --only verify`). One `.cpuprofile` per process,
 * named by `name` (the platform, the references); summarise with bench/harness/cpu-profile-summary.ts.
 * The profile is written on a clean exit, so processes are stopped with SIGTERM (`stop()`), not killed.
 */
export function cpuProfileArgs(name: string): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  if (!dir) return [];
  return ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir)}`, `--cpu-prof-name=${name}-${Date.now()}-${++profileCount}.cpuprofile`];
}

/**
 * The parts every bench runner measures against: the simulator, and the platform's production
 * bundle run as `npm start` runs it, with its rate limits off (all load comes from one loopback
 * address: per-IP limits would measure the limiter). Both are pushed onto `procs` for the
 * runner's cleanup.
 */
export async function startSimulatorAndPlatform(opts: {
  ports: { simulator: number; platform: number };
  serverKey: string;
  /** Where the platform's data lives: `{ DATABASE_URL }`, or `{ DATA_DIR }` on the embedded database. */
  databaseEnv: Record<string, string>;
  procs: RunningProcess[];
}): Promise<{ simulator: RunningProcess; platform: RunningProcess }> {
  const simulator = await startProcess("server/simulator/main.ts", {
    env: { MIDTRANS_SIMULATOR_PORT: String(opts.ports.simulator), MIDTRANS_SIMULATOR_SERVER_KEY: opts.serverKey },
    url: `http://127.0.0.1:${opts.ports.simulator}`,
    readyUrl: `http://127.0.0.1:${opts.ports.simulator}/dashboard`,
  });
  opts.procs.push(simulator);
  const platformUrl = `http://127.0.0.1:${opts.ports.platform}`;
  // BENCH_PLATFORM_ENTRY: another server bundle (e.g. an earlier build kept aside, for a before/after in one run).
  const platform = await startProcess(process.env.BENCH_PLATFORM_ENTRY ?? "build/server/main.js", {
    nodeArgs: ["--max-old-space-size=192", ...cpuProfileArgs("platform")], // as `npm start` runs it
    env: {
      NODE_ENV: "production",
      PORT: String(opts.ports.platform),
      PUBLIC_URL: platformUrl,
      ...opts.databaseEnv,
      MIDTRANS_SIMULATOR_URL: simulator.url,
      MIDTRANS_SIMULATOR_SERVER_KEY: opts.serverKey,
      LOG_LEVEL: "info",
      RATE_LIMIT_CREATE_PER_CLIENT: "0",
      RATE_LIMIT_CREATE_PER_IP: "0",
      RATE_LIMIT_VERIFY_PER_IP: "0",
      RATE_LIMIT_NOT_FOUND_PER_IP: "0",
    },
    url: platformUrl,
    readyUrl: `${platformUrl}/healthz`,
  });
  opts.procs.push(platform);
  return { simulator, platform };
}
