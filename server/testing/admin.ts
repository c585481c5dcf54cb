/** Test helpers for the admin console: an admin, a signed-in caller, payments seeded in bulk. */
import type { Db } from "../db/connect";
import { newId } from "../lib/ids";
import type { TestPlatform } from "./platform";
import { createAdmin } from "../admin/admin-users.service";
import { systemActor } from "../admin/audit.service";
import { generate } from "otplib";
import { login, type AdminSession } from "../admin/sessions.service";
import { requiresTwoFactor, type Role } from "../admin/permissions";
import { beginEnrolment, completeSecondFactor, confirmEnrolment, TOTP_PERIOD_SECONDS } from "../admin/two-factor.service";
import type { PlatformContext } from "../platform/context";
import { SESSION_COOKIE } from "../http/session-cookie";
import { createCaller } from "../trpc/context";
import type { TrpcContext } from "../trpc/trpc";

export const ADMIN_PASSWORD = "correct horse battery staple";
let seq = 0;

/** The TOTP time step of an instant (RFC 6238: unix seconds / 30). */
export const totpStepAt = (at: Date) => Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
/** The TOTP code an authenticator app shows for `secret` during time step `step`. */
export const totpCodeFor = (secret: string, step: number) => generate({ secret, epoch: step * TOTP_PERIOD_SECONDS, period: TOTP_PERIOD_SECONDS });

/**
 * Enrols an admin in two-factor sign-in the way a person does (set-up, then a code from the
 * app), on a session of theirs; returns the secret, the step its code used and the recovery codes.
 */
export async function enrolTwoFactor(platform: PlatformContext, session: Pick<AdminSession, "adminId" | "email" | "role">) {
  const { secret } = await beginEnrolment(platform, session);
  const step = totpStepAt(platform.now());
  const actor = { adminId: session.adminId, email: session.email, ip: "10.9.9.9" };
  const { recoveryCodes } = await confirmEnrolment(platform, actor, session, { code: await totpCodeFor(secret, step) });
  return { secret, lastStep: step, recoveryCodes };
}

/**
 * A new admin, signed in with a full session: its session, a tRPC caller as it, and the Cookie
 * header for HTTP. Roles that require two-factor sign-in (owner, finance) are enrolled first and
 * sign in in two steps, password then a TOTP code of the step after enrolment's (a code is
 * accepted once; ±1 step of drift is allowed). `twoFactor: false` leaves such an admin without it
 * (a session limited to enrolment).
 */
export async function signedInAdmin(t: TestPlatform, opts: { email?: string; ip?: string; role?: Role; twoFactor?: boolean } = {}) {
  const email = opts.email ?? `ops${seq++}-${Date.now().toString(36)}@astapa.test`;
  const ip = opts.ip ?? "10.9.9.9";
  const role = opts.role ?? "owner";
  const admin = await createAdmin(t.sql, { email, password: ADMIN_PASSWORD }, systemActor("test"));
  // Admins are created as owners; another role is the People page's job (server/admin/people.service.ts).
  if (role !== "owner") await t.sql`update admin_users set role = ${role} where id = ${admin.id}`;
  let twoFactor: Awaited<ReturnType<typeof enrolTwoFactor>> | null = null;
  if (opts.twoFactor ?? requiresTwoFactor(role)) {
    // Set up directly through the service, as the enrolment page does for a signed-in person.
    twoFactor = await enrolTwoFactor(t.platform.ctx, { adminId: admin.id, email, role });
  }
  const first = await login(t.platform.ctx, { email, password: ADMIN_PASSWORD, ip });
  let signedIn: { token: string; session: AdminSession };
  if (first.secondFactorPending) {
    if (!twoFactor) throw new Error("a pending sign-in without a second factor");
    twoFactor.lastStep += 1;
    signedIn = await completeSecondFactor(t.platform.ctx, { token: first.token, code: await totpCodeFor(twoFactor.secret, twoFactor.lastStep), ip });
  } else {
    signedIn = first;
  }
  const { token, session } = signedIn;
  const ctx: TrpcContext = { platform: t.platform.ctx, admin: session, ip: "10.9.9.9", sameOrigin: true };
  return { email, token, session, caller: createCaller(ctx), cookie: `${SESSION_COOKIE}=${token}`, ctx, twoFactor };
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
