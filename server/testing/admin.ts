/** Test helpers for the admin console: an admin, a signed-in caller, payments seeded in bulk. */
import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import type { TestPlatform } from "./platform";
import { createAdmin } from "../admin/admin-users.service";
import { systemActor } from "../admin/audit.service";
import { login } from "../admin/sessions.service";
import type { Role } from "../admin/permissions";
import { SESSION_COOKIE } from "../http/session-cookie";
import { createCaller } from "../trpc/context";
import type { TrpcContext } from "../trpc/trpc";

export const ADMIN_PASSWORD = "correct horse battery staple";
let seq = 0;

/** A new admin, signed in: its session, a tRPC caller as it, and the Cookie header for HTTP. */
export async function signedInAdmin(t: TestPlatform, opts: { email?: string; ip?: string; role?: Role } = {}) {
  const email = opts.email ?? `ops${seq++}-${Date.now().toString(36)}@astapa.test`;
  await createAdmin(t.sql, { email, password: ADMIN_PASSWORD }, systemActor("test"));
  // Admins are created as owners; another role is the People page's job (server/admin/people.service.ts).
  if (opts.role && opts.role !== "owner") await t.sql`update admin_users set role = ${opts.role} where email = ${email}`;
  const { token, session } = await login(t.platform.ctx, { email, password: ADMIN_PASSWORD, ip: opts.ip ?? "10.9.9.9" });
  const ctx: TrpcContext = { platform: t.platform.ctx, admin: session, ip: "10.9.9.9", sameOrigin: true };
  return { email, token, session, caller: createCaller(ctx), cookie: `${SESSION_COOKIE}=${token}`, ctx };
}

export const anonymousCaller = (t: TestPlatform, over: Partial<TrpcContext> = {}) =>
  createCaller({ platform: t.platform.ctx, admin: null, ip: null, sameOrigin: true, ...over });

export interface SeedPurchase {
  id?: string;
  order_id?: string;
  environment?: "sandbox" | "production";
  amount?: number;
  buyer_email?: string;
  buyer_name?: string | null;
  item_name?: string | null;
  status?: string;
  midtrans_status?: string | null;
  created_at?: Date;
  paid_at?: Date | null;
}

/** Purchases written straight to the database (list, filter and CSV tests), in one statement. */
export async function seedPurchases(db: Db, projectId: string, rows: SeedPurchase[]): Promise<string[]> {
  const values = rows.map((r) => ({
    id: r.id ?? newId("pur"),
    project_id: projectId,
    environment: r.environment ?? "sandbox",
    order_id: r.order_id ?? `seed-${newId("o", 12)}`,
    amount: r.amount ?? 75000,
    buyer_email: r.buyer_email ?? "buyer@example.com",
    buyer_name: r.buyer_name ?? null,
    item_name: r.item_name ?? null,
    status: r.status ?? "pending",
    midtrans_status: r.midtrans_status ?? null,
    created_at: r.created_at ?? new Date(),
    paid_at: r.paid_at ?? null,
  }));
  for (let i = 0; i < values.length; i += 1000) {
    await db`insert into purchases ${db(values.slice(i, i + 1000))}`;
  }
  return values.map((v) => v.id);
}
