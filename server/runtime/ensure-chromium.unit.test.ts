import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";

/** scripts/ensure-chromium.mjs, run first by `npm run test:e2e`: finds Chromium or names the one command to run. */
const script = path.resolve(import.meta.dirname, "../../scripts/ensure-chromium.mjs");
const run = (env: Record<string, string>) => spawnSync(process.execPath, [script], { env: { ...process.env, ...env }, encoding: "utf8" });

describe("ensure-chromium", () => {
  it("accepts the executable CHROMIUM_PATH names", () => {
    const r = run({ CHROMIUM_PATH: process.execPath });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("stops with the command to run when CHROMIUM_PATH names nothing executable", () => {
    const r = run({ CHROMIUM_PATH: "/nonexistent/chromium" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("CHROMIUM_PATH=/nonexistent/chromium is not an executable");
    expect(r.stderr).toContain("apt-get install -y chromium");
  });
});
