import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { startTestPlatform, TEST_SERVER_KEY, type TestPlatform } from "./testing/platform";
import { getJson, postJson } from "./testing/http";
import { authenticateClient } from "./projects/projects.service";
import { createItem } from "./items/items.service";
import { itemInput } from "./items/items.schema";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(p) && !/\.test\.ts$/.test(p) ? [p] : [];
  });
}

describe("security review", () => {
  it("builds SQL only through postgres.js parameters: unsafe() only for migration files and test databases", () => {
    const allowed = new Set(["db/migrate.ts", "server/testing/database.ts"]);
    const offenders = ["server", "app", "db"]
      .flatMap(sourceFiles)
      .filter((f) => /\.unsafe\(/.test(readFileSync(f, "utf8")) && !allowed.has(f));
    expect(offenders).toEqual([]);
    // Nor string-built queries handed to postgres.js.
    const concatenated = ["server", "app"].flatMap(sourceFiles).filter((f) => /sql\(\s*`|sql\.unsafe|\+\s*["']\s*(select|insert|update|delete)\b/i.test(readFileSync(f, "utf8")));
    expect(concatenated).toEqual([]);
  });

  it("compares secrets in constant time (client secrets, Midtrans signatures, admin passwords)", () => {
    for (const f of ["server/projects/projects.service.ts", "server/midtrans/signature.ts", "server/admin/passwords.ts"]) {
      const src = readFileSync(f, "utf8");
      expect(src, f).toContain("timingSafeEqual");
      expect(src, f).not.toMatch(/secret_hash\s*===|signature_key\s*===|===\s*signature_key/);
    }
  });
});

describe("secrets after creation", () => {
  let t: TestPlatform;
  let m: Awaited<ReturnType<TestPlatform["createMerchant"]>>;
  beforeAll(async () => {
    t = await startTestPlatform();
    m = await t.createMerchant({ webhook_url: "http://127.0.0.1:9/hook" });
  });
  afterAll(async () => t?.close());

  it("stores the client secret only as a hash, and checks it", async () => {
    const [row] = await t.sql`select secret_hash from api_credentials where client_id = ${m.client_id}`;
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await t.sql`select * from api_credentials`)).not.toContain(m.client_secret);
    await expect(authenticateClient(t.platform.ctx, m.client_id, m.client_secret)).resolves.toMatchObject({ client_id: m.client_id });
  });

  it("never returns a client secret, its hash, the webhook secret or the server key from the public API", async () => {
    const item = await createItem(t.sql, m.project_id, itemInput.parse({ name: "Kopi", price: 18000 }));
    const answers = [
      await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: m.client_secret, amount: 5000, order_id: `sec-${Date.now()}`, buyer_email: "a@b.co" }),
      await postJson(`${t.url}/api/platform/purchase`, { client_id: m.client_id, client_secret: m.client_secret, item_id: item.id, buyer_email: "a@b.co" }),
      await postJson(`${t.url}/api/platform/shop-payment`, { client_id: m.client_id, client_secret: "wrong", amount: 5000, order_id: "x", buyer_email: "a@b.co" }),
      await getJson(`${t.url}/api/platform/items`, { authorization: `Basic ${Buffer.from(`${m.client_id}:${m.client_secret}`).toString("base64")}` }),
    ];
    answers.push(await getJson(`${t.url}/api/platform/shop-payment/verify?order_id=${answers[0].json.order_id}`));
    const [{ secret_hash }] = await t.sql`select secret_hash from api_credentials where client_id = ${m.client_id}`;
    for (const a of answers) {
      for (const secret of [m.client_secret, secret_hash, m.webhook_secret, TEST_SERVER_KEY]) expect(a.text).not.toContain(secret);
    }
  });
});
