import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import type { Platform } from "./platform";
import { createRequestListener } from "./http-app";

export async function loadRemixBuild(buildPath = path.resolve("build/index.js")): Promise<ServerBuild> {
  return (await import(pathToFileURL(buildPath).href)) as ServerBuild;
}

/**
 * How long a client may take, and what it may hold (README "Timeouts"). Slow clients cannot hold
 * sockets or memory forever; Midtrans waits 15 s at most for a notification's answer anyway.
 */
export interface HttpTimeouts {
  /** The request line and headers must have arrived within this (slow headers). */
  headersTimeoutMs: number;
  /** The whole request, headers and body (slow bodies). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /**
   * A client that stops reading its answer: the connection is closed once nothing more of the
   * answer has left this process for this long (it is otherwise held, with its buffers, forever).
   */
  sendStallTimeoutMs: number;
  /** Backstop: a connection with no traffic either way for this long is closed. */
  socketIdleTimeoutMs: number;
  /**
   * How often the limits above are checked. Node checks headers and request timeouts only every
   * `connectionsCheckingInterval` (default 30 s), which made a 15 s limit cut at 30 s or later.
   */
  checkIntervalMs: number;
  /**
   * Pipelined requests on one connection are answered one after the other (each answer is
   * produced once the previous one has gone out, not all at once into memory); a connection
   * with more than this many waiting is closed.
   */
  maxPipelinedRequests: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  sendStallTimeoutMs: 30_000,
  socketIdleTimeoutMs: 120_000,
  checkIntervalMs: 1_000,
  maxPipelinedRequests: 16,
};

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Node hands every pipelined request of a received chunk to the listener at once, and buffers
 * the answers of all but the first in memory until the client reads: measured, 30 clients that
 * never read grew memory by 96 MB. Here one request per connection is in the app at a time.
 */
export function oneRequestAtATime(listener: Listener, maxQueued: number): Listener {
  const busy = new WeakSet<Socket>();
  const queues = new WeakMap<Socket, [IncomingMessage, ServerResponse][]>();
  const run = (socket: Socket, req: IncomingMessage, res: ServerResponse) => {
    busy.add(socket);
    res.once("close", () => {
      busy.delete(socket);
      const next = queues.get(socket)?.shift();
      if (!next) return;
      if (socket.destroyed) queues.delete(socket);
      else run(socket, next[0], next[1]);
    });
    listener(req, res);
  };
  return (req, res) => {
    const socket = req.socket;
    if (!busy.has(socket)) return run(socket, req, res);
    let queue = queues.get(socket);
    if (!queue) {
      queue = [];
      queues.set(socket, queue);
      socket.once("close", () => queues.delete(socket));
    }
    if (queue.length >= maxQueued) {
      socket.destroy();
      return;
    }
    queue.push([req, res]);
  };
}

/**
 * Closes connections whose answer has stopped leaving: bytes are waiting to be written and none
 * has been taken by the client for `stallMs`. A slow reader that keeps reading is not cut.
 */
function watchSendStalls(server: Server, stallMs: number, everyMs: number): void {
  // Per open connection: the bytes it had flushed at the last check, and since when unchanged.
  const progress = new Map<Socket, { flushed: number; since: number }>();
  server.on("connection", (socket: Socket) => {
    progress.set(socket, { flushed: 0, since: Date.now() });
    socket.once("close", () => progress.delete(socket));
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [socket, p] of progress) {
      const flushed = socket.bytesWritten - socket.writableLength;
      if (socket.writableLength === 0 || flushed !== p.flushed) {
        p.flushed = flushed;
        p.since = now;
      } else if (now - p.since >= stallMs) {
        progress.delete(socket);
        socket.destroy();
      }
    }
  }, everyMs);
  timer.unref();
  server.once("close", () => clearInterval(timer));
}

/** An HTTP server (not yet listening) for `listener` that holds slow clients to `timeouts`. */
export function createHttpServer(listener: Listener, timeouts: Partial<HttpTimeouts> = {}): Server {
  const limits: HttpTimeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    oneRequestAtATime(listener, limits.maxPipelinedRequests),
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.socketIdleTimeoutMs;
  watchSendStalls(server, limits.sendStallTimeoutMs, limits.checkIntervalMs);
  return server;
}

/** Listens; resolves with the server and its base URL (port 0 picks a free port). */
export async function listen(
  platform: Platform,
  opts: { port: number; host: string; remixBuild?: ServerBuild; timeouts?: Partial<HttpTimeouts> },
): Promise<{ server: Server; url: string }> {
  const server = createHttpServer(createRequestListener(platform.ctx, { remixBuild: opts.remixBuild }), opts.timeouts);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return { server, url: `http://${opts.host === "0.0.0.0" ? "127.0.0.1" : opts.host}:${port}` };
}
