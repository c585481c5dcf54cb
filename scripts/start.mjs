// `npm start`: build the Remix app if it is missing or older than its sources, then run
// the server in this same process (tsx loader), so signals and the PID are the server's.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const buildFile = path.join(root, "build/index.js");
const sourcesChanged =
  !existsSync(buildFile) ||
  Math.max(newestMtime("app"), newestMtime("server"), statSync("remix.config.js").mtimeMs) > statSync(buildFile).mtimeMs;
if (sourcesChanged) {
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const { register } = await import("tsx/esm/api");
register();
await import("../server/main.ts");
