// The bench harness's own parts: ratios of alternated rounds, CPU profiles (BENCH_CPU_PROF_DIR)
// and their summary, and the refusal of a port another run already listens on.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { medianRatio, spreadOf } from "./ratios";
import { cpuProfileArgs, startProcess } from "./processes";
import { summariseCpuProfile } from "./cpu-profile-summary";

const dirs: string[] = [];
const savedProfDir = process.env.BENCH_CPU_PROF_DIR;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  if (savedProfDir === undefined) delete process.env.BENCH_CPU_PROF_DIR;
  else process.env.BENCH_CPU_PROF_DIR = savedProfDir;
});

describe("ratios", () => {
  it("takes the median of the rounds' paired ratios, so one disturbed round does not move it", () => {
    const platform = [100, 100, 100, 100, 100, 10].map((requestsPerSec) => ({ requestsPerSec }));
    const reference = [125, 125, 125, 125, 125, 125].map((requestsPerSec) => ({ requestsPerSec }));
    expect(medianRatio(platform, reference)).toBe(0.8);
    expect(medianRatio([{ requestsPerSec: 90 }, { requestsPerSec: 60 }], [{ requestsPerSec: 100 }, { requestsPerSec: 100 }])).toBe(0.75);
  });

  it("gives the mean and the spread (max − min) / 2 across runs, ignoring runs without the figure", () => {
    expect(spreadOf([0.92, 0.98, 0.95, Number.NaN])).toEqual({ mean: 0.95, spread: 0.03, min: 0.92, max: 0.98 });
  });
});

describe("CPU profiles", () => {
  it("BENCH_CPU_PROF_DIR makes a process write a profile whose summary names the busy function", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "astapa-prof-"));
    dirs.push(dir);
    expect(cpuProfileArgs("t")).toEqual([]);
    process.env.BENCH_CPU_PROF_DIR = dir;
    const script = "function burnCpuForTest(){let x=0;const end=Date.now()+400;while(Date.now()<end)x+=Math.sqrt(x+1);return x}burnCpuForTest();";
    const r = spawnSync(process.execPath, [...cpuProfileArgs("t"), "-e", script]);
    expect(r.status).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^t-\d+-\d+\.cpuprofile$/);
    const profile = JSON.parse(readFileSync(path.join(dir, files[0]), "utf8"));
    const summary = summariseCpuProfile(profile);
    expect(summary.total.some((row) => row.name.startsWith("burnCpuForTest") && row.ms > 0)).toBe(true);
    // --windows and --only-after-ms leave out the samples outside them.
    expect(summariseCpuProfile(profile, { windowsUs: [[profile.startTime, profile.endTime]] }).samples).toBe(summary.samples);
    expect(summariseCpuProfile(profile, { windowsUs: [[0, profile.startTime - 1]] }).samples).toBe(0);
    expect(summariseCpuProfile(profile, { afterMs: (profile.endTime - profile.startTime) / 1000 + 1 }).samples).toBe(0);
  });
});

describe("startProcess", () => {
  it("refuses a port something else listens on instead of taking its answers for the new server's", async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(startProcess("bench/reference/verify-bare-server.ts", { env: {}, url: `http://127.0.0.1:${port}`, readyUrl: `http://127.0.0.1:${port}/healthz` })).rejects.toThrow(
        /in use.*BENCH_PORT_OFFSET/,
      );
    } finally {
      other.close();
    }
  });
});
