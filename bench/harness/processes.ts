import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export interface RunningProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
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

/** Starts a TypeScript entry point with tsx in its own process and waits for `readyUrl`. */
export async function startProcess(
  entry: string,
  opts: { env: Record<string, string>; readyUrl: string; url: string; args?: string[] },
): Promise<RunningProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve(entry), ...(opts.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: "warn", ...opts.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      const r = await fetch(opts.readyUrl);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${entry} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    url: opts.url,
    pid,
    child,
    peakRssMb: () => peakRssMb(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      }),
  };
}
