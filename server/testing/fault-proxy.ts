import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

export type FaultMode = "pass" | "status500" | "status503" | "hang" | "reset";

/**
 * An HTTP proxy in front of the simulator that can misbehave on demand: answer 5xx,
 * never answer, or drop the connection. Lets tests exercise Midtrans outages for real.
 */
export async function startFaultProxy(target: string): Promise<{ url: string; mode: FaultMode; requests: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { mode: "pass" as FaultMode, requests: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    switch (state.mode) {
      case "status500":
      case "status503":
        res.writeHead(state.mode === "status500" ? 500 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ status_code: state.mode.slice(6), status_message: "Internal server error (injected)" }));
        return;
      case "hang":
        return; // never answers; the client's timeout must fire
      case "reset":
        req.socket.destroy();
        return;
      case "pass": {
        const upstream = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      }
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
