import { readFileSync } from "node:fs";
import path from "node:path";

export interface E2EState {
  url: string;
  simulatorUrl: string;
  storeUrl: string;
  /** The demo store's page (server/demo-store), as `npm start` serves it. */
  demoStoreUrl: string;
  project_id: string;
  client_id: string;
  client_secret: string;
  webhook_secret: string;
}

/** What e2e/server.ts wrote for this run. */
export function e2eState(): E2EState {
  const port = Number(process.env.E2E_PORT ?? 4173);
  return JSON.parse(readFileSync(path.resolve(`e2e/.state/state-${port}.json`), "utf8"));
}

let seq = 0;
export const uniqueOrderId = (prefix = "e2e") => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Creates a shop payment exactly as the example in docs/api.md does (host changed). */
export async function createShopPayment(body: Record<string, unknown>) {
  const s = e2eState();
  const res = await fetch(`${s.url}/api/platform/shop-payment`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ client_id: s.client_id, client_secret: s.client_secret, ...body }),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { invoice_url: string; order_id: string; purchase_id: string };
}
