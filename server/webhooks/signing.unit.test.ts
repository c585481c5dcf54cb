import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { serializeWebhookPayload } from "./events";
import { activeSecrets, newWebhookSecret, signWebhook } from "./signing";

describe("signing", () => {
  const current = newWebhookSecret();
  const previous = newWebhookSecret();
  const body = serializeWebhookPayload({ amount: 75000, event: "item.purchased", order_id: "o-1", metadata: { a: 1 } });

  it("produces headers that standardwebhooks verifies, and nothing else does", () => {
    const headers = signWebhook("msg_1", body, [current]);
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(Number(headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -1);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(previous).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });

  it("sends both signatures while the previous secret is in its grace period", () => {
    const now = new Date();
    const secrets = { secret: current, secret_previous: previous, secret_previous_expires_at: new Date(now.getTime() + 1000) };
    expect(activeSecrets(secrets, now)).toEqual([current, previous]);
    expect(activeSecrets(secrets, new Date(now.getTime() + 1000))).toEqual([current]);
    expect(activeSecrets({ ...secrets, secret_previous: null }, now)).toEqual([current]);

    const headers = signWebhook("msg_2", body, activeSecrets(secrets, now));
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
  });

  it("serializes item.purchased in the documented field order (docs/api.md)", () => {
    expect(Object.keys(JSON.parse(body))).toEqual(["event", "order_id", "amount", "metadata"]);
    expect(serializeWebhookPayload({ z: 1, event: "other.thing" })).toBe('{"z":1,"event":"other.thing"}');
  });
});
