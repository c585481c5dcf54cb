import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import midtransClient from "midtrans-client";
import type { MidtransSimulator } from "../simulator/index";

/** The part of midtrans-client's Snap the tests use, including internals (apiConfig, httpClient) they repoint. */
export interface SnapClient {
  createTransaction(body: object): Promise<{ token: string; redirect_url: string }>;
  transaction: {
    status(id: string): Promise<Record<string, unknown>>;
    cancel(id: string): Promise<Record<string, unknown>>;
    expire(id: string): Promise<Record<string, unknown>>;
    approve(id: string): Promise<Record<string, unknown>>;
    deny(id: string): Promise<Record<string, unknown>>;
    refund(id: string, body: object): Promise<Record<string, unknown>>;
  };
  apiConfig: { getSnapApiBaseUrl: () => string; getCoreApiBaseUrl: () => string };
  /** axios instance: `defaults.timeout` (ms) is the client's own request timeout (0: none). */
  httpClient: { http_client: { defaults: { headers: { common: Record<string, string> }; timeout?: number } } };
}

export interface MidtransErrorLike {
  httpStatusCode: number | string;
  ApiResponse: Record<string, unknown>;
}

/** An unmodified midtrans-client Snap instance pointed at the simulator, like the platform does it. */
export function snapClient(sim: MidtransSimulator, opts: { serverKey?: string; headers?: Record<string, string> } = {}): SnapClient {
  const Snap = (midtransClient as unknown as { Snap: new (o: object) => SnapClient }).Snap;
  const snap = new Snap({ isProduction: false, serverKey: opts.serverKey ?? sim.serverKey, clientKey: "x" });
  snap.apiConfig.getSnapApiBaseUrl = () => `${sim.url}/snap/v1`;
  snap.apiConfig.getCoreApiBaseUrl = () => sim.url;
  // midtrans-client's documented way to set X-Override-Notification (per instance).
  Object.assign(snap.httpClient.http_client.defaults.headers.common, opts.headers ?? {});
  return snap;
}

/** Runs a promise expected to reject with a MidtransError and returns that error. */
export async function midtransError(promise: Promise<unknown>): Promise<MidtransErrorLike> {
  try {
    await promise;
  } catch (err) {
    return err as MidtransErrorLike;
  }
  throw new Error("expected a MidtransError, the call succeeded");
}

let counter = 0;
export function orderId(prefix = "ORDER"): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers the next requests with these statuses, then 200. */
  answerWith(...statuses: number[]): void;
  close(): Promise<void>;
}

/** A merchant notification endpoint that records what it gets. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const queue: number[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      const status = queue.shift() ?? 200;
      res.writeHead(status, status >= 300 && status < 400 ? { location: "/elsewhere" } : {}).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerWith: (...statuses) => void queue.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { waitFor } from "./wait";

/** Submits a payment page form the way a browser does, without following the redirect. */
export function submitForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

/** What a merchant does with a notification: recompute the signature from the received strings. */
export function expectedSignature(body: Record<string, unknown>, serverKey: string): string {
  return createHash("sha512")
    .update(`${String(body.order_id)}${String(body.status_code)}${String(body.gross_amount)}${serverKey}`)
    .digest("hex");
}

export const SERVER_KEY = "SB-Mid-server-TEST-KEY";
export const SUCCESS_CARD = { card_number: "4811 1111 1111 1114", card_expiry: "12/39", card_cvv: "123" };
