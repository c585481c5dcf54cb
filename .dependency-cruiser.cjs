// Import rules, checked by `npm run deps` (part of `npm test`). The layers and why: docs/architecture.md.
const TESTS = "(\\.test\\.ts$|^server/testing/|^e2e/|^bench/)";
// Folder cycles are judged on production code only: tests import their helpers (server/testing),
// which import the services under test. `npm run deps` runs a second pass with this set.
const PRODUCTION_ONLY = process.env.DEPCRUISE_PRODUCTION === "1";
/** @type {import('dependency-cruiser').IConfiguration} */
const rules = [
    {
      name: "no-circular",
      severity: "error",
      comment: "No module may (indirectly) import itself.",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycles",
      severity: "error",
      comment: "No two folders import each other, directly or through others (production code).",
      scope: "folder",
      from: { pathNot: TESTS },
      to: { circular: true, pathNot: TESTS },
    },
    {
      name: "server-never-imports-app",
      severity: "error",
      from: { path: "^(server|db)/" },
      to: { path: "^app/" },
    },
    {
      name: "app-imports-only-types-from-server",
      severity: "error",
      comment: "Loaders and actions reach services through Remix's load context; app/ may only name server types.",
      from: { path: "^app/" },
      to: { path: "^(server|db)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "production-never-imports-tests-or-bench",
      severity: "error",
      from: { path: "^(server|app|db|scripts)/", pathNot: TESTS },
      to: { path: TESTS },
    },
    {
      name: "services-never-import-transports",
      severity: "error",
      comment: "Transports (rest, trpc, http, remix, runtime, cli) call services; never the other way round.",
      from: { path: "^server/(lib|config|db|platform|midtrans|projects|items|payments|webhooks|admin)/", pathNot: TESTS },
      to: { path: "^server/(rest|trpc|http|remix|runtime|cli|demo-store)/" },
    },
    {
      name: "demo-store-is-a-merchant",
      severity: "error",
      comment:
        "The demo store is a stand-in merchant: it reaches Astapa over the public HTTP API only, never through services or transports (its own tables through its own queries).",
      from: { path: "^server/demo-store/", pathNot: TESTS },
      to: { path: "^server/(?!demo-store/|db/|config/|lib/)" },
    },
    {
      name: "lib-is-the-bottom",
      severity: "error",
      from: { path: "^server/lib/", pathNot: TESTS },
      to: { path: "^server/(?!lib/)" },
    },
    {
      name: "gateway-adapter-stays-an-adapter",
      severity: "error",
      comment: "midtrans/ is the gateway adapter: it knows nothing of purchases or the platform.",
      from: { path: "^server/midtrans/", pathNot: TESTS },
      to: { path: "^server/(payments|projects|items|webhooks|admin|platform|runtime)/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
];
module.exports = {
  forbidden: rules.filter((r) => (PRODUCTION_ONLY ? r.scope === "folder" : r.scope !== "folder")),
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: PRODUCTION_ONLY ? `(^build/|^public/build/|^node_modules/|${TESTS})` : "(^build/|^public/build/|^node_modules/)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
    moduleSystems: ["es6", "cjs"],
  },
};
