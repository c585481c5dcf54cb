// What the dashboard's "needs attention" journey (e2e/attention.spec.ts) finds, made when the
// e2e platform starts (e2e/server.ts): a payment created through the API and left pending past
// the reconcile sweep's threshold (backdated, the only way to be 10 minutes older in a test), and
// a project whose sandbox webhook endpoint refuses connections, with an event the running
// delivery worker will fail to send.
import type { TestPlatform } from "../server/testing/platform";
import { seedEvents } from "../server/testing/webhooks";
import { updateEndpointUrl } from "../server/webhooks/endpoints.queries";

export interface AttentionSeed {
  staleOrderId: string;
  stalePurchaseId: string;
  staleBuyerName: string;
  staleItemName: string;
  failingProjectId: string;
  failingProjectName: string;
}

export async function seedAttention(t: TestPlatform): Promise<AttentionSeed> {
  const shop = await t.createMerchant({ name: "Toko Lambat" });
  const staleOrderId = `e2e-stale-${Date.now().toString(36)}`;
  const staleBuyerName = "Rina Kusumawati";
  const staleItemName = "Keripik Balado Pedas";
  const res = await fetch(`${t.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: shop.client_id,
      client_secret: shop.client_secret,
      amount: 42000,
      order_id: staleOrderId,
      buyer_email: "rina@example.com",
      buyer_name: staleBuyerName,
      item_name: staleItemName,
    }),
  });
  if (res.status !== 201) throw new Error(`attention seed: create failed ${res.status} ${await res.text()}`);
  const { purchase_id } = (await res.json()) as { purchase_id: string };
  await t.sql`update purchases set created_at = created_at - interval '11 minutes' where id = ${purchase_id}`;

  const failing = await t.createMerchant({ name: "Toko Webhook Mati" });
  // Port 9 (discard) on loopback: nothing listens, every attempt fails.
  await updateEndpointUrl(t.sql, failing.project_id, "sandbox", "http://127.0.0.1:9/webhooks");
  await seedEvents(t.sql, failing.project_id, 1);
  return { staleOrderId, stalePurchaseId: purchase_id, staleBuyerName, staleItemName, failingProjectId: failing.project_id, failingProjectName: "Toko Webhook Mati" };
}
