/**
 * Two-factor sign-in for the admin console: TOTP (RFC 6238, 30 s steps, 6 digits, SHA-1 as every
 * authenticator app expects) with one-time recovery codes (docs/decisions/0019-two-factor.md).
 * Required for the roles in server/admin/permissions.ts `twoFactorRequiredRoles`, optional for others.
 */
import { randomBytes } from "node:crypto";
import { generateSecret, generateURI, verify } from "otplib";
import QRCode from "qrcode";
import { z } from "zod";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { PlatformContext } from "../platform/context";
import { recordAdminLogin } from "./admin-users.queries";
import { writeAudit, type Actor } from "./audit.service";
import { requiresTwoFactor } from "./permissions";
import { findAdminById } from "./people.queries";
import { chargeSecondFactorAttempt } from "./rate-limit";
import { completePendingSession, revokeAdminSessions } from "./sessions.queries";
import { resolvePendingSignIn, resolveSession, SESSION_ABSOLUTE_MS, sha256, type AdminSession } from "./sessions.service";
import { decryptSecret, encryptSecret } from "./two-factor.key";
import * as q from "./two-factor.queries";

/** RFC 6238's time step (seconds), as authenticator apps use it. */
export const TOTP_PERIOD_SECONDS = 30;
/** Codes of the step before and after the current one are accepted too (clock drift). */
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
/** The issuer an authenticator app shows next to the account. */
const ISSUER = "Astapa admin";

/** What a person needs to add the account to an authenticator app: the secret as text and as a QR code. */
export interface TwoFactorSetup {
  /** Base32, for typing into the app by hand. */
  secret: string;
  /** otpauth://totp/… (what the QR code holds). */
  otpauthUri: string;
  /** The QR code: an SVG made on the server, as a data: URL (the console loads no external image). */
  qrDataUrl: string;
}

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  /** The role requires it (owner, finance). */
  required: boolean;
  recoveryCodesLeft: number;
  /** An enrolment started and not yet confirmed: what to scan. */
  setup: TwoFactorSetup | null;
}

const codeSchema = z.string().trim().min(1, "enter a code").max(64);
export const twoFactorCodeInput = z.object({ code: codeSchema });
export const resetTwoFactorInput = z.object({ adminId: z.string().trim().min(1).max(100) });

/** `123 456` and `123-456` are typed too; recovery codes are compared without dashes, lower-case. */
const normalise = (code: string) => code.replace(/[\s-]/g, "").toLowerCase();
const isTotpCode = (code: string) => /^\d{6}$/.test(code);
/** Recovery codes: 16 characters of a 32-letter alphabet (80 random bits), shown as 4 groups of 4. */
const RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const isRecoveryCode = (code: string) => code.length === 16 && [...code].every((c) => RECOVERY_ALPHABET.includes(c));

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = [...randomBytes(16)].map((b) => RECOVERY_ALPHABET[b & 31]).join("");
    return chars.match(/.{4}/g)?.join("-") ?? chars;
  });
}

