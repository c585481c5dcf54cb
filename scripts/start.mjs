// `npm start` (and `npm run worker` with the argument "worker"): load `.env`, default to
// production mode, build the Remix app and the server bundle if they are missing or older than
// their sources, then run the bundle in this same process, so signals and the PID are the server's.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
process.chdir(root);
const entry = process.argv[2] === "worker" ? "worker" : "main";

// `.env` when present (variables already set in the environment win), then production mode
// unless NODE_ENV was set explicitly: React, Remix and Express run their production builds, and
// no answer carries a stack trace. Both before the bundle is imported: React picks its build then.
if (existsSync(".env")) {
  if (typeof process.loadEnvFile !== "function") {
    console.error("Reading .env needs Node 20.12 or later (process.loadEnvFile); export the variables instead.");
    process.exit(1);
  }
  process.loadEnvFile(".env");
}
if (!process.env.NODE_ENV) process.env.NODE_ENV = "production";

function newestMtime(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}
const sources = Math.max(newestMtime("app"), newestMtime("server"), newestMtime("db"), newestMtime("remix.config.js"));
const stale = (file) => !existsSync(file) || statSync(file).mtimeMs < sources;

function run(args) {
  // The build's progress goes to stderr: stdout is the server's JSON log lines only.
  const r = spawnSync(process.execPath, args, { stdio: ["inherit", 2, "inherit"], env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
// A Remix build made by something else (`npm run test:e2e` under NODE_ENV=test, a dev build) may
// use React's development JSX runtime, which the production React here does not have ("jsxDEV is
// not a function"): only a build this script made, stamped after it, is reused.
const STAMP = "build/.built-by-npm-start";
const foreignBuild = () => !existsSync(STAMP) || statSync("build/index.js").mtimeMs > statSync(STAMP).mtimeMs;
if (stale("build/index.js") || foreignBuild()) {
  run([path.join(root, "node_modules/@remix-run/dev/dist/cli.js"), "build"]);
  writeFileSync(STAMP, "production\n");
}
if (stale(`build/server/${entry}.js`)) run([path.join(root, "scripts/build-server.mjs")]);

await import(`../build/server/${entry}.js`);
