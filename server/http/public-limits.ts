import type { NextFunction, Request, Response } from "express";
import { isDomainError } from "../lib/errors";
import { sendError } from "./errors";
import { clientIp } from "./limits";
import type { RateLimits } from "./rate-limit";

/**
 * The public limits of every lookup by order id (verify, the buyer's callback page and its data
 * route; docs/api.md#rate-limits): one point of the shared per-IP budget, and one point of the
 * tighter miss budget, consumed BEFORE the lookup so that parallel misses cannot exceed it, and
 * given back once the answer turns out not to be a 404. Once an address has spent its miss
 * budget every lookup from it is refused, found or not: a 429 says nothing about the order.
 * Returns what to call with the answer's status.
 */
export async function takePublicLookup(limits: RateLimits, ip: string): Promise<(status: number) => void> {
  await limits.take("verifyPerIp", ip);
  await limits.take("notFoundPerIp", ip);
  let settled = false;
  return (status) => {
    if (settled) return;
    settled = true;
    if (status !== 404) void limits.refund("notFoundPerIp", ip).catch(() => {});
  };
}

// Remix reads the path as a URL does (dot segments resolved) and React Router matches it
// case-insensitively, with or without a trailing slash, after percent-decoding: the limit must
// see every spelling that reaches the page.
const CALLBACK_PAGE = /^\/purchase\/callback(?:\/|\.data)?$/i;

/** The path as @remix-run/express gives it to Remix (`new URL(origin + req.originalUrl)`), decoded. */
function pagePath(req: Request): string {
  let pathname: string;
  try {
    pathname = new URL(`http://local${req.originalUrl}`).pathname;
  } catch {
    return req.path;
  }
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

/** The single-fetch data request (`/purchase/callback.data`, or the older `?_data=`): answered in JSON. */
const isDataRequest = (req: Request, path: string) => path.toLowerCase().endsWith(".data") || "_data" in req.query;

/**
 * Express middleware in front of Remix for /purchase/callback and its data route: the same
 * limits as verify (takePublicLookup). Over a limit: 429 with Retry-After, as a small HTML page
 * in Bahasa Indonesia for the buyer, as the API's JSON error for the data route.
 */
export function callbackPageLimits(limits: RateLimits) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const path = pagePath(req);
    if (!CALLBACK_PAGE.test(path)) return next();
    let settle: (status: number) => void;
    try {
      settle = await takePublicLookup(limits, clientIp(req));
    } catch (err) {
      if (isDataRequest(req, path) || !isDomainError(err) || err.code !== "rate_limited") return sendError(res, err);
      return sendTooManyRequestsPage(res, Number(err.details?.retry_after_seconds ?? 60));
    }
    res.once("close", () => settle(res.statusCode));
    next();
  };
}

/** The page a buyer sees over the limit: no script, nothing from the URL echoed back. */
export function sendTooManyRequestsPage(res: Response, retryAfterSeconds: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const html = `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Terlalu banyak permintaan — Astapa</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#1f2937;line-height:1.5}a{color:#0f5fc2}</style>
</head>
<body>
<main>
<h1>Terlalu banyak permintaan</h1>
<p>Status pembayaran terlalu sering dibuka dari jaringan Anda. Ini tidak mengubah pembayaran Anda.</p>
<p>Coba lagi dalam ${seconds} detik.</p>
<p><a href="">Coba lagi</a></p>
</main>
</body>
</html>
`;
  res.status(429);
  res.setHeader("Retry-After", String(seconds));
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Robots-Tag", "noindex");
  res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "strict-origin-when-cross-origin");
  res.end(html);
}
