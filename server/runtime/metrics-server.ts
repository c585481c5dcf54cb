import { createServer, type Server } from "node:http";
import type { Logger } from "../config/logger";
import type { Metrics } from "../platform/metrics";

/**
 * Prometheus's scrape endpoint, `GET /metrics`, on its own port (METRICS_PORT, bound to
 * METRICS_HOST, loopback by default): never on the public port, where anyone could read the
 * traffic figures (docs/operations.md#metrics).
 */
export async function startMetricsServer(metrics: Metrics, opts: { port: number; host: string; logger?: Logger }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found: scrape /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("Method not allowed\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (err: unknown) => {
        opts.logger?.error({ err: err instanceof Error ? err.message : String(err) }, "metrics scrape failed");
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("Scrape failed\n");
      },
    );
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  const url = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}/metrics`;
  opts.logger?.info({ url }, "metrics server listening");
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
