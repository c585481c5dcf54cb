import type { Request, Response } from "express";
import { DomainError, isDomainError } from "../lib/errors";

/** HTTP Basic `client_id:client_secret`, for the merchant API's GETs and body-less POSTs (a secret never goes in a URL). */
export function basicCredentials(req: Request): { id: string; secret: string } {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.get("authorization") ?? "");
  const decoded = m ? Buffer.from(m[1], "base64").toString("utf8") : "";
  const i = decoded.indexOf(":");
  if (i < 0) throw new DomainError("invalid_client", "Authenticate with HTTP Basic client_id:client_secret");
  return { id: decoded.slice(0, i), secret: decoded.slice(i + 1) };
}

/** A 401 `invalid_client` on a Basic-authenticated route carries the challenge (RFC 7235). */
export function challengeOnInvalidClient(res: Response, err: unknown): void {
  if (isDomainError(err) && err.code === "invalid_client") res.setHeader("WWW-Authenticate", 'Basic realm="astapa"');
}
