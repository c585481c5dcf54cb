import { describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { z } from "zod";
import { DomainError, errorCodes, type ErrorCode } from "../lib/errors";
import { httpStatusOf } from "../http/errors";
import type { PlatformContext } from "../platform/context";
import { procedureFor, createCallerFactory, router, trpcCodeOf, type TrpcContext } from "./trpc";

// A router of the console's own kind (procedureFor: the real error mapping and formatter),
// with procedures that fail on demand. No database: nothing here reaches a service.
const testRouter = router({
  fail: procedureFor("console.read").input(z.object({ code: z.enum(errorCodes) })).query(({ input }): never => {
    throw new DomainError(input.code, `failed with ${input.code}`);
  }),
  echo: procedureFor("console.read")
    .input(z.object({ amount: z.number().int().min(1), refund: z.object({ reason: z.string().min(3, "give a reason") }) }))
    .mutation(({ input }) => input),
});

const ctx: TrpcContext = {
  platform: {} as PlatformContext,
  admin: { sessionId: "ses_1", adminId: "adm_1", email: "ops@astapa.test", role: "owner", expiresAt: "2099-01-01T00:00:00.000Z", twoFactorEnabled: true, twoFactorEnrolmentRequired: false },
  ip: "10.0.0.1",
  sameOrigin: true,
};
const caller = createCallerFactory(testRouter)(ctx);

/** The answer /api/trpc would give (same formatter as the Express adapter). */
async function overHttp(path: string, init: RequestInit & { query?: unknown } = {}) {
  const url = new URL(`http://astapa.test/api/trpc/${path}`);
  if (init.query !== undefined) url.searchParams.set("input", JSON.stringify(init.query));
  const res = await fetchRequestHandler({ endpoint: "/api/trpc", req: new Request(url, init), router: testRouter, createContext: () => ctx });
  return { status: res.status, body: (await res.json()) as { error: { message: string; data: { code: string; domainCode?: string; fields: Record<string, string> | null } } } };
}

describe("the tRPC error map", () => {
  it("maps every domain error code, to the same HTTP status as the REST API", () => {
    for (const code of errorCodes) {
      const status = getHTTPStatusCodeFromError(new TRPCError({ code: trpcCodeOf[code] }));
      expect({ code, status }).toEqual({ code, status: httpStatusOf[code] });
    }
  });

  it.each<[ErrorCode, string]>([
    ["request_in_progress", "CONFLICT"],
    ["idempotency_key_reused", "CONFLICT"],
    ["payload_too_large", "PAYLOAD_TOO_LARGE"],
    ["invalid_client", "UNAUTHORIZED"],
  ])("a call failing with %s arrives as %s, not INTERNAL_SERVER_ERROR", async (code, trpcCode) => {
    await expect(caller.fail({ code })).rejects.toMatchObject({ code: trpcCode, message: `failed with ${code}`, cause: { code } });
    const answer = await overHttp("fail", { query: { code } });
    expect(answer.body.error.data).toMatchObject({ code: trpcCode, domainCode: code });
    expect(answer.status).toBe(httpStatusOf[code]);
  });

  it("keeps internal_error as INTERNAL_SERVER_ERROR", async () => {
    await expect(caller.fail({ code: "internal_error" })).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
  });
});

describe("zod input errors", () => {
  it("become validation_failed with per-field messages for the console", async () => {
    const answer = await overHttp("echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ amount: 0, refund: { reason: "" } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.data).toMatchObject({
      code: "BAD_REQUEST",
      domainCode: "validation_failed",
      fields: { amount: expect.any(String), "refund.reason": "give a reason" },
    });
    expect(answer.body.error.message).toMatch(/^Invalid request: /);
  });

  it("reach in-process callers (loaders, tests) as BAD_REQUEST with the same fields", async () => {
    await expect(caller.echo({ amount: 1.5, refund: { reason: "ok" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      cause: { code: "validation_failed", fields: { "refund.reason": "give a reason", amount: expect.any(String) } },
    });
  });
});
