import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { OpenApiDocument } from "../rest/openapi";

/**
 * Checks a merchant-API answer against the OpenAPI document (server/rest/openapi.ts): the status
 * must be one the operation documents, every required header must be there and match, and the
 * JSON body must match the schema (JSON Schema 2020-12, as OpenAPI 3.1 says; objects are closed,
 * so an undocumented field fails). Used by the integration suite's fetch guard
 * (server/testing/openapi-guard.ts) on every answer it receives.
 */

export interface AnswerToCheck {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

type Schema = Record<string, unknown>;
interface HeaderSpec {
  required?: boolean;
  schema?: Schema;
}
interface ResponseSpec {
  headers?: Record<string, HeaderSpec>;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, ResponseSpec>;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export interface OpenApiValidator {
  /** The documented operation for this request, or undefined when the document does not describe it. */
  operationOf(method: string, url: string): { path: string; operationId: string } | undefined;
  /** The mismatches of one answer (empty: it matches); `undefined` when the request is not a documented operation. */
  check(answer: AnswerToCheck): string[] | undefined;
}

export function createOpenApiValidator(doc: OpenApiDocument): OpenApiValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const components = doc.components ?? {};
  const compiled = new Map<Schema, ValidateFunction>();
  // Each schema is compiled with the document's components beside it, so `#/components/…` refs resolve.
  const validatorOf = (schema: Schema): ValidateFunction => {
    let v = compiled.get(schema);
    if (!v) {
      v = ajv.compile({ ...schema, components });
      compiled.set(schema, v);
    }
    return v;
  };

  const routes = Object.entries(doc.paths ?? {}).map(([path, item]) => ({
    path,
    pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
    item: item as Record<string, Operation | undefined>,
  }));

  const find = (method: string, url: string) => {
    const m = method.toLowerCase() as (typeof METHODS)[number];
    if (!METHODS.includes(m)) return undefined;
    const pathname = new URL(url, "http://local").pathname;
    const route = routes.find((r) => r.pattern.test(pathname));
    const op = route?.item[m];
    return route && op ? { path: route.path, op } : undefined;
  };

  const errorsOf = (v: ValidateFunction) =>
    (v.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);

  return {
    operationOf(method, url) {
      const found = find(method, url);
      return found ? { path: found.path, operationId: found.op.operationId ?? `${method} ${found.path}` } : undefined;
    },
    check(a) {
      const found = find(a.method, a.url);
      if (!found) return undefined;
      const where = `${a.method.toUpperCase()} ${found.path} → ${a.status}`;
      const spec = found.op.responses[String(a.status)] ?? found.op.responses[`${String(a.status)[0]}XX`] ?? found.op.responses.default;
      if (!spec) return [`${where}: status not documented (documented: ${Object.keys(found.op.responses).join(", ")}); body ${a.body.slice(0, 300)}`];
      const problems: string[] = [];
      for (const [name, h] of Object.entries(spec.headers ?? {})) {
        const value = a.headers.get(name);
        if (value === null) {
          if (h.required) problems.push(`${where}: header ${name} missing`);
          continue;
        }
        if (h.schema) {
          const v = validatorOf(h.schema);
          if (!v(value)) problems.push(`${where}: header ${name}: ${JSON.stringify(value)} ${errorsOf(v).join("; ")}`);
        }
      }
      const jsonSchema = spec.content?.["application/json"]?.schema;
      if (!spec.content) {
        if (a.body.length > 0) problems.push(`${where}: no body documented, got ${a.body.slice(0, 200)}`);
        return problems;
      }
      if (!jsonSchema) return problems;
      if (!(a.headers.get("content-type") ?? "").startsWith("application/json")) {
        problems.push(`${where}: content-type ${a.headers.get("content-type")} is not application/json`);
      }
      let body: unknown;
      try {
        body = JSON.parse(a.body);
      } catch {
        return [...problems, `${where}: the body is not JSON: ${a.body.slice(0, 200)}`];
      }
      const v = validatorOf(jsonSchema);
      if (!v(body)) problems.push(`${where}: ${errorsOf(v).join("; ")}; body ${a.body.slice(0, 500)}`);
      return problems;
    },
  };
}
