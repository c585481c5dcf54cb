import type { Server } from "node:http";
import { createServer } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envSchema } from "../config/env";
import { createLogger } from "../config/logger";
import type { Database } from "../db/connect";
import { createProject, issueCredential } from "../projects/projects.service";
import { listen } from "../runtime/http-server";
import { createPlatform, type Platform } from "../runtime/platform";
import { createTestDatabase } from "../testing/database";
import { SUCCESS_CARD, submitForm } from "../testing/simulator";
import { waitFor } from "../testing/wait";

// `npm start` twice, as a developer does, with a buyer on the Snap page in between: the
// in-process simulator (the local default) keeps its transactions in DATA_DIR/simulator, so the
// invoice_url Astapa handed out still opens, the buyer can still pay, and the notification
// reaches the restarted Astapa.

const logger = createLogger("silent");
let database: Database;
beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(async () => database?.close());

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startAstapa(env: ReturnType<typeof envSchema.parse>): Promise<{ platform: Platform; server: Server; url: string }> {
  const platform = await createPlatform(env, { database, logger });
  const { server, url } = await listen(platform, { port: env.PORT, host: "127.0.0.1" });
  return { platform, server, url };
}

async function stopAstapa(a: { platform: Platform; server: Server }) {
  a.server.closeAllConnections();
  await new Promise<void>((r) => a.server.close(() => r()));
  await a.platform.close();
}

describe("a restart of npm start mid-payment", () => {
  it("leaves the buyer's Snap page payable and the payment is recorded", async () => {
    const [astapaPort, simulatorPort] = [await freePort(), await freePort()];
    const env = envSchema.parse({
      NODE_ENV: "test",
      PORT: String(astapaPort),
      PUBLIC_URL: `http://127.0.0.1:${astapaPort}`,
      MIDTRANS_SIMULATOR_PORT: String(simulatorPort),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "astapa-restart-")),
    });
    let astapa = await startAstapa(env);
    try {
      const project = await createProject(astapa.platform.ctx.sql, { name: "Warung Bu Sari" });
      const cred = await issueCredential(astapa.platform.ctx.sql, project.id, "sandbox");
      const created = await fetch(`${astapa.url}/api/platform/shop-payment`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: cred.client_id,
          client_secret: cred.client_secret,
          amount: 75000,
          order_id: "restart-1",
          buyer_email: "buyer@example.com",
        }),
      });
      expect(created.status).toBe(201);
      const { invoice_url } = (await created.json()) as { invoice_url: string };
      expect((await fetch(invoice_url)).status).toBe(200);

      await stopAstapa(astapa);
      astapa = await startAstapa(env);

      const page = await fetch(invoice_url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("restart-1~");
      const dashboard = await (await fetch(`${astapa.platform.simulator!.url}/`)).text();
      expect(dashboard).toContain("restart-1~");

      const paid = await submitForm(invoice_url, { payment_type: "credit_card", ...SUCCESS_CARD });
      expect(paid.status).toBe(303);
      expect(new URL(paid.headers.get("location")!).pathname).toBe("/purchase/callback");
      const verify = `${astapa.url}/api/platform/shop-payment/verify?order_id=restart-1&client_id=${cred.client_id}`;
      await waitFor(async () => ((await (await fetch(verify)).json()) as { status: string }).status === "settlement", { what: "settlement after restart" });
    } finally {
      await stopAstapa(astapa);
    }
  });
});
