// The platform as Playwright sees it: a fresh database, the simulator, the real app with
// the Remix build, and a stand-in merchant store. Writes what tests need to e2e/.state/.
import { createServer } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadRemixBuild } from "../server/runtime/http-server";
import { startTestPlatform } from "../server/testing/platform";
import { ensureFirstAdmin } from "../server/admin/admin-users.service";
import { ensureDemoProject } from "../server/projects/demo";
import { saveDemoStoreSettings } from "../server/demo-store/demo-store.queries";
import { startWebhookDelivery } from "../server/webhooks/worker";
import { seedAttention } from "./attention-seed";
import { enrolTwoFactor } from "../server/testing/admin";

const port = Number(process.env.E2E_PORT ?? 4173);
const storePort = port + 1;

// A stand-in merchant store: the page a buyer is sent back to.
const store = createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  const slug = decodeURIComponent((req.url ?? "/").split("?")[0].slice(1)).replace(/[<>&"]/g, "");
  res.end(`<!doctype html><html lang="id"><title>Toko ${slug}</title><h1 id="store">Toko ${slug}</h1></html>`);
});
await new Promise<void>((r) => store.listen(storePort, "127.0.0.1", r));
const storeUrl = `http://127.0.0.1:${storePort}`;

const t = await startTestPlatform({
  remixBuild: await loadRemixBuild(),
  env: { PORT: String(port) },
  simulatorRetryDelaysMs: [200, 500, 1000],
  listenPort: port,
});
const first = await ensureFirstAdmin(t.platform.ctx, { email: "admin@astapa.test", password: "correct horse battery staple" });
if (!first.created) throw new Error("the e2e owner was not created");
// The owner signs in with two-factor sign-in (required for owners, docs/decisions/0019-two-factor.md):
// enrolled as a person does it; specs compute codes from this secret (e2e/fixtures.ts signIn).
const ownerTwoFactor = await enrolTwoFactor(t.platform.ctx, { adminId: first.admin.id, email: first.admin.email, role: "owner" });
// The demo project and its demo store, as `npm start` makes them on an empty database (server/main.ts).
const demo = await ensureDemoProject(t.platform.ctx.sql, t.url, t.platform.ctx.config);
if (!demo?.webhook_url) throw new Error("the demo project was not created with the demo store's webhook endpoint");
await saveDemoStoreSettings(t.platform.ctx.sql, {
  project_id: demo.project.id,
  client_id: demo.client_id,
  client_secret: demo.client_secret,
  webhook_secret: demo.webhook_secret,
});
const merchant = await t.createMerchant({ name: "Warung Bu Sari", store_url_template: `${storeUrl}/{store_slug}` });

// A stale pending payment and a failing endpoint for the dashboard's attention panel (e2e/attention.spec.ts).
const attention = await seedAttention(t);

// Webhook delivery, as `npm start` runs it: the demo store receives item.purchased.
const delivery = startWebhookDelivery(t.platform);

const stateDir = path.resolve("e2e/.state");
mkdirSync(stateDir, { recursive: true });
// The time step of the enrolment's code was used: sign-ins of this run start after it (e2e/fixtures.ts).
writeFileSync(path.join(stateDir, `totp-${port}-${ownerTwoFactor.secret.slice(0, 8)}.json`), JSON.stringify({ lastStep: ownerTwoFactor.lastStep }));
writeFileSync(
  path.join(stateDir, `state-${port}.json`),
  JSON.stringify({ url: t.url, simulatorUrl: t.simulator.url, storeUrl, demoStoreUrl: demo.store_url, ...merchant, attention, owner_totp_secret: ownerTwoFactor.secret }, null, 2),
);
console.log(`e2e platform ready at ${t.url}`);

const stop = async () => {
  store.close();
  await delivery.stop();
  await t.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
