import { existsSync } from "node:fs";

/**
 * Loads `.env` from the working directory when there is one, before the environment is parsed
 * (server/config/env.ts). Variables already set in the environment win: Node's
 * `process.loadEnvFile` (Node 20.12+) never overwrites one. `npm start` does the same in
 * scripts/start.mjs; the tsx entry points (worker, CLIs, simulator) call this first.
 * Returns whether a file was read.
 */
export function loadDotEnv(file = ".env"): boolean {
  if (!existsSync(file)) return false;
  if (typeof process.loadEnvFile !== "function") {
    throw new Error(`Reading ${file} needs Node 20.12 or later (process.loadEnvFile); export the variables instead`);
  }
  process.loadEnvFile(file);
  return true;
}
