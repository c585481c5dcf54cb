import { describe, expect, it } from "vitest";
import { buildTimeline, timelineKindLabels, type TimelineInput } from "./timeline";

/** A payment repaired by a console reconcile (a lost notification), then its webhook resent. */
function repairedPayment(): TimelineInput {
  return {
    payment: {
      created_at: "2026-03-10T10:00:00.000Z",
      updated_at: "2026-03-10T10:06:00.000Z",
      amount: 75000,
      currency: "IDR",
      environment: "sandbox",
      order_id: "act-1",
      buyer_email: "buyer@example.com",
      invoice_url: "https://app.sandbox.midtrans.com/snap/v4/redirection/tok",
      snap_token: "tok",
      snap_expires_at: "2026-03-11T10:00:00.000Z",
      create_error: null,
    },
    history: [
      { id: 1, created_at: "2026-03-10T10:00:01.000Z", source: "create", from_status: "creating", to_status: "pending", midtrans_status: null, fraud_status: null, notification_id: null },
      { id: 2, created_at: "2026-03-10T10:05:00.000Z", source: "reconcile", from_status: "pending", to_status: "settlement", midtrans_status: "capture", fraud_status: "accept", notification_id: null },
    ],
    notifications: [
      { id: 7, received_at: "2026-03-10T10:04:00.000Z", transaction_status: "capture", outcome: "applied", signature_valid: true, detail: "pending -> settlement (capture)" },
      { id: 8, received_at: "2026-03-10T10:04:30.000Z", transaction_status: "capture", outcome: "rejected", signature_valid: false, detail: "invalid_signature: signature_key does not match" },
    ],
    webhookEvents: [
      {
        id: "evt_1",
        created_at: "2026-03-10T10:05:00.000Z",
        event_type: "item.purchased",
        status: "delivered",
        last_error: null,
        attempts: [
          { id: 3, started_at: "2026-03-10T10:06:00.000Z", attempt_number: 1, trigger: "manual", response_status: 200, error: null, duration_ms: 12, response_body: "thanks, got it" },
        ],
      },
    ],
    audit: [
      { id: 11, created_at: "2026-03-10T10:06:00.500Z", action: "webhook.resend", admin_email: "admin@astapa.test", details: { event_id: "evt_1", delivered: true, response_status: 200, error: null } },
      { id: 10, created_at: "2026-03-10T10:05:00.500Z", action: "payment.reconcile", admin_email: "admin@astapa.test", details: { outcome: "applied", from: "pending", to: "settlement", nested: { x: 1 } } },
    ],
  };
}

describe("buildTimeline", () => {
  it("has an entry for each kind of event, oldest first", () => {
    const t = buildTimeline(repairedPayment());
    expect(t.map((e) => e.kind)).toEqual(expect.arrayContaining(["created", "snap", "status", "webhook_event", "admin"]));
    expect(t.map((e) => e.at)).toEqual([...t.map((e) => e.at)].sort());
    expect(t[0]).toMatchObject({ kind: "created", title: "Payment created: Rp75.000, sandbox", detail: "order_id act-1 · buyer buyer@example.com", ok: null });
    for (const e of t) expect(timelineKindLabels[e.kind]).toBeTruthy();
    expect(new Set(t.map((e) => e.key)).size).toBe(t.length);
  });

  it("words the Snap call, status moves and notifications", () => {
    const t = buildTimeline(repairedPayment());
    const snap = t.find((e) => e.kind === "snap");
    expect(snap).toMatchObject({ title: "Snap transaction created", ok: true });
    expect(snap?.detail).toContain("token tok");
    expect(snap?.detail).toContain("expires 2026-03-11 17:00:00 WIB");
    expect(t.find((e) => e.kind === "status")).toMatchObject({ title: "Status pending → settlement (reconcile)", detail: "Midtrans capture · fraud accept", ok: null });
    const notes = t.filter((e) => e.kind === "notification");
    expect(notes.map((e) => [e.title, e.ok])).toEqual([
      ["Midtrans notification: capture — applied", true],
      ["Midtrans notification: capture — rejected", false],
    ]);
    expect(notes[1].detail).toBe("signature INVALID · invalid_signature: signature_key does not match");
  });

  it("words webhooks and admin actions (simple details only)", () => {
    const t = buildTimeline(repairedPayment());
    expect(t.find((e) => e.kind === "webhook_event")).toMatchObject({ title: "Webhook item.purchased queued (now delivered)", ok: true });
    expect(t.find((e) => e.kind === "webhook_attempt")).toMatchObject({ title: "Webhook attempt 1 (manual): 200", detail: "12 ms · body: thanks, got it", ok: true });
    const admin = t.filter((e) => e.kind === "admin");
    expect(admin.map((e) => e.title)).toEqual(["payment.reconcile by admin@astapa.test", "webhook.resend by admin@astapa.test"]);
    expect(admin[0].detail).toBe("outcome: applied · from: pending · to: settlement");
  });

  it("shows a failed Snap call, and other currencies as a plain amount", () => {
    const d = repairedPayment();
    d.payment = { ...d.payment, currency: "USD", create_error: "http: 503", invoice_url: null, snap_token: null, snap_expires_at: null };
    d.history = [{ ...d.history[0], to_status: "create_failed" }];
    const t = buildTimeline(d);
    expect(t[0].title).toBe("Payment created: 75000 USD, sandbox");
    expect(t.filter((e) => e.kind === "snap").map((e) => [e.title, e.detail, e.ok])).toEqual([
      ["Snap call: create_failed", null, true],
      ["Snap call failed", "http: 503", false],
    ]);
  });
});
