import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON lines on stdout. Secrets are redacted by path as a second line of defence:
 * the code never logs request bodies or credentials in the first place.
 *
 * Written asynchronously and in blocks: lines gather in memory until 4 KB are pending or 100 ms
 * have passed, then go out in one write(2), instead of one write per request (measured: the
 * request log was a quarter of a cached verify's CPU with a write per line; docs/operations.md#logs).
 * A line reaches stdout at most 100 ms after it was logged. pino flushes what is pending when the
 * process exits; a SIGKILL can lose the last 100 ms of lines. The database, not the log, is the
 * record of every payment. `dest`: stdout (1), or another file descriptor or path (tests).
 */
export function createLogger(level: string = "info", dest: number | string = 1): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "client_secret",
          "*.client_secret",
          "secret",
          "*.secret",
          "serverKey",
          "*.serverKey",
          "authorization",
          "*.authorization",
          "headers.authorization",
          "password",
          "*.password",
        ],
        censor: "[redacted]",
      },
    },
    pino.destination({ dest, sync: false, minLength: 4096, periodicFlush: 100 }),
  );
}
