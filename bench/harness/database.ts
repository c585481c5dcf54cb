import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { connectPostgres, startEmbeddedDatabase, type Database } from "../../server/db/connect";
import { migrate } from "../../db/migrate";

/**
 * A fresh database for one bench run: on the PostgreSQL server `adminUrl` names (dropped
 * after), or, when it is null, an embedded PGlite for this process only (in `dataDir`, so
 * another process can open it once this one has closed it; in memory without one).
 */
export async function createBenchDatabase(adminUrl: string | null, opts: { dataDir?: string } = {}): Promise<Database & { drop(): Promise<void> }> {
  if (adminUrl === null) {
    const db = await startEmbeddedDatabase({ dataDir: opts.dataDir });
    await migrate(db.sql);
    let closed = false;
    return {
      ...db,
      async close() {
        if (!closed) await db.close();
        closed = true;
      },
      async drop() {
        if (!closed) await db.close();
        closed = true;
      },
    };
  }
  const name = `astapa_bench_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectPostgres(url.toString(), { max: 4 });
  await migrate(db.sql);
  return {
    ...db,
    async drop() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function postgresReachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Seeds `count` purchases across the public statuses for verify/callback scenarios. */
export async function seedPurchases(db: Database, projectId: string, count: number, prefix = "bench"): Promise<string[]> {
  await db.sql`
    insert into purchases (id, project_id, environment, order_id, amount, buyer_email, buyer_name, item_name, metadata, status,
                           midtrans_status, paid_at, invoice_url, created_at)
    select 'pur_bench' || g, ${projectId}, 'sandbox', ${prefix} || '-' || g, 10000 + g, 'buyer' || g || '@example.com', 'Buyer ' || g,
           'Nasi Goreng Spesial', jsonb_build_object('store_name', 'Warung Bu Sari', 'store_slug', 'warung-bu-sari', 'product_id', 'p' || g),
           (array['pending','settlement','settlement','cancel','expire'])[1 + g % 5],
           (array['pending','settlement','settlement','cancel','expire'])[1 + g % 5],
           case when g % 5 in (1, 2) then now() end, 'http://127.0.0.1/snap/' || g, now() - (g || ' seconds')::interval
    from generate_series(1, ${count}) g`;
  return Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
}
