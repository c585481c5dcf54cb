import type { Database } from "../../server/db/connect";
import { listPayments, type PaymentListInput } from "../../server/admin/payments-admin.service";
import { percentile, round } from "../harness/load";

/** p95 (ms) of `samples` sequential calls of the console's list query. */
async function p95(db: Database, input: PaymentListInput, samples: number) {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await listPayments(db.sql, input);
    times.push(performance.now() - t0);
  }
  return round(percentile(times, 95), 2);
}

/** Grows the purchases table to `total` rows (two projects, statuses and amounts mixed, 60 days). */
async function growTo(db: Database, projectIds: string[], total: number) {
  const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from purchases`;
  if (n >= total) return;
  await db.sql`
    insert into purchases (id, project_id, environment, order_id, amount, buyer_email, item_name, metadata, status, midtrans_status, created_at, paid_at)
    select 'pur_grow' || g, (${projectIds}::text[])[1 + g % ${projectIds.length}], case when g % 10 = 0 then 'production' else 'sandbox' end,
           'grow-' || g, 1000 + (g * 37) % 2000000, 'buyer' || (g % 50000) || '@example.com', 'Item', '{}'::jsonb,
           (array['pending','settlement','settlement','settlement','cancel','expire'])[1 + g % 6],
           (array['pending','settlement','settlement','capture','deny','expire'])[1 + g % 6],
           now() - (g % 5184000) * interval '1 second',
           case when g % 6 in (1, 2, 3) then now() - (g % 5184000) * interval '1 second' end
    from generate_series(${n + 1}::int, ${total}::int) g`;
  await db.sql`analyze purchases`;
}

/**
 * The admin console's payment list at 10 k and at 1 M payments: first page, a filtered page
 * (project + status), and a buyer-email search. Target: p95 < 50 ms and 1M/10k < 1.5.
 */
export async function benchAdminList(o: { db: Database; projectIds: string[]; small: number; large: number; samples: number }) {
  const cases: Record<string, PaymentListInput> = {
    firstPage: { limit: 50 },
    filteredPage: { limit: 50, projectId: o.projectIds[0], status: "settlement" },
    emailSearch: { limit: 50, q: "buyer4242@example.com" },
  };
  const measure = async () => {
    const out: Record<string, number> = {};
    for (const [k, input] of Object.entries(cases)) out[k] = await p95(o.db, input, o.samples);
    return out;
  };
  await growTo(o.db, o.projectIds, o.small);
  const small = await measure();
  await growTo(o.db, o.projectIds, o.large);
  const large = await measure();
  const ratios = Object.fromEntries(Object.keys(cases).map((k) => [k, round(large[k] / Math.max(small[k], 0.01), 2)]));
  const met = Object.keys(cases).every((k) => large[k] < 50 && ratios[k] < 1.5);
  return { rows: { small: o.small, large: o.large }, p95Ms: { [o.small]: small, [o.large]: large }, ratioLargeToSmall: ratios, targets: { p95MaxMs: 50, ratioMax: 1.5, met } };
}