async function setupOf(email: string, secret: string): Promise<TwoFactorSetup> {
  const otpauthUri = generateURI({ issuer: ISSUER, label: email, secret, period: TOTP_PERIOD_SECONDS });
  const svg = await QRCode.toString(otpauthUri, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return { secret, otpauthUri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}` };
}

function readSecret(ctx: PlatformContext, row: q.TwoFactorRow): string {
  try {
    return decryptSecret(ctx.config.twoFactorKey, row.secret_encrypted, row.admin_id);
  } catch (e) {
    ctx.logger.error({ err: e, adminId: row.admin_id }, "a TOTP secret does not decrypt with this server's ADMIN_TOTP_KEY");
    throw new DomainError("invalid_state", "Your two-factor secret cannot be read by this server (its ADMIN_TOTP_KEY changed). Ask an owner to reset your two-factor sign-in.");
  }
}

/**
 * Checks a code against an admin's secret: a TOTP code of a step newer than the last accepted one
 * (the statement that accepts it also records its step, so a code works once), or, when
 * `recovery` allows it, an unused recovery code (used up by the same statement that checks it).
 */
async function acceptCode(
  ctx: PlatformContext,
  row: q.TwoFactorRow,
  rawCode: string,
  opts: { enabled: boolean; recovery: boolean },
): Promise<"totp" | "recovery_code" | null> {
  const code = normalise(rawCode);
  if (isTotpCode(code)) {
    const secret = readSecret(ctx, row);
    const last = row.last_time_step === null ? undefined : Number(row.last_time_step);
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(ctx.now().getTime() / 1000),
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: DRIFT_STEPS * TOTP_PERIOD_SECONDS,
      ...(last === undefined ? {} : { afterTimeStep: last }),
    }).catch(() => ({ valid: false as const }));
    if (!result.valid || !("timeStep" in result)) return null;
    return (await q.acceptTimeStep(ctx.sql, row.admin_id, result.timeStep, opts.enabled)) ? "totp" : null;
  }
  if (opts.recovery && isRecoveryCode(code)) {
    return (await q.consumeRecoveryCode(ctx.sql, row.admin_id, sha256(code), ctx.now())) ? "recovery_code" : null;
  }
  return null;
}

const wrongCode = (field = "code") => new DomainError("validation_failed", "The code is wrong or was already used.", { [field]: "is wrong or was already used" });

/**
 * A code typed by a signed-in admin (enrolment, regenerate, disable): charged against the
 * second-factor limits before it is checked, a wrong one audited.
 */
async function checkOwnCode(ctx: PlatformContext, actor: Actor, row: q.TwoFactorRow, code: string, opts: { enabled: boolean; during: string }): Promise<void> {
  const attempt = await chargeSecondFactorAttempt(ctx, row.admin_id, actor.ip ?? "unknown");
  if (!(await acceptCode(ctx, row, code, { enabled: opts.enabled, recovery: false }))) {
    await writeAudit(ctx.sql, actor, { action: "admin.two_factor_failed", targetType: "admin", targetId: row.admin_id, details: { during: opts.during } });
    throw wrongCode();
  }
  await attempt.succeeded();
}

export async function twoFactorStatus(ctx: PlatformContext, session: AdminSession): Promise<TwoFactorStatus> {
  const row = await q.findTwoFactor(ctx.sql, session.adminId);
  const enabled = Boolean(row?.enabled_at);
  return {
    enabled,
    enabledAt: row?.enabled_at?.toISOString() ?? null,
    required: requiresTwoFactor(session.role),
    recoveryCodesLeft: enabled ? await q.countUnusedRecoveryCodes(ctx.sql, session.adminId) : 0,
    setup: row && !row.enabled_at ? await setupOf(session.email, readSecret(ctx, row)) : null,
  };
}

/** Starts enrolment: a new secret (replacing an unconfirmed one), shown to the person to scan. */
export async function beginEnrolment(ctx: PlatformContext, session: Pick<AdminSession, "adminId" | "email">): Promise<TwoFactorSetup> {
  const secret = generateSecret();
  const written = await q.upsertPendingTwoFactor(ctx.sql, session.adminId, encryptSecret(ctx.config.twoFactorKey, secret, session.adminId), ctx.now());
  if (!written) throw new DomainError("invalid_state", "Two-factor sign-in is already on for your account.");
  return setupOf(session.email, secret);
}

/**
 * Confirms enrolment with a code from the app: two-factor sign-in is on from now, and the ten
 * recovery codes are returned, once (only their hashes are kept).
 */
export async function confirmEnrolment(
  ctx: PlatformContext,
  actor: Actor,
  session: Pick<AdminSession, "adminId">,
  input: z.output<typeof twoFactorCodeInput>,
): Promise<{ recoveryCodes: string[] }> {
  const row = await q.findTwoFactor(ctx.sql, session.adminId);
  if (!row) throw new DomainError("invalid_state", "Start the set-up first: there is no secret to confirm.");
  if (row.enabled_at) throw new DomainError("invalid_state", "Two-factor sign-in is already on for your account.");
  await checkOwnCode(ctx, actor, row, input.code, { enabled: false, during: "enrolment" });
  const codes = newRecoveryCodes();
  const now = ctx.now();
  await ctx.sql.begin(async (tx) => {
    if (!(await q.enableTwoFactor(tx, session.adminId, now))) throw new DomainError("invalid_state", "Two-factor sign-in is already on for your account.");
    await q.replaceRecoveryCodes(tx, session.adminId, codes.map((c) => ({ id: newId("arc"), hash: sha256(normalise(c)) })), now);
    await writeAudit(tx, actor, { action: "admin.two_factor_enrol", targetType: "admin", targetId: session.adminId });
  });
  return { recoveryCodes: codes };
}

async function enabledRow(ctx: PlatformContext, adminId: string): Promise<q.TwoFactorRow> {
  const row = await q.findTwoFactor(ctx.sql, adminId);
  if (!row?.enabled_at) throw new DomainError("invalid_state", "Two-factor sign-in is not on for your account.");
  return row;
}

/** New recovery codes (the old ones stop working), given a current code from the app. */
export async function regenerateRecoveryCodes(
  ctx: PlatformContext,
  actor: Actor,
  session: AdminSession,
  input: z.output<typeof twoFactorCodeInput>,
): Promise<{ recoveryCodes: string[] }> {
  const row = await enabledRow(ctx, session.adminId);
  await checkOwnCode(ctx, actor, row, input.code, { enabled: true, during: "regenerate_recovery_codes" });
  const codes = newRecoveryCodes();
  await ctx.sql.begin(async (tx) => {
    await q.replaceRecoveryCodes(tx, session.adminId, codes.map((c) => ({ id: newId("arc"), hash: sha256(normalise(c)) })), ctx.now());
    await writeAudit(tx, actor, { action: "admin.recovery_codes_regenerate", targetType: "admin", targetId: session.adminId });
  });
  return { recoveryCodes: codes };
}

/** Turns one's own two-factor sign-in off (a current code needed); refused when the role requires it. */
export async function disableOwnTwoFactor(ctx: PlatformContext, actor: Actor, session: AdminSession, input: z.output<typeof twoFactorCodeInput>): Promise<{ ok: true }> {
  if (requiresTwoFactor(session.role)) throw new DomainError("invalid_state", `Two-factor sign-in is required for the ${session.role} role.`);
  const row = await enabledRow(ctx, session.adminId);
  await checkOwnCode(ctx, actor, row, input.code, { enabled: true, during: "disable" });
  await ctx.sql.begin(async (tx) => {
    await q.deleteTwoFactor(tx, session.adminId);
    await writeAudit(tx, actor, { action: "admin.two_factor_disable", targetType: "admin", targetId: session.adminId });
  });
  return { ok: true };
}

/**
 * An owner resets another person's two-factor sign-in (lost phone and codes): secret and recovery
 * codes go, and every session of that person ends. Their next sign-in asks them to enrol again
 * when their role requires it.
 */
export async function resetPersonTwoFactor(ctx: PlatformContext, actor: Actor, adminId: string): Promise<{ ok: true; sessionsEnded: number }> {
  const now = ctx.now();
  return ctx.sql.begin(async (tx) => {
    const admin = await findAdminById(tx, adminId);
    if (!admin) throw new DomainError("not_found", "No person with this id");
    if (admin.id === actor.adminId) throw new DomainError("invalid_state", "You cannot reset your own two-factor sign-in; ask another owner.");
    const had = await q.deleteTwoFactor(tx, admin.id);
    const ended = await revokeAdminSessions(tx, admin.id, now);
    await writeAudit(tx, actor, {
      action: "admin.two_factor_reset",
      targetType: "admin",
      targetId: admin.id,
      details: { email: admin.email, had_two_factor: had, sessions_ended: ended },
    });
    return { ok: true as const, sessionsEnded: ended };
  });
}

/**
 * The second step of a sign-in: the pending session's token and a code from the app (or a
 * recovery code). Wrong codes are charged against the second-factor limits (per admin, per IP)
 * before they are checked and audited as `admin.two_factor_failed`. On success the pending
 * session becomes a full one under a new token (returned for the cookie).
 */
export async function completeSecondFactor(
  ctx: PlatformContext,
  input: { token: string | null | undefined; code: string; ip: string },
): Promise<{ token: string; session: AdminSession; usedRecoveryCode: boolean }> {
  const pending = await resolvePendingSignIn(ctx, input.token);
  if (!pending) throw new DomainError("unauthorized", "Your sign-in has expired. Sign in again.");
  const actor: Actor = { adminId: pending.adminId, email: pending.email, ip: input.ip };
  const attempt = await chargeSecondFactorAttempt(ctx, pending.adminId, input.ip);
  const row = await q.findTwoFactor(ctx.sql, pending.adminId);
  const how = row?.enabled_at ? await acceptCode(ctx, row, input.code, { enabled: true, recovery: true }) : null;
  if (!how) {
    await writeAudit(ctx.sql, actor, { action: "admin.two_factor_failed", targetType: "admin", targetId: pending.adminId, details: { during: "sign_in" } });
    throw new DomainError("unauthorized", "The code is wrong or was already used.");
  }
  await attempt.succeeded();
  const token = randomBytes(32).toString("base64url");
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await ctx.sql.begin(async (tx) => {
    if (!(await completePendingSession(tx, { id: pending.sessionId, newTokenHash: sha256(token), now, expiresAt }))) {
      throw new DomainError("unauthorized", "Your sign-in has expired. Sign in again.");
    }
    await recordAdminLogin(tx, pending.adminId, now, null);
    await writeAudit(tx, actor, { action: "admin.login", targetType: "admin", targetId: pending.adminId, details: { second_factor: how } });
    if (how === "recovery_code") {
      const left = await q.countUnusedRecoveryCodes(tx, pending.adminId);
      await writeAudit(tx, actor, { action: "admin.recovery_code_used", targetType: "admin", targetId: pending.adminId, details: { recovery_codes_left: left } });
    }
  });
  // Read back as every request reads it (role and two-factor state now; refused when disabled meanwhile).
  const session = await resolveSession(ctx, token);
  if (!session) throw new DomainError("unauthorized", "Your sign-in has expired. Sign in again.");
  return { token, session, usedRecoveryCode: how === "recovery_code" };
}
