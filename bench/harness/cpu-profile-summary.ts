// `tsx bench/harness/cpu-profile-summary.ts <file.cpuprofile> [--top N] [--windows windows.json] [--only-after-ms N]`
//
// Summarises a V8 CPU profile (`node --cpu-prof`; BENCH_CPU_PROF_DIR, see cpuProfileArgs in
// bench/harness/processes.ts) as plain text: the top N functions by self time (in the function
// itself) and by total time (the function and what it called, each sample counted once per
// function even under recursion), and self time grouped by package (node_modules/<name>), by
// source file of the project, by Node's internals, GC, V8 and native functions. Shares are of the
// profile's busy time (idle left out, its time reported beside): proportions hold on a busy
// machine where the absolute figures do not.
// Frames of a bundle with a linked source map (build/server/main.js) are mapped back to their
// TypeScript file and line through Node's own source-map reader (node:module SourceMap).
// The map is read when summarising, from the bundle's path: summarise before rebuilding, or the
// lines are those of the newer build.
// Two ways to leave set-up load out:
// - `--windows` keeps only the samples taken inside the given [fromUs, toUs] windows of the
//   monotonic clock (the clock of the profile's timestamps; bench/scenarios/notifications.ts
//   reports its platform rounds as `platformWindowsUs`);
// - `--only-after-ms N` skips the samples of the profile's first N milliseconds (start-up).
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  ms: number;
  /** Percent of the busy time. */
  share: number;
}

export interface ProfileSummary {
  /** Samples counted (in the windows / after the start-up, not idle). */
  samples: number;
  busyMs: number;
  idleMs: number;
  /** Self time by function. */
  self: Row[];
  /** Total (inclusive) time by function. */
  total: Row[];
  /** Self time by package, project file, Node internals, GC, V8 and native function. */
  groups: Row[];
}

export interface SummaryOptions {
  /** Rows per table (30). */
  top?: number;
  /** Keeps only the samples inside these [fromUs, toUs] windows of the profile's clock. */
  windowsUs?: [number, number][];
  /** Skips the samples of the profile's first milliseconds (start-up). */
  afterMs?: number;
}

const sourceMaps = new Map<string, SourceMap | null>();

/** The source map linked from a bundle (`//# sourceMappingURL=` beside it), or null. */
function sourceMapOf(url: string): SourceMap | null {
  if (!sourceMaps.has(url)) {
    let map: SourceMap | null = null;
    try {
      const file = url.startsWith("file:") ? fileURLToPath(url) : url;
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url) ?? null;
}

/** Where a frame comes from: its source file (mapped through a source map) and line, both 1-based. */
function locate(frame: CallFrame): { file: string; line: number } {
  if (!frame.url) return { file: "", line: 0 };
  const map = sourceMapOf(frame.url);
  if (map) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
    if (entry?.originalSource) return { file: entry.originalSource, line: (entry.originalLine ?? 0) + 1 };
  }
  return { file: frame.url, line: frame.lineNumber + 1 };
}

/** A package's name (`@scope/name` or `name`) from a path inside node_modules/, or null. */
function packageName(file: string): string | null {
  const nm = file.lastIndexOf("node_modules/");
  if (nm < 0) return null;
  const rest = file.slice(nm + "node_modules/".length).split("/");
  return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** A file as shown in function rows: inside its package, or relative to the project. */
function shortFile(file: string): string {
  const nm = file.lastIndexOf("node_modules/");
  if (nm >= 0) return file.slice(nm + "node_modules/".length);
  if (file.startsWith("node:")) return file;
  const clean = file.replace(/^file:\/\//, "");
  const at = clean.search(/\/(server|app|db|bench)\//);
  return at >= 0 ? clean.slice(at + 1) : path.basename(clean);
}

/** A sample's group: a package, node's internals, the project's own file, GC, V8, or a native function. */
export function groupOf(file: string, functionName = ""): string {
  if (!file) {
    if (functionName === "(garbage collector)") return "(garbage collector)";
    if (functionName === "(program)") return "(program: V8, native)";
    return functionName ? `(native) ${functionName}` : "(native / V8)";
  }
  if (file.startsWith("node:")) return "node: internals";
  const pkg = packageName(file);
  return pkg ? `pkg ${pkg}` : shortFile(file);
}

/** Summarises a profile: self and total time by function, self time by group, as shares of busy time. */
export function summariseCpuProfile(profile: CpuProfile, opts: SummaryOptions = {}): ProfileSummary {
  const top = opts.top ?? 30;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const keyCache = new Map<number, { fn: string; group: string }>();
  const keyOf = (id: number) => {
    let k = keyCache.get(id);
    if (!k) {
      const frame = byId.get(id)!.callFrame;
      const where = locate(frame);
      const name = frame.functionName || "(anonymous)";
      k = { fn: where.file ? `${name} ${shortFile(where.file)}:${where.line}` : name, group: groupOf(where.file, frame.functionName) };
      keyCache.set(id, k);
    }
    return k;
  };

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const groups = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let count = 0;
  let t = profile.startTime;
  const inWindow = (at: number) => !opts.windowsUs || opts.windowsUs.some(([from, to]) => at >= from && at <= to);
  const afterUs = (opts.afterMs ?? 0) * 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const us = Math.max(0, profile.timeDeltas[i + 1] ?? 0);
    if (t - profile.startTime < afterUs || !inWindow(t)) continue;
    const id = profile.samples[i];
    const leaf = keyOf(id);
    if (leaf.fn === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    count++;
    self.set(leaf.fn, (self.get(leaf.fn) ?? 0) + us);
    groups.set(leaf.group, (groups.get(leaf.group) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(at).fn;
      if (seen.has(k) || k === "(root)") continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const rows = (m: Map<string, number>): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: Math.round((us / Math.max(busyUs, 1)) * 1000) / 10 }));
  return {
    samples: count,
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    self: rows(self),
    total: rows(total),
    groups: rows(groups),
  };
}

export function formatProfileSummary(s: ProfileSummary, title: string): string {
  const table = (heading: string, rows: Row[]) =>
    [`## ${heading}`, ...rows.map((r) => `${r.share.toFixed(1).padStart(6)} %  ${r.ms.toFixed(1).padStart(9)} ms  ${r.name}`)].join("\n");
  return [
    `# ${title}: ${s.samples} samples, busy ${s.busyMs} ms, idle ${s.idleMs} ms (shares below are of busy time)`,
    "",
    table("self time by package / file", s.groups),
    "",
    table("self time by function", s.self),
    "",
    table("total time by function (with what it called)", s.total),
    "",
  ].join("\n");
}

const usage = "usage: tsx bench/harness/cpu-profile-summary.ts <file.cpuprofile> [--top N] [--windows windows.json] [--only-after-ms N]";

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  const { file, top, windowsFile, afterMs } = parsed;
  const windowsUs = windowsFile ? (JSON.parse(readFileSync(windowsFile, "utf8")) as [number, number][]) : undefined;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  process.stdout.write(formatProfileSummary(summariseCpuProfile(profile, { top, windowsUs, afterMs }), path.basename(file)));
}

function parseCli(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { top: { type: "string" }, windows: { type: "string" }, "only-after-ms": { type: "string" } },
  });
  const number = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} takes a non-negative number, not "${value}"`);
    return n;
  };
  if (positionals.length !== 1) throw new Error("one profile file is needed");
  return { file: positionals[0], top: number("top", values.top), windowsFile: values.windows, afterMs: number("only-after-ms", values["only-after-ms"]) };
}
