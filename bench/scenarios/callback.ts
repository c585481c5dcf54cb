import { request } from "node:http";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { percentile, round, runLoad } from "../harness/load";

/** Time to the first byte of the body for one GET (ms). */
function firstByte(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(url, (res) => {
      res.once("data", () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
      res.resume();
    });
    req.on("error", reject);
    req.end();
  });
}

/** The JavaScript a buyer's browser loads for the callback page, gzip-compressed, in bytes. */
export async function callbackPageJsGzipBytes(root = process.cwd()): Promise<{ files: number; rawBytes: number; gzipBytes: number }> {
  const build = await import(pathToFileURL(path.join(root, "build/index.js")).href);
  const assets = build.assets as { entry: { module: string; imports: string[] }; routes: Record<string, { module: string; imports?: string[] }>; url: string };
  const files = new Set<string>([assets.entry.module, ...assets.entry.imports, assets.url]);
  for (const id of ["root", "routes/purchase.callback"]) {
    const r = assets.routes[id];
    if (r) for (const f of [r.module, ...(r.imports ?? [])]) files.add(f);
  }
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const content = readFileSync(path.join(root, "public", f));
    rawBytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: files.size, rawBytes, gzipBytes };
}

/** Server-rendered callback page: responses/s under load and first-byte p50, per state. */
export async function benchCallback(o: { platformUrl: string; states: Record<string, string>; durationSec: number; connections: number; samples: number }) {
  const perState: Record<string, { requestsPerSec: number; p50: number; p99: number; firstByteP50: number; errors: number }> = {};
  for (const [state, orderId] of Object.entries(o.states)) {
    const url = `${o.platformUrl}/purchase/callback?order_id=${encodeURIComponent(orderId)}`;
    const load = await runLoad({ url, connections: o.connections, durationSec: o.durationSec });
    const ttfb: number[] = [];
    for (let i = 0; i < o.samples; i++) ttfb.push(await firstByte(url));
    perState[state] = { requestsPerSec: load.requestsPerSec, p50: load.p50, p99: load.p99, firstByteP50: round(percentile(ttfb, 50), 2), errors: load.errors };
  }
  return { connections: o.connections, perState, javascript: await callbackPageJsGzipBytes() };
}
