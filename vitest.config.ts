import path from "node:path";
import { defineConfig } from "vitest/config";

// Two kinds of vitest tests, told apart by file name (docs/testing.md):
//   *.unit.test.ts         no database, no network: pure functions and in-memory parts
//   *.integration.test.ts  real PostgreSQL (DATABASE_URL) or the embedded PGlite, the simulator over HTTP
// Playwright journeys live in e2e/*.spec.ts (npm run test:e2e).
const alias = { "~": path.resolve(import.meta.dirname, "app") };
// Cheap admin password hashes (scrypt N = 2^10 instead of 2^15): a login costs milliseconds.
// Production's parameters are tested by name (server/admin/passwords.ts, ASTAPA_SCRYPT_COST).
const env = { ASTAPA_SCRYPT_COST: "10" };

export default defineConfig({
  resolve: { alias },
  test: {
    environment: "node",
    pool: "forks",
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["{server,db,app}/**/*.unit.test.ts"], environment: "node", env, testTimeout: 10_000 },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["{server,db,app,bench}/**/*.integration.test.ts"],
          // Every merchant-API answer a test receives is checked against the OpenAPI document.
          setupFiles: ["server/testing/openapi-guard.ts"],
          environment: "node",
          env,
          pool: "forks",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
