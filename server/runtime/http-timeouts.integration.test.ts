import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { startTestPlatform, waitFor, type TestPlatform } from "../testing/platform";
import { createHttpServer, listen, type HttpTimeouts } from "./http-server";

/**
 * Slow clients are cut (README "Timeouts"), here with the limits shortened: the real platform's
 * listener for slow headers, slow bodies and pipelining, and a server streaming a large answer
 * for a client that never reads it. Each test waits for the server to close the connection; the
 * cut-off times themselves are measured by `npm run test:resilience` (bench/resilience/slow-clients.ts).
 */
const SHORT: Partial<HttpTimeouts> = {
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  keepAliveTimeoutMs: 1_000,
  sendStallTimeoutMs: 1_000,
  checkIntervalMs: 200,
};

let t: TestPlatform;
let server: Server;
let port = 0;
let bulk: Server;
let bulkPort = 0;
/** Client ports whose connection the server has closed on its side (a paused client cannot see it). */
const closedByServer = new Set<number>();
const trackClosures = (s: Server) =>
  s.on("connection", (socket) => {
    const remote = socket.remotePort;
    socket.once("close", () => remote !== undefined && closedByServer.add(remote));
  });
const BULK_BYTES = 32 * 1024 * 1024;

const portOf = (s: Server) => {
  const a = s.address();
  return typeof a === "object" && a ? a.port : 0;
};

beforeAll(async () => {
  t = await startTestPlatform();
  ({ server } = await listen(t.platform, { port: 0, host: "127.0.0.1", timeouts: SHORT }));
  port = portOf(server);
  trackClosures(server);
  // An answer far larger than the socket buffers: a client that does not read it stalls the send.
  const chunk = Buffer.alloc(64 * 1024, 120);
  bulk = createHttpServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BULK_BYTES });
    let sent = 0;
    const pump = () => {
      while (sent < BULK_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  }, SHORT);
  await new Promise<void>((r) => bulk.listen(0, "127.0.0.1", r));
  bulkPort = portOf(bulk);
  trackClosures(bulk);
});

afterAll(async () => {
  server?.closeAllConnections();
  bulk?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await new Promise<void>((r) => (bulk ? bulk.close(() => r()) : r()));
  await t?.close();
});

/** A raw connection that records what it received and when it was closed. */
function rawClient(p: number, opts: { read?: boolean } = {}) {
  const socket: Socket = connect(p, "127.0.0.1");
  const state = {
    closed: false,
    received: "",
    /** The server closed its end (seen from the server: a client that does not read never learns it). */
    closedByServer: () => socket.localPort !== undefined && closedByServer.has(socket.localPort),
  };
  if (opts.read === false) socket.pause();
  else socket.on("data", (d) => (state.received += d.toString("latin1")));
  socket.on("error", () => {});
  socket.on("close", () => (state.closed = true));
  return { socket, state, ready: new Promise<void>((r) => socket.once("connect", () => r())) };
}

describe("slow clients", () => {
  it("closes a connection whose headers never finish (408)", async () => {
    const c = rawClient(port);
    await c.ready;
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    const trickle = setInterval(() => c.socket.write("a"), 100);
    try {
      await waitFor(() => c.state.closed, { timeoutMs: 10_000 });
    } finally {
      clearInterval(trickle);
    }
    expect(c.state.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes a connection whose body never finishes (408)", async () => {
    const c = rawClient(port);
    await c.ready;
    c.socket.write("POST /api/platform/shop-payment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const trickle = setInterval(() => c.socket.write(" "), 100);
    try {
      await waitFor(() => c.state.closed, { timeoutMs: 10_000 });
    } finally {
      clearInterval(trickle);
    }
    expect(c.state.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes an idle keep-alive connection", async () => {
    const c = rawClient(port);
    await c.ready;
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor(() => c.state.received.includes("\r\n\r\n"), { timeoutMs: 10_000 });
    await waitFor(() => c.state.closed, { timeoutMs: 10_000 });
    expect(c.state.received).toMatch(/^HTTP\/1\.1 200/);
  });

  it("closes a connection whose client never reads its answer", async () => {
    const c = rawClient(bulkPort, { read: false });
    await c.ready;
    c.socket.write("GET /bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor(() => c.state.closedByServer(), { timeoutMs: 20_000 });
    // What was already in the socket buffers arrives, then the end: the answer was cut short.
    let bytes = 0;
    c.socket.on("data", (d) => {
      bytes += d.length;
    });
    c.socket.resume();
    await waitFor(() => c.state.closed, { timeoutMs: 20_000 });
    expect(bytes).toBeLessThan(BULK_BYTES);
  });

  it("does not cut a client that reads slowly but steadily", async () => {
    const c = rawClient(bulkPort, { read: false });
    await c.ready;
    let bytes = 0;
    c.socket.on("data", (d) => {
      bytes += d.length;
    });
    c.socket.write("GET /bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // Reads in bursts, pausing 300 ms between them: never a second without taking something.
    const reader = setInterval(() => {
      c.socket.resume();
      setTimeout(() => c.socket.pause(), 50);
    }, 300);
    try {
      await waitFor(() => bytes > BULK_BYTES || c.state.closed, { timeoutMs: 60_000 });
    } finally {
      clearInterval(reader);
    }
    expect(c.state.closed).toBe(false);
    expect(bytes).toBeGreaterThan(BULK_BYTES);
    c.socket.destroy();
  }, 90_000);
});

describe("pipelining", () => {
  it("answers a few pipelined requests in order", async () => {
    const c = rawClient(port);
    await c.ready;
    const healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    c.socket.write(`${healthz.repeat(4)}GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await waitFor(() => (c.state.received.match(/HTTP\/1\.1 /g) ?? []).length === 5, { timeoutMs: 10_000 });
    expect(c.state.received.match(/HTTP\/1\.1 \d+/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 404"]);
    c.socket.destroy();
  });

  it("closes a connection that piles up more pipelined requests than allowed", async () => {
    const c = rawClient(port, { read: false });
    await c.ready;
    c.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(200));
    await waitFor(() => c.state.closedByServer(), { timeoutMs: 10_000 });
  });
});
