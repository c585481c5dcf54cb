import { z } from "zod";
import type { Db } from "../db/connect";

/** Who did something: a signed-in admin, or the system (bootstrap, CLI). */
export interface Actor {
  adminId: string | null;
  email: string | null;
  ip?: string | null;
}

export const systemActor = (what: string): Actor => ({ adminId: null, email: what, ip: null });

export interface AuditEntry {
  id: number;
  admin_id: string | null;
  admin_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  created_at: string;
}

interface AuditRow extends Omit<AuditEntry, "created_at"> {
  created_at: Date;
}

const toEntry = (r: AuditRow): AuditEntry => ({ ...r, id: Number(r.id), created_at: r.created_at.toISOString() });

/** Appends to the audit log (inside the caller's transaction when given one). */
export async function writeAudit(
  db: Db,
  actor: Actor,
  e: { action: string; targetType?: string | null; targetId?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await db`insert into admin_audit_log (admin_id, admin_email, action, target_type, target_id, details, ip)
           values (${actor.adminId}, ${actor.email}, ${e.action}, ${e.targetType ?? null}, ${e.targetId ?? null},
                   ${db.json((e.details ?? {}) as never)}, ${actor.ip ?? null})`;
}

export const auditListInput = z.object({
  action: z.string().trim().max(100).optional(),
  targetId: z.string().trim().max(200).optional(),
  adminEmail: z.string().trim().toLowerCase().max(320).optional(),
  /** The id of the last entry of the previous page. */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditListInput = z.input<typeof auditListInput>;

/** Newest first, keyset on id (each filter has an index ending in id desc, or is rare). */
export async function listAudit(db: Db, input: AuditListInput): Promise<{ items: AuditEntry[]; nextCursor: number | null }> {
  const i = auditListInput.parse(input);
  const rows = await db<AuditRow[]>`
    select * from admin_audit_log
    where true
      ${i.action ? db`and action = ${i.action}` : db``}
      ${i.targetId ? db`and target_id = ${i.targetId}` : db``}
      ${i.adminEmail ? db`and admin_email = ${i.adminEmail}` : db``}
      ${i.cursor ? db`and id < ${i.cursor}` : db``}
    order by id desc
    limit ${i.limit + 1}`;
  const items = rows.slice(0, i.limit).map(toEntry);
  return { items, nextCursor: rows.length > i.limit ? items[items.length - 1].id : null };
}
