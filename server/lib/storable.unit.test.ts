import { describe, expect, it } from "vitest";
import { z } from "zod";
import { findUnstorable, isCalendarDay, isoInstantSchema, MAX_JSON_DEPTH, parseInput, storable, toStorableText, unstorableTextReason } from "./validation";
import { decodeCursor, encodeCursor } from "./cursor";

/** `depth` arrays nested in each other, built without recursion. */
const nested = (depth: number) => {
  const root: unknown[] = [];
  let v = root;
  for (let i = 1; i < depth; i++) {
    const next: unknown[] = [];
    v.push(next);
    v = next;
  }
  return root;
};

describe("what PostgreSQL cannot store (docs/api.md#limits-on-text-json-and-dates)", () => {
  it("text: a NUL or a lone surrogate, high or low; surrogate pairs are fine", () => {
    expect(unstorableTextReason("a\u0000b")).toMatch(/NUL/);
    expect(unstorableTextReason("a\ud800")).toMatch(/surrogate/);
    expect(unstorableTextReason("\udc00a")).toMatch(/surrogate/);
    expect(unstorableTextReason("\udc00\ud800")).toMatch(/surrogate/);
    expect(unstorableTextReason("☕😀 Budi")).toBeNull();
    expect(toStorableText("a\u0000b\ud800c😀")).toBe("a\ufffdb\ufffdc😀");
  });

  it("JSON: names the path of a bad string or key; refuses nesting past the limit", () => {
    expect(findUnstorable({ a: [1, { b: "x\u0000" }] })).toEqual({ path: ["a", 1, "b"], message: expect.stringMatching(/^a\.1\.b must not contain a NUL/) });
    expect(findUnstorable({ a: { "k\ud800": 1 } })).toEqual({ path: ["a"], message: expect.stringMatching(/^a key of a must not contain a lone/) });
    expect(findUnstorable("\u0000")).toMatchObject({ path: [] });
    expect(findUnstorable(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(findUnstorable({ m: { v: nested(MAX_JSON_DEPTH + 1) } })).toEqual({ path: ["m", "v"], message: "m.v is nested more than 32 levels deep" });
    expect(findUnstorable({ a: 1, b: null, c: true, d: [1.5, "ok"] })).toBeNull();
  });

  it("walks a 100,000-deep value without overflowing the stack", () => {
    expect(findUnstorable({ deep: nested(100_000) })?.path).toEqual(["deep", 0]);
  });

  it("parseInput refuses before the schema runs; storable refuses in a schema's output", () => {
    const schema = z.object({ name: z.string() });
    expect(() => parseInput(schema, { name: "a\u0000" })).toThrow(
      expect.objectContaining({ code: "validation_failed", fields: { name: expect.stringMatching(/NUL/) } }),
    );
    const checked = storable(schema);
    expect(checked.safeParse({ name: "ok" }).success).toBe(true);
    const r = checked.safeParse({ name: "\ud800" });
    expect(r.success ? [] : r.error.issues.map((i) => i.path)).toEqual([["name"]]);
  });

  it("calendar days and instants: real days of 2000-2100 only", () => {
    for (const ok of ["2000-01-01", "2024-02-29", "2100-12-31"]) expect(isCalendarDay(ok)).toBe(true);
    for (const bad of ["9999-99-99", "2026-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "1999-12-31", "2101-01-01", "0000-01-01", "2026-1-1", ""]) {
      expect(isCalendarDay(bad), bad).toBe(false);
    }
    const instant = isoInstantSchema("before");
    expect(instant.safeParse("2026-05-01T03:00:00Z").success).toBe(true);
    expect(instant.safeParse("2026-05-01T10:00:00+07:00").success).toBe(true);
    for (const bad of ["2026-02-31T00:00:00Z", "9999-12-31T00:00:00Z", "yesterday"]) expect(instant.safeParse(bad).success, bad).toBe(false);
  });

  it("cursors: only what encodeCursor writes, with an id PostgreSQL can store", () => {
    expect(decodeCursor(encodeCursor("2026-05-01T03:00:00.123456Z", "pur_1"))).toEqual(["2026-05-01T03:00:00.123456Z", "pur_1"]);
    for (const [ts, id] of [
      ["2026-05-01T03:00:00.123456Z", "pur_\u0000"],
      ["2026-05-01T03:00:00.123456Z", "pur_\ud800"],
      ["1", "pur_1"],
      ["2026-02-30T00:00:00.000000Z", "pur_1"],
      ["2026-05-01 03:00:00", "pur_1"],
      ["2026-05-01T03:00:00.123456Z", "x".repeat(101)],
    ]) {
      expect(() => decodeCursor(encodeCursor(ts, id)), `${ts} ${id}`).toThrow(
        expect.objectContaining({ code: "validation_failed", fields: { cursor: "invalid" } }),
      );
    }
  });
});
