import type { TcpFaultProxy } from "./tcp-fault-proxy";

/**
 * Counts database round trips on the wire, from the bytes a TcpFaultProxy forwards.
 *
 * The counting rule is turn-taking, per connection: the client sending after it has heard from
 * the server (or for the first time) starts a round trip; whatever else it sends before the
 * server's next bytes rides on that same trip. So statements pipelined back to back (as
 * `Promise.all` inside a transaction sends them) share one round trip, and a statement that
 * waits for the previous one's answer costs its own. BEGIN and COMMIT count like any statement,
 * except postgres.js describing a statement the first time a connection prepares it (a trip
 * that executes nothing: counted apart, as `preparations`, once per statement per connection).
 * So `roundTrips` is the steady-state cost, whichever pooled connection served the request.
 * `statements` counts executed requests (Sync and simple Query messages).
 */
export interface RoundTripCounter {
  /** Round trips since the last reset, all connections together. */
  readonly roundTrips: number;
  /** Requests (statements) since the last reset. */
  readonly statements: number;
  /** Trips that only prepared (described) a statement, since the last reset. */
  readonly preparations: number;
  reset(): void;
  stop(): void;
}

interface ConnState {
  client: Buffer;
  /** The client's first message (startup or SSL request) has no type byte. */
  started: boolean;
  /** The client has sent since the server last sent anything. */
  awaiting: boolean;
  /** The current trip executes something (Execute or Query). */
  executes: boolean;
}

/** Complete messages of `buf` (type byte + int32 length), the rest kept for the next chunk. */
function messages(buf: Buffer, untypedFirst: boolean): { types: string[]; rest: Buffer; consumedUntyped: boolean } {
  const types: string[] = [];
  let at = 0;
  let consumedUntyped = false;
  if (untypedFirst) {
    if (buf.length < 4) return { types, rest: buf, consumedUntyped };
    const len = buf.readInt32BE(0);
    if (buf.length < len) return { types, rest: buf, consumedUntyped };
    at = len;
    consumedUntyped = true;
  }
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    if (buf.length - at < 1 + len) break;
    types.push(String.fromCharCode(buf[at]));
    at += 1 + len;
  }
  return { types, rest: buf.subarray(at), consumedUntyped };
}

export function countRoundTrips(proxy: TcpFaultProxy): RoundTripCounter {
  const conns = new WeakMap<object, ConnState>();
  let roundTrips = 0;
  let statements = 0;
  let preparations = 0;
  proxy.tap = (connection, from, chunk) => {
    let c = conns.get(connection);
    if (!c) {
      // A connection opened before counting began is already past its startup message.
      const code = from === "client" && chunk.length >= 8 ? chunk.readInt32BE(4) : 0;
      const startup = code === 196608 || code === 80877103; // protocol 3.0, SSLRequest
      c = { client: Buffer.alloc(0), started: !startup, awaiting: false, executes: false };
      conns.set(connection, c);
    }
    if (from === "client") {
      const parsed = messages(Buffer.concat([c.client, chunk]), !c.started);
      c.client = parsed.rest;
      if (parsed.consumedUntyped) c.started = true;
      if (c.started && parsed.types.length > 0) c.awaiting = true;
      if (c.awaiting && !c.executes && parsed.types.some((type) => type === "E" || type === "Q")) {
        roundTrips += 1;
        c.executes = true;
      }
      for (const type of parsed.types) if (type === "S" || type === "Q") statements += 1;
    } else {
      if (c.awaiting && !c.executes) preparations += 1;
      c.awaiting = false;
      c.executes = false;
    }
  };
  return {
    get roundTrips() {
      return roundTrips;
    },
    get statements() {
      return statements;
    },
    get preparations() {
      return preparations;
    },
    reset() {
      roundTrips = 0;
      statements = 0;
      preparations = 0;
    },
    stop() {
      proxy.tap = undefined;
    },
  };
}
