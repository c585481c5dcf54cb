// The gateway keeps one midtrans-client per environment, header set and timeout (server/midtrans/gateway.ts):
// shared by concurrent calls, it must still send each call's own notification URL.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMidtransGateway } from "./gateway";

let server: Server;
let baseUrl: string;
const received: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    req.on("end", () => {
      // Answer late enough that the calls below are in flight together.
      setTimeout(() => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ token: `tok-${received.length}`, redirect_url: "https://snap.example/x" }));
      }, 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const request = (orderId: string) => ({ transaction_details: { order_id: orderId, gross_amount: 1000 } });

describe("createMidtransGateway", () => {
  it("sends each concurrent call's own X-Override-Notification through shared clients", async () => {
    const gateway = createMidtransGateway({ sandbox: { serverKey: "SB-Mid-server-TEST", baseUrl } }, { timeoutMs: 5000 });
    received.length = 0;
    const urls = ["https://a.example/n", "https://b.example/n", "https://a.example/n", "https://b.example/n"];
    const answers = await Promise.all(urls.map((u, i) => gateway.createSnapTransaction("sandbox", request(`o-${i}`), { notificationUrl: u })));
    expect(answers.every((a) => a.token.startsWith("tok-"))).toBe(true);
    expect(received.map((h) => h["x-override-notification"]).sort()).toEqual([...urls].sort());
    expect(received.every((h) => h.authorization === `Basic ${Buffer.from("SB-Mid-server-TEST:").toString("base64")}`)).toBe(true);
  });

  it("makes a client (an axios instance) once per environment and header set, not once per call", async () => {
    // midtrans-client creates its axios instance through the CommonJS axios it requires.
    const axios = createRequire(createRequire(import.meta.url).resolve("midtrans-client"))("axios") as { default: { create: () => unknown } };
    const create = vi.spyOn(axios.default, "create");
    try {
      const gateway = createMidtransGateway({ sandbox: { serverKey: "SB-Mid-server-TEST", baseUrl } }, { timeoutMs: 5000 });
      for (let i = 0; i < 5; i++) await gateway.createSnapTransaction("sandbox", request(`p-${i}`), { notificationUrl: "https://a.example/n" });
      expect(create).toHaveBeenCalledTimes(1);
      await gateway.createSnapTransaction("sandbox", request("p-other"), { notificationUrl: "https://b.example/n" });
      expect(create).toHaveBeenCalledTimes(2);
    } finally {
      create.mockRestore();
    }
  });
});
