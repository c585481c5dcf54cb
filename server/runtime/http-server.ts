import { createServer, type Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import type { Platform } from "./platform";
import { createRequestListener } from "./http-app";

export async function loadRemixBuild(buildPath = path.resolve("build/index.js")): Promise<ServerBuild> {
  return (await import(pathToFileURL(buildPath).href)) as ServerBuild;
}

/** Listens; resolves with the server and its base URL (port 0 picks a free port). */
export async function listen(
  platform: Platform,
  opts: { port: number; host: string; remixBuild?: ServerBuild },
): Promise<{ server: Server; url: string }> {
  const listener = createRequestListener(platform.ctx, { remixBuild: opts.remixBuild });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(listener).listen(opts.port, opts.host, () => resolve(s));
    s.once("error", reject);
  });
  // Slow clients cannot hold sockets forever; Midtrans waits 15 s at most anyway.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return { server, url: `http://${opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host}:${port}` };
}
