import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations, migrate } from "../../db/migrate";
import type { Database } from "../db/connect";
import { createTestDatabase } from "../testing/database";
import { insertWebhookEvent } from "../webhooks/webhooks.queries";

/** Migration 0010 on a database that already has payments and events (docs/decisions/0010-lifecycle-events.md). */
let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrate(
    db.sql,
    listMigrations().filter((m) => m.version < 10),
  );
  const sql = db.sql;
  await sql`insert into projects (id, name) values ('prj_m', 'prj_m')`;
  const purchase = (id: string, status: string, txId: string | null) => sql`
    insert into purchases (id, project_id, environment, order_id, amount, buyer_email, status, midtrans_status, midtrans_transaction_id)
    values (${id}, 'prj_m', 'sandbox', ${id}, 1000, 'b@example.com', ${status}, ${status === "settlement" ? "settlement" : "expire"}, ${txId})`;
  await purchase("pur_paid", "settlement", "tx-1");
  await purchase("pur_astapa_expired", "expire", null);
  await purchase("pur_midtrans_expired", "expire", "tx-2");
  await sql`insert into webhook_events (id, project_id, purchase_id, environment, event_type, payload, status, next_attempt_at)
            values ('msg_old', 'prj_m', 'pur_paid', 'sandbox', 'item.purchased', '{}'::jsonb, 'pending', now())`;
  await migrate(db.sql);
});
afterAll(async () => db?.close());

const insert = (id: string, event_type: string, dedupe_key: string) =>
  insertWebhookEvent(db.sql, { id, project_id: "prj_m", purchase_id: "pur_paid", event_type, dedupe_key, payload: {}, due: null, notifyChannel: "x" });

describe("migration 0010: several events per payment, each change once", () => {
  it("an existing item.purchased keeps its one-per-payment rule; refunds of the same payment each get their own row", async () => {
    expect((await db.sql`select dedupe_key from webhook_events where id = 'msg_old'`)[0].dedupe_key).toBe("item.purchased");
    expect(await insert("msg_dup", "item.purchased", "item.purchased")).toBeNull();
    expect(await insert("msg_r1", "payment.refunded", "payment.refunded:300")).not.toBeNull();
    expect(await insert("msg_r2", "payment.refunded", "payment.refunded:500")).not.toBeNull();
    expect(await insert("msg_r1b", "payment.refunded", "payment.refunded:300")).toBeNull();
    expect((await db.sql`select count(*)::int as n from webhook_events where purchase_id = 'pur_paid'`)[0].n).toBe(3);
  });

  it("flags the expiries Astapa made (no Midtrans transaction), not Midtrans's", async () => {
    const rows = await db.sql`select id, expired_by_astapa, settled_after_expiry_at from purchases order by id`;
    expect(rows).toEqual([
      { id: "pur_astapa_expired", expired_by_astapa: true, settled_after_expiry_at: null },
      { id: "pur_midtrans_expired", expired_by_astapa: false, settled_after_expiry_at: null },
      { id: "pur_paid", expired_by_astapa: false, settled_after_expiry_at: null },
    ]);
  });
});
