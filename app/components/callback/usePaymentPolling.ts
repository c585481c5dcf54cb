import { useCallback, useEffect, useRef, useState } from "react";
import { isPublicPayment, POLL_INTERVAL_MS, POLL_WINDOW_MS, stopsPolling, type PublicPayment } from "~/lib/callback";

/** "polling": a window is running; "timeout": pending after a full window; "idle": nothing to poll. */
export type PollPhase = "polling" | "timeout" | "idle";

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * One read of the public verify endpoint, by the id that names this payment alone (its Midtrans
 * order id), checked to be the payment shown (`orderId`, the merchant's); null on any failure
 * (the next tick tries again).
 */
async function fetchPayment(pollOrderId: string, orderId: string, signal: AbortSignal): Promise<PublicPayment | null> {
  try {
    const res = await fetch(`/api/platform/shop-payment/verify?order_id=${encodeURIComponent(pollOrderId)}`, {
      signal,
      cache: "no-store",
      headers: { accept: "application/json" },
    });
    if (!res.ok) return null;
    const body: unknown = await res.json();
    return isPublicPayment(body, orderId) ? body : null;
  } catch {
    return null;
  }
}

/**
 * Keeps a pending payment fresh: every 3 s for at most 60 s, stopping at the first final
 * status. `checkAgain` starts a new 60 s window with an immediate check. The first render
 * matches the server's (phase from the loader), polling starts after hydration.
 */
export function usePaymentPolling(initial: PublicPayment | null, pollOrderId: string | null, initialPhase: PollPhase) {
  const [payment, setPayment] = useState(initial);
  const [phase, setPhase] = useState<PollPhase>(initialPhase);
  const [run, setRun] = useState<{ id: number; immediate: boolean } | null>(null);
  const orderId = initial?.order_id ?? null;
  const inFlight = useRef<AbortController | null>(null);

  const check = useCallback(async (): Promise<PublicPayment | null> => {
    if (!orderId || !pollOrderId) return null;
    inFlight.current?.abort();
    const ctrl = new AbortController();
    inFlight.current = ctrl;
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    const next = await fetchPayment(pollOrderId, orderId, ctrl.signal);
    clearTimeout(timer);
    if (ctrl.signal.aborted) return null;
    if (next) setPayment(next);
    return next;
  }, [orderId, pollOrderId]);

  // A pending payment starts its first window once the page is interactive.
  useEffect(() => {
    if (initial && !stopsPolling(initial.status)) setRun({ id: 1, immediate: false });
  }, [initial]);

  useEffect(() => {
    if (!run) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = Date.now();
    setPhase("polling");
    const tick = async () => {
      const next = await check();
      if (!alive) return;
      if (next && stopsPolling(next.status)) return setPhase("idle");
      if (Date.now() - started + POLL_INTERVAL_MS > POLL_WINDOW_MS) return setPhase("timeout");
      timer = setTimeout(tick, POLL_INTERVAL_MS);
    };
    timer = setTimeout(tick, run.immediate ? 0 : POLL_INTERVAL_MS);
    return () => {
      alive = false;
      clearTimeout(timer);
      inFlight.current?.abort();
    };
  }, [run, check]);

  // Back from the banking app after the window ended: one quiet check, no new window.
  useEffect(() => {
    if (phase !== "timeout") return;
    const onVisible = () => {
      if (document.visibilityState !== "visible") return;
      void check().then((next) => {
        if (next && stopsPolling(next.status)) setPhase("idle");
      });
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [phase, check]);

  const checkAgain = useCallback(() => setRun((r) => ({ id: (r?.id ?? 0) + 1, immediate: true })), []);

  return { payment, phase, checkAgain };
}
