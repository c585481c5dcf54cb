import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { addressAllowed, DestinationNotAllowedError, guardedLookup, resolveAll, type DestinationPolicy, type ResolveAll } from "./destination";

export const DEFAULT_TIMEOUT_MS = 15_000;
/** Kept from the merchant's answer for the attempt log. */
export const RESPONSE_BODY_LIMIT = 1024;
/** Past this, the rest of an answer is not read (the socket is dropped). */
const DRAIN_LIMIT = 64 * 1024;

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Where this webhook may go (destination.ts: the one rule for saves, tests and deliveries). */
  policy: DestinationPolicy;
  timeoutMs?: number;
  /** Aborts the request (worker shutdown). */
  signal?: AbortSignal;
  resolve?: ResolveAll;
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  /** First 1 KB of the answer, as text. */
  responseBody: string | null;
  retryAfter: string | null;
  error: string | null;
  durationMs: number;
  /** True when the request was cut short by `signal` (not the merchant's fault). */
  aborted: boolean;
}

const USER_AGENT = "Astapa-Webhooks/1.0";
// Keep-alive saves a TLS handshake per event for busy merchants; idle sockets are dropped
// after 4 s, before common servers' own 5 s keep-alive timeout can race a reuse.
// Each destination policy has its own pool: a socket opened under a looser check (loopback
// allowed, or none) must never be reused by a request held to a stricter one.
const agentOptions = { keepAlive: true, timeout: 4_000, maxSockets: 32 };
const pool = () => ({ http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) });
const agents: Record<DestinationPolicy, ReturnType<typeof pool>> = { public: pool(), public_or_loopback: pool(), any: pool() };

/**
 * One POST to a merchant. Never throws: every outcome is a result to record. Redirects are
 * not followed (a 3xx is a failure): following one could leave the checked destination.
 */
export function deliverOnce(req: DeliveryRequest): Promise<DeliveryResult> {
  const started = performance.now();
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const done = (r: Omit<DeliveryResult, "durationMs" | "aborted">, aborted = false): DeliveryResult => ({
    ...r,
    durationMs: Math.round(performance.now() - started),
    aborted,
  });
  const fail = (error: string) => done({ ok: false, status: null, responseBody: null, retryAfter: null, error });

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve(fail("invalid webhook URL"));
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.resolve(fail(`unsupported URL scheme ${url.protocol}`));
  // WHATWG URL has already normalised numeric hosts (127.1, 0x7f000001, 2130706433 → 127.0.0.1).
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // IP literals skip `lookup`, so they are checked here; names are checked at connect time.
  if (isIP(host) && !addressAllowed(req.policy, host)) {
    return Promise.resolve(fail(new DestinationNotAllowedError(host, host).message));
  }

  return new Promise<DeliveryResult>((resolvePromise) => {
    let settled = false;
    const finish = (r: DeliveryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onAbort);
      resolvePromise(r);
    };
    const secure = url.protocol === "https:";
    const request = (secure ? https : http).request(
      url,
      {
        method: "POST",
        agent: agents[req.policy][secure ? "https" : "http"],
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "content-length": Buffer.byteLength(req.body),
          ...req.headers,
        },
        lookup: guardedLookup(req.policy, req.resolve ?? resolveAll),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        let seen = 0;
        const complete = () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString("utf8").replaceAll("\u0000", "");
          const ok = status >= 200 && status < 300;
          const redirect = status >= 300 && status < 400;
          finish(
            done({
              ok,
              status,
              responseBody: text,
              retryAfter: headerValue(res.headers["retry-after"]),
              error: redirect ? `redirect not followed${res.headers.location ? ` (Location: ${String(res.headers.location).slice(0, 200)})` : ""}` : null,
            }),
          );
        };
        res.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (kept < RESPONSE_BODY_LIMIT) {
            chunks.push(chunk);
            kept += chunk.length;
          }
          if (seen > DRAIN_LIMIT) {
            complete();
            res.destroy();
          }
        });
        res.on("end", complete);
        res.on("error", complete); // a cut-off body still has its status
        res.on("close", complete); // whatever happens, settle once (finish ignores repeats)
      },
    );
    request.on("error", (err: NodeJS.ErrnoException) => finish(fail(describeError(err))));
    const timer = setTimeout(() => {
      finish(fail(`timeout after ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish(done({ ok: false, status: null, responseBody: null, retryAfter: null, error: "aborted: worker stopping" }, true));
      request.destroy();
    };
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener("abort", onAbort, { once: true });
    request.end(req.body);
  });
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));

function describeError(err: NodeJS.ErrnoException): string {
  if (err instanceof DestinationNotAllowedError) return err.message;
  const msg = err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
  return msg.slice(0, 500);
}
