import { describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { load, safeNext } from "./admin.server";

async function statusOf(code: TRPCError["code"]): Promise<number> {
  try {
    await load(() => Promise.reject(new TRPCError({ code, message: `failed: ${code}` })));
  } catch (e) {
    if (e instanceof Response) return e.status;
    throw e;
  }
  throw new Error("load() did not throw");
}

describe("load", () => {
  it("answers a failed call with the HTTP status of its tRPC code", async () => {
    expect(await statusOf("NOT_FOUND")).toBe(404);
    expect(await statusOf("BAD_REQUEST")).toBe(400);
    expect(await statusOf("UNAUTHORIZED")).toBe(401);
    expect(await statusOf("FORBIDDEN")).toBe(403);
    expect(await statusOf("CONFLICT")).toBe(409);
    expect(await statusOf("TOO_MANY_REQUESTS")).toBe(429);
    expect(await statusOf("BAD_GATEWAY")).toBe(502);
    expect(await statusOf("SERVICE_UNAVAILABLE")).toBe(503);
  });

  it("lets an internal error through to the error boundary", async () => {
    await expect(statusOf("INTERNAL_SERVER_ERROR")).rejects.toBeInstanceOf(TRPCError);
  });

  it("passes results through", async () => {
    expect(await load(async () => 42)).toBe(42);
  });
});

describe("safeNext", () => {
  it("stays inside the console", () => {
    expect(safeNext("/admin/payments?status=pending")).toBe("/admin/payments?status=pending");
    for (const bad of [null, "", "https://evil.example/admin", "//evil.example", "/administrator", "/"]) expect(safeNext(bad)).toBe("/admin");
  });
});
