import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Router, type Request, type Response } from "express";
import { methodNotAllowed } from "../http/body";
import { OPENAPI_JSON_PATH, openApiDocument } from "./openapi";

export const API_DOCS_PATH = "/docs/api";
const REDOC_BUNDLE_PATH = `${API_DOCS_PATH}/redoc.standalone.js`;

/**
 * The page renders the document with Redoc's standalone bundle, served from node_modules (no CDN):
 * it finds the `<redoc spec-url>` element itself, so the page needs no inline script. Redoc's
 * styled-components write <style> elements (style-src 'unsafe-inline') and its search index runs
 * in a worker made from a blob (worker-src blob:).
 */
export const API_DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Astapa merchant API</title>
<link rel="icon" href="data:,">
</head>
<body>
<redoc spec-url="${OPENAPI_JSON_PATH}"></redoc>
<script src="${REDOC_BUNDLE_PATH}"></script>
</body>
</html>
`;

let bundle: Buffer | undefined;
const redocBundle = () => {
  bundle ??= readFileSync(createRequire(import.meta.url).resolve("redoc/bundles/redoc.standalone.js"));
  return bundle;
};

/** `GET /api/platform/openapi.json` (the merchant contract, docs/api.md) and its rendering at `GET /docs/api`. */
export function openApiRouter(): Router {
  const r = Router();
  r.get(OPENAPI_JSON_PATH, (_req: Request, res: Response) => {
    // Public like the prose docs; any origin may load it into its own tooling.
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/json").send(openApiDocument().json);
  });
  r.all(OPENAPI_JSON_PATH, methodNotAllowed(["GET"]));

  r.get(API_DOCS_PATH, (_req: Request, res: Response) => {
    res.setHeader("Content-Security-Policy", API_DOCS_CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("html").send(page);
  });
  r.get(REDOC_BUNDLE_PATH, (_req: Request, res: Response) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "public, max-age=3600");
    res.type("application/javascript").send(redocBundle());
  });
  return r;
}
