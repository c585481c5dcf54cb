// Bundles the server's TypeScript (server/, db/) into plain ESM under build/server/, so
// production runs `node` without a TypeScript loader: less memory, faster start.
// Packages stay external (node_modules), exactly as in development.
import { build } from "esbuild";

await build({
  entryPoints: { main: "server/main.ts", worker: "server/worker.ts" },
  outdir: "build/server",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
