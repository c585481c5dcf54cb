import { defineConfig } from "@playwright/test";

// Several suites may run side by side (developers, helpers): the port is configurable.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: `node --import tsx e2e/server.ts`,
    url: `http://127.0.0.1:${port}/healthz`,
    // Cheap admin password hashes, as in vitest.config.ts (server/admin/passwords.ts).
    env: { E2E_PORT: String(port), ASTAPA_SCRYPT_COST: "10" },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
  },
});
