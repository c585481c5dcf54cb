import { parseArgs } from "node:util";
import { loadEnv } from "../config/env";
import { createLogger } from "../config/logger";
import { openDatabase } from "../db/connect";
import { migrate } from "../../db/migrate";
import { createProject, issueCredential } from "../projects/projects.service";
import { isDomainError } from "../lib/errors";

/** npm run project:create -- --name "Warung Bu Sari" [--webhook-url URL] [--store-url-template URL] [--env sandbox|production|both] */
async function main() {
  const { values } = parseArgs({
    options: {
      name: { type: "string" },
      "webhook-url": { type: "string" },
      "store-url-template": { type: "string" },
      env: { type: "string", default: "sandbox" },
    },
  });
  if (!values.name) {
    console.error('Usage: npm run project:create -- --name "My store" [--webhook-url URL] [--store-url-template "https://shop.example.com/{store_slug}"] [--env sandbox|production|both]');
    process.exit(1);
  }
  const envs = values.env === "both" ? (["sandbox", "production"] as const) : values.env === "production" ? (["production"] as const) : (["sandbox"] as const);
  const env = loadEnv();
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, logger: createLogger("warn") });
  try {
    await migrate(db.sql);
    const project = await createProject(db.sql, {
      name: values.name,
      webhook_url: values["webhook-url"],
      store_url_template: values["store-url-template"],
    });
    console.log(`project_id: ${project.id}\nwebhook signing secret: ${project.webhook_secret}`);
    for (const e of envs) {
      const c = await issueCredential(db.sql, project.id, e);
      console.log(`${e} client_id: ${c.client_id}\n${e} client_secret: ${c.client_secret}   (shown once)`);
    }
  } catch (err) {
    if (isDomainError(err)) {
      console.error(`${err.message}: ${JSON.stringify(err.fields ?? {})}`);
      process.exit(1);
    }
    throw err;
  } finally {
    await db.close();
  }
}

void main();
