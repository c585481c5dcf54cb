import midtransClient from "midtrans-client";
import http from "node:http";
import https from "node:https";
import { midtransTransactionSchema, type MidtransTransaction } from "./midtrans.schema";

export type Environment = "sandbox" | "production";
export const environments: readonly Environment[] = ["sandbox", "production"];

export interface GatewayEnvironmentConfig {
  serverKey: string;
  clientKey?: string;
  /** Set for the simulator: both Snap (`{baseUrl}/snap/v1`) and Core (`{baseUrl}`) go there. */
  baseUrl?: string;
}

export type GatewayFailureKind = "unreachable" | "timeout" | "server_error" | "unauthorized" | "rejected";

/** A Midtrans call that did not succeed, classified for the caller (retryable or not). */
export class MidtransGatewayError extends Error {
  constructor(
    readonly kind: GatewayFailureKind,
    message: string,
    readonly httpStatus: number | null,
    readonly midtransMessages: string[] = [],
  ) {
    super(message);
    this.name = "MidtransGatewayError";
  }
  get retryable(): boolean {
    return this.kind === "unreachable" || this.kind === "timeout" || this.kind === "server_error";
  }
}

export interface SnapTransactionRequest {
  transaction_details: { order_id: string; gross_amount: number };
  customer_details?: { email?: string; first_name?: string };
  item_details?: { id: string; price: number; quantity: number; name: string }[];
  callbacks?: { finish: string };
  custom_field1?: string;
  [key: string]: unknown;
}

export interface MidtransGateway {
  isConfigured(env: Environment): boolean;
  /** The server key notifications for this environment are signed with. */
  serverKey(env: Environment): string | undefined;
  isSimulated(env: Environment): boolean;
  createSnapTransaction(
    env: Environment,
    request: SnapTransactionRequest,
    opts: { notificationUrl: string },
  ): Promise<{ token: string; redirect_url: string }>;
  /**
   * Get Status; null when Midtrans does not know the order (or the Snap page is unused).
   * `timeoutMs` bounds this call below the gateway's own timeout (the buyer's page waits for it).
   */
  getStatus(env: Environment, orderId: string, opts?: { timeoutMs?: number }): Promise<MidtransTransaction | null>;
  cancel(env: Environment, orderId: string): Promise<MidtransTransaction>;
  refund(env: Environment, orderId: string, body: { refund_key: string; amount?: number; reason?: string }): Promise<MidtransTransaction>;
}

function messagesOf(body: unknown): string[] {
  if (body && typeof body === "object") {
    const b = body as { error_messages?: unknown; status_message?: unknown };
    if (Array.isArray(b.error_messages)) return b.error_messages.map(String);
    if (typeof b.status_message === "string") return [b.status_message];
  }
  return [];
}

function classify(err: unknown): MidtransGatewayError {
  const e = err as { httpStatusCode?: number | string | null; ApiResponse?: unknown; rawHttpClientData?: { code?: string }; message?: string };
  const status = e.httpStatusCode == null ? null : Number(e.httpStatusCode);
  if (status === null) {
    const code = e.rawHttpClientData?.code;
    const timedOut = code === "ECONNABORTED" || code === "ETIMEDOUT";
    return new MidtransGatewayError(
      timedOut ? "timeout" : "unreachable",
      timedOut ? "Midtrans did not answer in time" : "Midtrans could not be reached",
      null,
    );
  }
  const messages = messagesOf(e.ApiResponse);
  if (status >= 500) return new MidtransGatewayError("server_error", `Midtrans answered ${status}`, status, messages);
  if (status === 401) return new MidtransGatewayError("unauthorized", "Midtrans refused the server key", status, messages);
  return new MidtransGatewayError("rejected", messages.join("; ") || `Midtrans answered ${status}`, status, messages);
}

