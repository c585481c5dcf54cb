import { z } from "zod";
import type { Db } from "../db/connect";
import type { WithIsoDates } from "../lib/dto";
import * as q from "./audit.queries";

/** Who did something: a signed-in admin, or the system (bootstrap, CLI). */
export interface Actor {
  adminId: string | null;
  email: string | null;
  ip?: string | null;
}

/**
 * Every action the audit log records: `writeAudit` takes only these, so the console's action
 * filter (app/routes/admin.audit.tsx, typed by this union) lists every one; a new action is
 * added here first (server/admin/audit-actions.unit.test.ts checks the sources against it).
 */
export const auditActions = [
  // people and sign-in
  "admin.create",
  "admin.invite",
  "admin.invite_revoke",
  "admin.invite_accept",
  "admin.role_change",
  "admin.disable",
  "admin.enable",
  "admin.password_change",
  "admin.password_change_failed",
  "admin.password_reset",
  "admin.password_reset_link",
  "admin.login",
  "admin.login_failed",
  "admin.logout",
  // two-factor sign-in and sessions (docs/decisions/0019-two-factor.md)
  "admin.two_factor_enrol",
  "admin.two_factor_failed",
  "admin.two_factor_disable",
  "admin.two_factor_reset",
  "admin.recovery_code_used",
  "admin.recovery_codes_regenerate",
  "admin.session_revoke",
  "admin.sessions_revoke_others",
  // payments
  "payment.reconcile",
  "payment.refund",
  "payments.bulk_reconcile",
  "payments.export_csv",
  // webhooks
  "webhook.resend",
  "webhooks.retry_batch",
  // projects, credentials, items
  "project.create",
  "project.update",
  "project.set_webhook_url",
  "project.set_webhook_event_types",
  "project.reveal_webhook_secret",
  "project.rotate_webhook_secret",
  "project.test_webhook",
  "project.reenable_webhook_endpoint",
  "credential.create",
  "credential.rotate",
  "credential.revoke",
  "item.create",
  "item.update",
] as const;
export type AuditAction = (typeof auditActions)[number];

export const systemActor = (what: string): Actor => ({ adminId: null, email: what, ip: null });

export type AuditEntry = WithIsoDates<q.AuditRow>;

const toEntry = (r: q.AuditRow): AuditEntry => ({ ...r, id: Number(r.id), created_at: r.created_at.toISOString() });

/** Appends to the audit log (inside the caller's transaction when given one). */
export async function writeAudit(
  db: Db,
  actor: Actor,
  e: { action: AuditAction; targetType?: string | null; targetId?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await q.insertAuditEntry(db, {
    admin_id: actor.adminId,
    admin_email: actor.email,
    action: e.action,
    target_type: e.targetType ?? null,
    target_id: e.targetId ?? null,
    details: e.details ?? {},
    ip: actor.ip ?? null,
  });
}

export const auditListInput = z.object({
  action: z.string().trim().max(100).optional(),
  targetId: z.string().trim().max(200).optional(),
  adminEmail: z.string().trim().toLowerCase().max(320).optional(),
  /** The id of the last entry of the previous page. */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
/** The list's input once validated (the transport parses with auditListInput). */
export type AuditListInput = z.output<typeof auditListInput>;

/** Newest first, keyset on id. */
export async function listAudit(db: Db, i: AuditListInput): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
  const rows = await q.listAuditEntries(db, { action: i.action, targetId: i.targetId, adminEmail: i.adminEmail, beforeId: i.cursor, limit: i.limit + 1 });
  const items = rows.slice(0, i.limit).map(toEntry);
  return { items, nextCursor: rows.length > i.limit ? items[items.length - 1].id : null };
}
