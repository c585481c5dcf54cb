import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON lines on stdout. Secrets are redacted by path as a second line of defence:
 * the code never logs request bodies or credentials in the first place.
 */
export function createLogger(level: string = "info"): Logger {
  return pino({
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
  });
}
