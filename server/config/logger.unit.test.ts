// The log is written in blocks (server/config/logger.ts, docs/operations.md#logs): lines gather
// until 4 KB are pending, and a periodic flush bounds how long a line waits.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../testing/wait";
import { createLogger } from "./logger";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const lines = (text: string) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string; n?: number });

describe("createLogger", () => {
  it("writes a lone line while the process goes on (far below the 4 KB block)", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "astapa-log-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "out.log");
    const logger = createLogger("info", file);
    logger.info("alone");
    const written = await waitFor(() => lines(readFileSync(file, "utf8")).length > 0 && lines(readFileSync(file, "utf8")), { what: "the line in the file" });
    expect(written.map((l) => l.msg)).toEqual(["alone"]);
  });

  it("writes every pending line, in order, when the process exits", { timeout: 120_000 }, async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { createLogger } from "./server/config/logger.ts"; const l = createLogger("info"); for (let n = 0; n < 2000; n++) l.info({ n }, "line"); process.exit(0);`,
      ],
      { cwd: path.resolve(import.meta.dirname, "../.."), stdio: ["ignore", "pipe", "inherit"] },
    );
    cleanups.push(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(lines(out).map((l) => l.n)).toEqual(Array.from({ length: 2000 }, (_, n) => n));
  });
});
