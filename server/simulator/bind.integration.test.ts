import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startMidtransSimulator } from "./index";
import { envSchema } from "../config/env";
import { createLogger } from "../config/logger";
import { createPlatform } from "../runtime/platform";
import { createTestDatabase } from "../testing/database";
import type { Database } from "../db/connect";

// The simulator's control API has no authentication, lists buyers' e-mails and can be made to
// POST anywhere: it listens on loopback only, and never next to production keys unless asked.

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

// The in-process simulator keeps its state in DATA_DIR: never the repository's .data in a test.
const dataDir = mkdtempSync(path.join(tmpdir(), "astapa-bind-"));
const platformEnv = (env: Record<string, string>) =>
  envSchema.parse({ NODE_ENV: "test", PORT: "0", MIDTRANS_SIMULATOR_PORT: "0", DATA_DIR: dataDir, ...env });
const logger = createLogger("silent");

describe("the in-process simulator (npm start without a sandbox key)", () => {
  it("listens on 127.0.0.1 even with HOST=0.0.0.0", async () => {
    const platform = await createPlatform(platformEnv({ HOST: "0.0.0.0" }), { database, logger });
    try {
      expect(platform.simulator?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await platform.close();
    }
  });

  it("refuses to start next to production Midtrans keys, unless MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS=true", async () => {
    const env = { HOST: "0.0.0.0", MIDTRANS_PRODUCTION_SERVER_KEY: "Mid-server-PRODUCTION-TEST" };
    await expect(createPlatform(platformEnv(env), { database, logger })).rejects.toThrow(
      /production Midtrans keys are configured.*MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS=true/s,
    );
    const platform = await createPlatform(platformEnv({ ...env, MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS: "true" }), { database, logger });
    try {
      expect(platform.simulator?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await platform.close();
    }
  });
});

describe("startMidtransSimulator", () => {
  it.each(["0.0.0.0", "::", "192.0.2.1", "example.com"])("refuses to listen on %s", async (host) => {
    await expect(startMidtransSimulator({ serverKey: "SB-Mid-server-X", host })).rejects.toMatchObject({ code: "invalid_input" });
  });

  it.each(["127.0.0.1", "localhost"])("listens on the loopback address %s", async (host) => {
    const sim = await startMidtransSimulator({ serverKey: "SB-Mid-server-X", host });
    await sim.close();
  });
});

describe("npm run simulator (server/simulator/main.ts)", () => {
  const children: ReturnType<typeof spawn>[] = [];
  // A simulator that wrongly started keeps running: stop it whatever the test's outcome.
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  const run = (env: Record<string, string>) => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/simulator/main.ts"], {
      cwd: process.cwd(),
      env: { ...process.env, MIDTRANS_SIMULATOR_PORT: "0", MIDTRANS_PRODUCTION_SERVER_KEY: "", MIDTRANS_SIMULATOR_HOST: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, exited, out: () => ({ stdout, stderr }) };
  };

  it("refuses to start when production Midtrans keys are configured", async () => {
    const r = run({ MIDTRANS_PRODUCTION_SERVER_KEY: "Mid-server-PRODUCTION-TEST" });
    expect(await r.exited).toBe(1);
    expect(r.out().stderr).toContain("MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS=true");
  });

  it("refuses a non-loopback MIDTRANS_SIMULATOR_HOST", async () => {
    const r = run({ MIDTRANS_SIMULATOR_HOST: "0.0.0.0" });
    expect(await r.exited).toBe(1);
    expect(r.out().stderr).toContain("loopback");
  });
});
