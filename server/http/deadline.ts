import type { ServerResponse } from "node:http";

/** What a 503 asks the client to wait before retrying (a stalled database: docs/operations.md). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Every 503 carries Retry-After, whoever wrote it: our JSON errors set it already (sendError),
 * tRPC's SERVICE_UNAVAILABLE and Remix's 503 pages get it here. Called for every request by the
 * request log (server/http/request-log.ts). A stalled database is answered 503 within
 * DB_QUERY_TIMEOUT_MS by the bounded pool (server/db/query-deadline.ts): the handler itself gets
 * the error and answers, so no second writer races it for the response.
 */
export function retryAfterOnUnavailable(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = (statusCode: number, ...rest: unknown[]) => {
    if (statusCode === 503 && !res.headersSent && !res.hasHeader("retry-after") && !retryAfterIn(rest)) {
      res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
    }
    return Reflect.apply(writeHead, res, [statusCode, ...rest]);
  };
}

/** writeHead(status, [message], headers): does `headers` (an object) already name Retry-After? */
function retryAfterIn(rest: unknown[]): boolean {
  return rest.some((a) => typeof a === "object" && a !== null && !Array.isArray(a) && Object.keys(a).some((k) => k.toLowerCase() === "retry-after"));
}
