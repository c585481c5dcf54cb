import type { Db } from "../db/connect";
import type { DestinationConfig } from "../webhooks/destination";
import { checkWebhookDestination } from "../webhooks/endpoints";
import { countProjects, createProject, issueCredential } from "./projects.service";

/** Where the app serves the demo store (server/demo-store, mounted by server/runtime/http-app.ts). */
export const DEMO_STORE_PATH = "/demo-store";
/** The demo store's webhook receiver: the demo project's sandbox endpoint. */
export const DEMO_STORE_WEBHOOK_PATH = `${DEMO_STORE_PATH}/_webhook`;
export const DEMO_STORE_SLUG = "warung-bu-sari";

/**
 * The demo store runs only where no real money is (no production Midtrans keys): its webhook
 * endpoint is on this host, which the destination rule allows for sandbox endpoints only there
 * (server/webhooks/destination.ts).
 */
export function demoStoreEnabled(config: Pick<DestinationConfig, "productionKeysConfigured">): boolean {
  return !config.productionKeysConfigured;
}

export interface DemoProject {
  project: { id: string; name: string };
  client_id: string;
  /** Shown once: only its hash is stored by Astapa. */
  client_secret: string;
  /** The demo store's page, where the callback page sends the buyer back. */
  store_url: string;
  /** The sandbox endpoint's URL (the demo store's receiver), or null when the demo store is not enabled. */
  webhook_url: string | null;
  /** The sandbox endpoint's signing secret. */
  webhook_secret: string;
}

/**
 * On an empty database, a demo project with sandbox credentials, so that a newcomer can try the
 * API right after `npm start`. Its store URL is the demo store this app serves; with the demo
 * store enabled (`destination`: no production keys), its sandbox webhook endpoint is the demo
 * store's receiver, registered through the destination rule like any sandbox URL (loopback is
 * allowed for sandbox endpoints where no production keys are configured). Returns the
 * credentials (shown once), or null.
 */
export async function ensureDemoProject(db: Db, publicUrl: string, destination?: DestinationConfig): Promise<DemoProject | null> {
  if ((await countProjects(db)) > 0) return null;
  const webhookUrl =
    destination && demoStoreEnabled(destination)
      ? await checkWebhookDestination(destination, "sandbox", `${publicUrl}${DEMO_STORE_WEBHOOK_PATH}`).catch(() => null)
      : null;
  const project = await createProject(db, {
    name: "Demo store",
    store_url_template: `${publicUrl}${DEMO_STORE_PATH}/{store_slug}`,
    webhook_urls: { sandbox: webhookUrl },
  });
  const cred = await issueCredential(db, project.id, "sandbox");
  return {
    project,
    client_id: cred.client_id,
    client_secret: cred.client_secret,
    store_url: `${publicUrl}${DEMO_STORE_PATH}/${DEMO_STORE_SLUG}`,
    webhook_url: webhookUrl,
    webhook_secret: project.endpoints.sandbox.secret,
  };
}
