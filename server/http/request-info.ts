import type { Request as ExpressRequest } from "express";

/** What the admin layer needs from an HTTP request, whichever server parsed it (Express, Remix). */
export interface AdminRequestInfo {
  method: string;
  cookie: string | null;
  origin: string | null;
  referer: string | null;
  /** The Host header, and the scheme the request came in with. */
  host: string | null;
  protocol: string;
  ip: string | null;
  userAgent: string | null;
}

export function infoFromExpress(req: ExpressRequest): AdminRequestInfo {
  return {
    method: req.method,
    cookie: req.get("cookie") ?? null,
    origin: req.get("origin") ?? null,
    referer: req.get("referer") ?? null,
    host: req.get("host") ?? null,
    protocol: req.protocol,
    ip: req.ip ?? null,
    userAgent: req.get("user-agent") ?? null,
  };
}

/** From a Fetch Request (Remix loaders/actions); the IP comes from the load context. */
export function infoFromFetch(request: Request, ip?: string | null): AdminRequestInfo {
  const url = new URL(request.url);
  return {
    method: request.method,
    cookie: request.headers.get("cookie"),
    origin: request.headers.get("origin"),
    referer: request.headers.get("referer"),
    host: request.headers.get("host") ?? url.host,
    protocol: url.protocol.replace(/:$/, ""),
    ip: ip ?? null,
    userAgent: request.headers.get("user-agent"),
  };
}

function originOf(url: string | null): string | null {
  if (!url || url === "null") return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * CSRF check for state-changing requests: the Origin header (or, without one, the Referer's
 * origin) must be PUBLIC_URL's origin or the origin the request was sent to (its Host).
 * A request carrying neither header is refused: browsers send Origin on every POST.
 */
export function isSameOrigin(info: AdminRequestInfo, publicUrl: string): boolean {
  const claimed = originOf(info.origin) ?? (info.origin ? null : originOf(info.referer));
  if (!claimed) return false;
  const allowed = new Set<string>();
  const pub = originOf(publicUrl);
  if (pub) allowed.add(pub);
  if (info.host) {
    const own = originOf(`${info.protocol}://${info.host}`);
    if (own) allowed.add(own);
  }
  return allowed.has(claimed);
}
