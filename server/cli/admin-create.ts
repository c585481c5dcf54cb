import { parseArgs } from "node:util";
import { loadEnv } from "../config/env";
import { loadDotEnv } from "../config/dotenv";
import { createLogger } from "../config/logger";
import { openDatabase } from "../db/connect";
import { migrate } from "../../db/migrate";
import { createAdmin } from "../admin/admin-users.service";
import { systemActor } from "../admin/audit.service";
import { generatePassword } from "../admin/passwords";
import { isDomainError } from "../lib/errors";

/**
 * npm run admin:create -- --email ops@example.com [--password '…']
 * Creates an owner (the first one, or one more when the console cannot be reached); everyone else
 * is invited from the console's People page (docs/decisions/0017-roles.md).
 * Without --password, a password is generated and printed once. With the embedded database,
 * stop `npm start` first (the embedded database serves one process).
 */
async function main() {
  const { values } = parseArgs({ options: { email: { type: "string" }, password: { type: "string" } } });
  if (!values.email) {
    console.error("Usage: npm run admin:create -- --email ops@example.com [--password 'at least 12 characters']");
    process.exit(1);
  }
  const password = values.password ?? generatePassword();
  loadDotEnv();
  const env = loadEnv();
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, logger: createLogger("warn") });
  try {
    await migrate(db.sql);
    const admin = await createAdmin(db.sql, { email: values.email, password }, systemActor("cli"));
    console.log(`admin created: ${admin.email} (${admin.id}), role owner`);
    if (!values.password) console.log(`password (shown once): ${password}`);
  } catch (err) {
    if (isDomainError(err)) {
      console.error(err.message);
      process.exitCode = 1;
    } else throw err;
  } finally {
    await db.close();
  }
}

void main();
