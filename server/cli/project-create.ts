import { parseArgs } from "node:util";
import { loadEnv } from "../config/env";
import { loadDotEnv } from "../config/dotenv";
import { createLogger } from "../config/logger";
import { openDatabase } from "../db/connect";
import { migrate } from "../../db/migrate";
import { createProject, issueCredential } from "../projects/projects.service";
import { storeUrlTemplateSchema, webhookUrlSchema } from "../projects/projects.schema";
import { checkWebhookDestination, setWebhookEndpointEventTypes, WEBHOOK_ENVIRONMENTS } from "../webhooks/endpoints";
import { isMerchantEventType, merchantEventTypes } from "../payments/purchase-events";
import { DomainError, isDomainError } from "../lib/errors";
import type { Environment } from "../midtrans/gateway";

const USAGE = `Usage: npm run project:create -- --name "My store"
  [--env sandbox|production|both]              credentials to issue (default sandbox)
  [--sandbox-webhook-url URL]                  where sandbox events go
  [--production-webhook-url URL]               where production events go
  [--webhook-url URL]                          the same URL for every environment of --env (each signed with its own secret)
  [--store-url-template "https://shop.example.com/{store_slug}"]
  [--event-types item.purchased,payment.refunded]  the event types both endpoints receive (default: all)`;

/**
 * npm run project:create: a project, its two webhook endpoints (each with its own signing
 * secret) and a credential per environment of --env. URLs are held to the destination rule of
 * this deployment (server/webhooks/destination.ts) before anything is written.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      name: { type: "string" },
      "webhook-url": { type: "string" },
      "sandbox-webhook-url": { type: "string" },
      "production-webhook-url": { type: "string" },
      "store-url-template": { type: "string" },
      env: { type: "string", default: "sandbox" },
      "event-types": { type: "string" },
    },
  });
  if (!values.name || !["sandbox", "production", "both"].includes(values.env)) {
    console.error(USAGE);
    process.exit(1);
  }
  const envs: Environment[] = values.env === "both" ? ["sandbox", "production"] : [values.env === "production" ? "production" : "sandbox"];
  loadDotEnv();
  const env = loadEnv();
  const config = { allowPrivateWebhookUrls: env.ALLOW_PRIVATE_WEBHOOK_URLS, productionKeysConfigured: Boolean(env.MIDTRANS_PRODUCTION_SERVER_KEY) };

  try {
    // --webhook-url (as before) sets the endpoint of each environment of --env; the per-environment options win.
    const given: Record<Environment, string | undefined> = {
      sandbox: values["sandbox-webhook-url"] ?? (envs.includes("sandbox") ? values["webhook-url"] : undefined),
      production: values["production-webhook-url"] ?? (envs.includes("production") ? values["webhook-url"] : undefined),
    };
    const webhook_urls: Partial<Record<Environment, string>> = {};
    for (const e of ["sandbox", "production"] as const) {
      const raw = given[e];
      if (raw === undefined) continue;
      const field = `--${e}-webhook-url`;
      const parsed = webhookUrlSchema.safeParse(raw);
      if (!parsed.success) throw new DomainError("validation_failed", "Invalid webhook URL", { [field]: "must be an http(s) URL" });
      webhook_urls[e] = await checkWebhookDestination(config, e, parsed.data, { field });
    }
    // --event-types: a comma-separated subset of the merchant event types (docs/api.md, "Event-type subscriptions").
    const eventTypes = values["event-types"] === undefined ? null : values["event-types"].split(",").map((t) => t.trim()).filter(Boolean);
    if (eventTypes && (eventTypes.length === 0 || !eventTypes.every(isMerchantEventType))) {
      throw new DomainError("validation_failed", "Invalid event types", { "--event-types": `a comma-separated list of ${merchantEventTypes.join(", ")}` });
    }
    const template = values["store-url-template"] === undefined ? undefined : storeUrlTemplateSchema.safeParse(values["store-url-template"]);
    if (template && !template.success) throw new DomainError("validation_failed", "Invalid store URL template", { "--store-url-template": template.error.issues[0]?.message ?? "invalid" });

    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, logger: createLogger("warn") });
    try {
      await migrate(db.sql);
      const project = await db.sql.begin(async (tx) => {
        const p = await createProject(tx, { name: values.name ?? "", store_url_template: template?.data, webhook_urls });
        if (eventTypes) for (const e of WEBHOOK_ENVIRONMENTS) await setWebhookEndpointEventTypes(tx, p.id, e, eventTypes);
        const creds = [];
        for (const e of envs) creds.push({ environment: e, ...(await issueCredential(tx, p.id, e)) });
        return { ...p, creds };
      });
      console.log(`project_id: ${project.id}`);
      console.log(`event types sent: ${eventTypes ? eventTypes.join(", ") : "all"}`);
      for (const c of project.creds) {
        const endpoint = project.endpoints[c.environment];
        console.log(`${c.environment} webhook URL: ${endpoint.url ?? "(none yet: set it in the console)"}`);
        console.log(`${c.environment} webhook signing secret: ${endpoint.secret}`);
        console.log(`${c.environment} client_id: ${c.client_id}\n${c.environment} client_secret: ${c.client_secret}   (shown once)`);
      }
      const other = (["sandbox", "production"] as const).filter((e) => !envs.includes(e) && webhook_urls[e]);
      for (const e of other) console.log(`${e} webhook URL: ${webhook_urls[e]} (signing secret: reveal it in the console)`);
    } finally {
      await db.close();
    }
  } catch (err) {
    if (isDomainError(err)) {
      console.error(`${err.message}: ${JSON.stringify(err.fields ?? {})}`);
      process.exit(1);
    }
    throw err;
  }
}

void main();
