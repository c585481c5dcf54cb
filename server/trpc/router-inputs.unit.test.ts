import { describe, expect, it } from "vitest";
import { isStorableSchema } from "../lib/validation";
import { appRouter } from "./router";

/** A procedure's input parsers (tRPC keeps them on `_def.inputs`). */
function inputsOf(procedure: unknown): unknown[] {
  if (!procedure || (typeof procedure !== "object" && typeof procedure !== "function") || !("_def" in procedure)) return [];
  const def: unknown = procedure._def;
  return def && typeof def === "object" && "inputs" in def && Array.isArray(def.inputs) ? def.inputs : [];
}

// Every console input is checked for what PostgreSQL cannot store (a NUL, a lone surrogate,
// nesting past the limit: docs/api.md#limits-on-text-json-and-dates) before it reaches a service: a procedure added
// without `storable(...)` around its input fails here.
describe("the console's procedure inputs", () => {
  const procedures: [string, unknown][] = Object.entries(appRouter._def.procedures);
  const withInput = procedures.map(([path, p]) => [path, inputsOf(p)] as const).filter(([, inputs]) => inputs.length > 0);

  it("the router has procedures with inputs", () => {
    expect(withInput.length).toBeGreaterThanOrEqual(20);
  });

  it.each(withInput)("%s: every input parser is storable", (_path, inputs) => {
    expect(inputs.every(isStorableSchema)).toBe(true);
  });
});
