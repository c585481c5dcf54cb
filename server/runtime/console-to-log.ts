import { format } from "node:util";
import type { Logger } from "../config/logger";

/**
 * Whatever a library prints through `console` (Remix's and React's warnings, a stray
 * console.error) becomes one JSON line of the logger, `source: "console"`: stdout carries JSON
 * lines only (README "Logs"). The web process and the worker call this once, at start.
 */
export function routeConsoleToLogger(logger: Logger): void {
  const to =
    (level: "error" | "warn" | "info" | "debug") =>
    (...args: unknown[]) =>
      logger[level]({ source: "console" }, format(...args));
  console.error = to("error");
  console.warn = to("warn");
  console.log = to("info");
  console.info = to("info");
  console.debug = to("debug");
  console.trace = to("debug");
}
