import type { Db } from "../db/connect";

export interface AuditRow {
  id: number;
  admin_id: string | null;
  admin_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  created_at: Date;
}

export type NewAuditEntry = Pick<AuditRow, "admin_id" | "admin_email" | "action" | "target_type" | "target_id" | "details" | "ip">;

/**
 * Appends to the audit log (inside the caller's transaction when given one). `details` travels
 * as JSON text cast in SQL: a jsonb-typed parameter would make postgres.js stringify it again.
 */
export async function insertAuditEntry(db: Db, e: NewAuditEntry): Promise<void> {
  await db`insert into admin_audit_log (admin_id, admin_email, action, target_type, target_id, details, ip)
           values (${e.admin_id}, ${e.admin_email}, ${e.action}, ${e.target_type}, ${e.target_id}, ${JSON.stringify(e.details)}::text::jsonb, ${e.ip})`;
}

/** Newest first, keyset on id (each filter has an index ending in id desc, or is rare). */
export async function listAuditEntries(
  db: Db,
  f: { action?: string; targetId?: string; adminEmail?: string; beforeId?: number; limit: number },
): Promise<AuditRow[]> {
  return db<AuditRow[]>`
    select * from admin_audit_log
    where true
      ${f.action ? db`and action = ${f.action}` : db``}
      ${f.targetId ? db`and target_id = ${f.targetId}` : db``}
      ${f.adminEmail ? db`and admin_email = ${f.adminEmail}` : db``}
      ${f.beforeId ? db`and id < ${f.beforeId}` : db``}
    order by id desc
    limit ${f.limit}`;
}
