import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { auditActions } from "./audit.service";
import { csvCell, isoWib } from "./payments-csv.service";

/** Every non-test TypeScript source under server/. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") && !e.name.includes(".test.") ? [p] : [];
  });
}

// The console's audit action filter lists `auditActions` (app/routes/admin.audit.tsx); `writeAudit`
// takes only those (a typed union). This reads the sources too: every action written is listed,
// and every listed action is written somewhere (no filter option that can never match).
describe("the known audit actions", () => {
  const serverDir = path.resolve(import.meta.dirname, "..");
  const written = new Set<string>();
  for (const file of sources(serverDir)) {
    const text = readFileSync(file, "utf8");
    for (const call of text.split("writeAudit(").slice(1)) {
      const m = /action:\s*"([^"]+)"/.exec(call.slice(0, 600));
      if (m) written.add(m[1]);
    }
  }

  it("finds the actions the code writes", () => {
    expect(written.size).toBeGreaterThanOrEqual(30);
    expect(written).toContain("payment.refund");
    expect(written).toContain("admin.role_change");
  });

  it("lists every action the code writes, once", () => {
    expect([...written].filter((a) => !(auditActions as readonly string[]).includes(a))).toEqual([]);
    expect(new Set(auditActions).size).toBe(auditActions.length);
  });

  it("lists only actions the code writes", () => {
    expect(auditActions.filter((a) => !written.has(a))).toEqual([]);
  });
});

describe("CSV instants", () => {
  it("are ISO 8601 in WIB with the +07:00 offset, to the second", () => {
    expect(isoWib(new Date("2026-11-27T11:37:37.085Z"))).toBe("2026-11-27T18:37:37+07:00");
    // Past Jakarta's midnight: the next calendar day.
    expect(isoWib(new Date("2026-12-31T17:00:00Z"))).toBe("2027-01-01T00:00:00+07:00");
    expect(csvCell(new Date("2026-11-27T11:37:37.085Z"))).toBe("2026-11-27T18:37:37+07:00");
  });
});
