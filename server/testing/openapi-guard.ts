import { afterAll, afterEach } from "vitest";
import { openApiDocument } from "../rest/openapi";
import { createOpenApiValidator } from "./openapi-validator";

/**
 * The integration suite's contract check (a vitest `setupFiles` module, vitest.config.ts): every
 * answer to a request the OpenAPI document describes (server/rest/openapi.ts), received through
 * `fetch` by any test, is checked against the document (status, required headers, JSON body);
 * a mismatch fails the test that received it (or the file, for a hook's request). So the
 * document cannot drift from what the server answers (docs/decisions/0013-openapi-from-zod.md).
 */

export interface OpenApiGuardState {
  /** Answers checked so far in this test file. */
  checked: number;
  /** Mismatches not yet reported. */
  mismatches: string[];
}

const KEY = Symbol.for("astapa.openapiGuard");
type WithGuard = typeof globalThis & { [KEY]?: OpenApiGuardState };

/** The guard's state in this worker (tests that prove the guard read and drain it). */
export function openApiGuardState(): OpenApiGuardState | undefined {
  return (globalThis as WithGuard)[KEY];
}

export function installOpenApiGuard(): void {
  const g = globalThis as WithGuard;
  if (g[KEY]) return;
  const state: OpenApiGuardState = { checked: 0, mismatches: [] };
  g[KEY] = state;
  const validator = createOpenApiValidator(openApiDocument().doc);
  const original = globalThis.fetch;

  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await original(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    if (!validator.operationOf(method, url)) return res;
    const body = await res.clone().text();
    const problems = validator.check({ method, url, status: res.status, headers: res.headers, body }) ?? [];
    state.checked++;
    state.mismatches.push(...problems);
    return res;
  };

  const report = () => {
    if (state.mismatches.length === 0) return;
    const found = [...new Set(state.mismatches.splice(0))];
    throw new Error(`Answers that do not match the OpenAPI document (server/rest/openapi.ts):\n- ${found.join("\n- ")}`);
  };
  afterEach(report);
  afterAll(report);
}

installOpenApiGuard();
