import { createServer, type Server } from "node:http";

/** A merchant's webhook endpoint that counts every delivery by webhook-id. */
export async function startCountingReceiver(): Promise<{ url: string; deliveries: Map<string, number>; total(): number; close(): Promise<void> }> {
  const deliveries = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/hooks/astapa`,
    deliveries,
    total: () => [...deliveries.values()].reduce((a, b) => a + b, 0),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
