/** Test helpers for webhooks: a real HTTP receiver, a movable clock, seeded events. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import { enqueueWebhookEvent } from "../webhooks/events";

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the body had fully arrived. */
  at: number;
}

/** What the receiver does with a request: answer, hang (never answer), or drop the connection. */
export type ReceiverBehaviour =
  | { status: number; headers?: Record<string, string>; body?: string }
  | "hang"
  | "destroy";

export interface Receiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  behave(fn: (r: ReceivedWebhook) => ReceiverBehaviour): void;
  /** Stops listening (connection refused afterwards); start() listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  onReceive?: (r: ReceivedWebhook) => void;
}

export async function startReceiver(behaviour: (r: ReceivedWebhook) => ReceiverBehaviour = () => ({ status: 200, body: "ok" })): Promise<Receiver> {
  let behave = behaviour;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let server: Server;
  let port = 0;
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    behave(fn) {
      behave = fn;
    },
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const r: ReceivedWebhook = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
          receiver.received.push(r);
          receiver.onReceive?.(r);
          const b = behave(r);
          if (b === "hang") return void hanging.add(res);
          if (b === "destroy") return void req.socket.destroy();
          res.writeHead(b.status, { "content-type": "text/plain", ...b.headers });
          res.end(b.body ?? "");
        });
      });
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve());
      });
      port = (server.address() as AddressInfo).port;
      receiver.port = port;
      receiver.url = `http://127.0.0.1:${port}/webhooks/astapa`;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      hanging.clear();
      await new Promise<void>((r) => server.close(() => r()));
    },
    async close() {
      if (server.listening) await receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}

/** A clock that follows real time plus an offset the test moves forward. */
export function testClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(ms: number) {
      offset += ms;
    },
  };
}

/**
 * Settled purchases with their pending `item.purchased` events, written straight to the
 * database (for worker tests that need many events without going through Midtrans).
 */
export async function seedEvents(
  sql: Db,
  projectId: string,
  n: number,
  opts: { environment?: "sandbox" | "production"; now?: Date } = {},
): Promise<string[]> {
  const environment = opts.environment ?? "sandbox";
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const purchaseId = newId("pur");
    const orderId = `seed-${newId("ord", 12)}`;
    await sql`
      insert into purchases (id, project_id, environment, order_id, amount, buyer_email, status, paid_at)
      values (${purchaseId}, ${projectId}, ${environment}, ${orderId}, 75000, 'buyer@example.com', 'settlement', now())`;
    await enqueueWebhookEvent(sql, {
      project_id: projectId,
      purchase_id: purchaseId,
      event_type: "item.purchased",
      payload: {
        event: "item.purchased",
        order_id: orderId,
        item_id: "__direct__",
        item_name: `Order ${orderId}`,
        buyer_email: "buyer@example.com",
        buyer_name: null,
        amount: 75000,
        currency: "IDR",
        paid_at: "2026-05-06T10:00:00Z",
        metadata: {},
        purchase_id: purchaseId,
        environment,
      },
      now: opts.now,
    });
    const [row] = await sql<{ id: string }[]>`select id from webhook_events where purchase_id = ${purchaseId}`;
    ids.push(row.id);
  }
  return ids;
}
