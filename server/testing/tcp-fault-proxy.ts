import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a database that can be frozen: while frozen it forwards nothing in
 * either direction and connects nothing new, but keeps every socket open — a stalled network
 * path, not a refused one (the server never sees the query; the client sees no error). Thawing
 * forwards what waited, as a healed path would.
 */
export interface TcpFaultProxy {
  host: string;
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  freeze(): void;
  thaw(): void;
  readonly frozen: boolean;
  /** Sees every chunk forwarded, per connection (e.g. pg-round-trips.ts counts round trips). */
  tap?: (connection: object, from: "client" | "server", chunk: Buffer) => void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** Bytes the client sent before the upstream connection existed. */
  pending: Buffer[];
}

export async function startTcpFaultProxy(target: { host: string; port: number }): Promise<TcpFaultProxy> {
  const pairs = new Set<Pair>();
  let frozen = false;

  const connectUpstream = (pair: Pair) => {
    const upstream = createConnection(target.port, target.host);
    pair.upstream = upstream;
    upstream.on("data", (d) => {
      proxy.tap?.(pair, "server", d);
      if (!pair.client.write(d)) upstream.pause();
    });
    pair.client.on("drain", () => !frozen && upstream.resume());
    upstream.on("drain", () => !frozen && pair.client.resume());
    upstream.on("error", () => pair.client.destroy());
    upstream.on("close", () => pair.client.destroy());
    for (const b of pair.pending.splice(0)) upstream.write(b);
  };

  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: null, pending: [] };
    pairs.add(pair);
    client.on("data", (d) => {
      proxy.tap?.(pair, "client", d);
      if (!pair.upstream) pair.pending.push(d);
      else if (!pair.upstream.write(d)) client.pause();
    });
    client.on("error", () => pair.upstream?.destroy());
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (frozen) client.pause();
    else connectUpstream(pair);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;

  const proxy: TcpFaultProxy = {
    host: "127.0.0.1",
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) {
        p.client.pause();
        p.upstream?.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const p of pairs) {
        if (!p.upstream) connectUpstream(p);
        p.client.resume();
        p.upstream?.resume();
      }
    },
    async close() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return proxy;
}
