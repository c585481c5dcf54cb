import type { Db } from "../db/connect";

export async function insertNotification(
  db: Db,
  n: { raw_body: string; headers: Record<string, string>; remote_addr: string | null; order_id: string | null; transaction_status: string | null; status_code: string | null },
): Promise<number> {
  const [row] = await db<{ id: number }[]>`
    insert into midtrans_notifications (raw_body, headers, remote_addr, order_id, transaction_status, status_code)
    values (${n.raw_body}, ${db.json(n.headers)}, ${n.remote_addr}, ${n.order_id}, ${n.transaction_status}, ${n.status_code})
    returning id`;
  return row.id;
}

export async function recordNotificationOutcome(
  db: Db,
  id: number,
  o: { outcome: string; detail?: string | null; signature_valid?: boolean | null; purchase_id?: string | null; environment?: string | null },
): Promise<void> {
  await db`
    update midtrans_notifications set outcome = ${o.outcome}, detail = ${o.detail ?? null},
      signature_valid = coalesce(${o.signature_valid ?? null}, signature_valid),
      purchase_id = coalesce(${o.purchase_id ?? null}, purchase_id),
      environment = coalesce(${o.environment ?? null}, environment)
    where id = ${id}`;
}