/**
 * Midtrans through the official midtrans-client. A client's axios instance carries its calls'
 * X-Override-Notification header and timeout, and base URLs are set on the instance only; a
 * client holds no state of a call, so one is kept per environment, header set and timeout and
 * shared by concurrent calls (making one per call cost a create about a sixth of its Snap call's
 * CPU: bench/RESULTS.md, session 5).
 */
export function createMidtransGateway(
  config: Partial<Record<Environment, GatewayEnvironmentConfig>>,
  opts: { timeoutMs: number },
): MidtransGateway {
  // Connection reuse across calls: agents hold sockets, not request state, so sharing is safe.
  // Idle sockets close after 4 s, before a typical 5 s server keep-alive could close them under us.
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
  // At most a few dozen keys (environments × notification URL or none × timeouts); bounded all the same.
  const clients = new Map<string, InstanceType<typeof midtransClient.Snap>>();
  function client(env: Environment, headers: Record<string, string> = {}, timeoutMs = opts.timeoutMs) {
    const key = `${env}\u0000${timeoutMs}\u0000${JSON.stringify(headers)}`;
    let snap = clients.get(key);
    if (!snap) {
      if (clients.size >= 64) clients.clear();
      snap = newClient(env, headers, timeoutMs);
      clients.set(key, snap);
    }
    return snap;
  }
  function newClient(env: Environment, headers: Record<string, string>, timeoutMs: number) {
    const c = config[env];
    if (!c) throw new MidtransGatewayError("unauthorized", `Midtrans ${env} is not configured`, null);
    const snap = new midtransClient.Snap({ isProduction: env === "production", serverKey: c.serverKey, clientKey: c.clientKey ?? "" });
    if (c.baseUrl) {
      const base = c.baseUrl.replace(/\/+$/, "");
      snap.apiConfig.getSnapApiBaseUrl = () => `${base}/snap/v1`;
      snap.apiConfig.getCoreApiBaseUrl = () => base;
    }
    const axios = snap.httpClient.http_client;
    axios.defaults.timeout = timeoutMs;
    axios.defaults.maxRedirects = 0;
    axios.defaults.httpAgent = httpAgent;
    axios.defaults.httpsAgent = httpsAgent;
    for (const [k, v] of Object.entries(headers)) axios.defaults.headers.common[k] = v;
    return snap;
  }

  const parse = (body: unknown) => midtransTransactionSchema.parse(body);

  return {
    isConfigured: (env) => Boolean(config[env]),
    serverKey: (env) => config[env]?.serverKey,
    isSimulated: (env) => Boolean(config[env]?.baseUrl),

    async createSnapTransaction(env, request, { notificationUrl }) {
      try {
        const res = await client(env, { "X-Override-Notification": notificationUrl }).createTransaction(request);
        if (!res || typeof res.token !== "string" || typeof res.redirect_url !== "string") {
          throw new MidtransGatewayError("server_error", "Midtrans answered without a token", null);
        }
        return { token: res.token, redirect_url: res.redirect_url };
      } catch (err) {
        throw err instanceof MidtransGatewayError ? err : classify(err);
      }
    },

    async getStatus(env, orderId, callOpts) {
      const timeoutMs = Math.min(callOpts?.timeoutMs ?? opts.timeoutMs, opts.timeoutMs);
      try {
        return parse(await client(env, {}, timeoutMs).transaction.status(encodeURIComponent(orderId)));
      } catch (err) {
        const e = err instanceof MidtransGatewayError ? err : classify(err);
        if (e.httpStatus === 404) return null;
        throw e;
      }
    },

    async cancel(env, orderId) {
      try {
        return parse(await client(env).transaction.cancel(encodeURIComponent(orderId)));
      } catch (err) {
        throw classify(err);
      }
    },

    async refund(env, orderId, body) {
      try {
        return parse(await client(env).transaction.refund(encodeURIComponent(orderId), body));
      } catch (err) {
        throw classify(err);
      }
    },
  };
}
