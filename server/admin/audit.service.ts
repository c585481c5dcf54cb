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

export const systemActor = (what: string): Actor => ({ adminId: null, email: what, ip: null });

export type AuditEntry = WithIsoDates<q.AuditRow>;

const toEntry = (r: q.AuditRow): AuditEntry => ({ ...r, id: Number(r.id), created_at: r.created_at.toISOString() });

/** Appends to the audit log (inside the caller's transaction when given one). */
export async function writeAudit(
  db: Db,
  actor: Actor,
  e: { action: string; targetType?: string | null; targetId?: string | null; details?: Record<string, unknown> },
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
