import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system) a process has used so far, in ms; NaN where /proc is missing. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** CPU time of every PostgreSQL process on this machine (backends, WAL writer, checkpointer). */
export function postgresCpuMs(): number {
  let total = 0;
  let seen = false;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
    } catch {
      continue;
    }
    const ms = cpuMs(Number(entry));
    if (!Number.isNaN(ms)) {
      total += ms;
      seen = true;
    }
  }
  return seen ? total : NaN;
}

let countPostgres = true;
/** Off when the database is embedded: its CPU is inside the processes already counted. */
export function setPostgresCounted(on: boolean) {
  countPostgres = on;
}

/** CPU used by each named process (and PostgreSQL) while `run` runs. */
export async function measureCpu<T>(pids: Record<string, number>, run: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number> }> {
  const sample = () => ({ ...Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)])), postgres: countPostgres ? postgresCpuMs() : NaN });
  const before = sample();
  const result = await run();
  const after = sample();
  return { result, cpuMs: Object.fromEntries(Object.keys(before).map((k) => [k, after[k as keyof typeof after] - before[k as keyof typeof before]])) };
}
