import { useEffect, useState } from "react";
import { RETURN_COUNTDOWN_S } from "~/lib/callback";

const returnedKey = (orderId: string) => `astapa:returned:${orderId}`;

/**
 * A buyer who already went back to the store for this order (and pressed Back, or reloaded)
 * is not sent there again: remembered per tab, with the navigation type as a fallback.
 */
function alreadyReturned(orderId: string): boolean {
  try {
    if (sessionStorage.getItem(returnedKey(orderId))) return true;
  } catch {
    // Storage can be unavailable (privacy modes); fall through.
  }
  const nav = performance.getEntriesByType?.("navigation")[0] as PerformanceNavigationTiming | undefined;
  return nav?.type === "back_forward";
}

function rememberReturn(orderId: string) {
  try {
    sessionStorage.setItem(returnedKey(orderId), "1");
  } catch {
    // Best effort.
  }
}

/**
 * After a successful payment: count down from 5 s, then go to the store. Client-only (the
 * first render has no countdown, like the server's), and `stay` cancels it for good.
 */
export function useReturnCountdown(url: string | null, orderId: string | null, active: boolean) {
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const [stayed, setStayed] = useState(false);

  useEffect(() => {
    if (!url || !orderId || !active || stayed || alreadyReturned(orderId)) return setSecondsLeft(null);
    let left = RETURN_COUNTDOWN_S;
    setSecondsLeft(left);
    const timer = setInterval(() => {
      left -= 1;
      setSecondsLeft(left);
      if (left <= 0) {
        clearInterval(timer);
        rememberReturn(orderId);
        window.location.assign(url);
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [url, orderId, active, stayed]);

  // Restored from the back/forward cache after leaving: stay, and drop the stale countdown.
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => e.persisted && setStayed(true);
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);

  return { secondsLeft, stay: () => setStayed(true) };
}
