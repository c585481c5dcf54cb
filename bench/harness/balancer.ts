import { createServer, request, type Server } from "node:http";
import type { Socket } from "node:net";

/**
 * A round-robin HTTP load balancer in front of several web processes, as in production:
 * a backend that refuses the connection is skipped, like a failed health check would.
 */
export async function startBalancer(backends: () => string[]): Promise<{ url: string; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const list = backends();
      const attempt = (tries: number) => {
        const target = list[next++ % list.length];
        const up = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on("error", (err: NodeJS.ErrnoException) => {
          // Not yet answered and the backend is down: try the next one.
          if (err.code === "ECONNREFUSED" && tries < list.length) return attempt(tries + 1);
          if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: "bad_gateway", message: String(err.code ?? err.message) } }));
        });
        up.end(body);
      };
      attempt(1);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
