/**
 * The callback page's only script: a few KB inlined into the server-rendered page (with the
 * response's CSP nonce) instead of the React runtime. The page is complete without it (no-JS
 * refresh, a real "Cek lagi" form); with it:
 * - a pending payment is polled (GET …/verify, every 3 s for at most 60 s, by the id that names
 *   this payment alone); when the status moves, or the window ends, the status card is replaced
 *   by the server's own rendering of the page (one fetch), so wording and layout live in one place;
 * - the live region keeps its place and only its content changes (screen readers announce it);
 * - "Cek lagi" starts a new window with an immediate check; back in the tab after the window, one
 *   quiet check;
 * - a successful payment counts down 5 s back to the store, with "Tetap di halaman ini", never
 *   twice for the same order in a tab (Back from the store does not bounce the buyer again);
 * - copy buttons for the VA number / payment code, "Cetak bukti", and the deadline's live countdown.
 *
 * `enhanceCallbackPage` must stay self-contained (no imports, no outer references): the page
 * inlines its source text, `(${enhanceCallbackPage})(config, timeLeftText, countdownText)`.
 */

export interface EnhanceConfig {
  /** The merchant's order id: the payment shown (checked on every verify answer). */
  orderId: string;
  /** The Midtrans order id: what the page polls verify with and fetches itself by. */
  pollOrderId: string;
  /** What the server rendered: polling (pending, window running), timeout, idle (final state). */
  phase: "polling" | "timeout" | "idle";
  verifyPath: string;
  pagePath: string;
  intervalMs: number;
  windowMs: number;
  /** The `poll` value that renders the "window over" variant. */
  maxRefreshes: number;
  countdownS: number;
}

export function enhanceCallbackPage(cfg: EnhanceConfig, timeLeft: (ms: number) => string, countdownText: (s: number) => string): void {
  const doc = document;
  const section = () => doc.querySelector<HTMLElement>("section[data-state]");
  const stateOf = () => section()?.getAttribute("data-state") ?? null;
  const pageUrl = (poll: number) => `${cfg.pagePath}?order_id=${encodeURIComponent(cfg.pollOrderId)}${poll > 0 ? `&poll=${poll}` : ""}`;
  let phase = cfg.phase;
  let run = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | null = null;

  /** The public status of the payment, or null on any failure (the next tick tries again). */
  async function fetchStatus(): Promise<string | null> {
    inFlight?.abort();
    const ctrl = new AbortController();
    inFlight = ctrl;
    const timeout = setTimeout(() => ctrl.abort(), 10_000);
    try {
      const res = await fetch(`${cfg.verifyPath}?order_id=${encodeURIComponent(cfg.pollOrderId)}`, {
        signal: ctrl.signal,
        cache: "no-store",
        headers: { accept: "application/json" },
      });
      if (!res.ok) return null;
      const body: { order_id?: unknown; status?: unknown } | null = await res.json();
      return body && body.order_id === cfg.orderId && typeof body.status === "string" ? body.status : null;
    } catch {
      return null;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Replaces the status card with the server's rendering of `url`; its state, or null on failure. */
  async function show(url: string): Promise<string | null> {
    try {
      const res = await fetch(url, { cache: "no-store", headers: { accept: "text/html" } });
      if (!res.ok) return null;
      const next = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = next.querySelector<HTMLElement>("section[data-state]");
      const cur = section();
      if (!fresh || !cur) return null;
      for (const name of ["class", "data-state", "data-polling"]) cur.setAttribute(name, fresh.getAttribute(name) ?? "");
      const live = cur.querySelector("[aria-live]");
      const freshLive = fresh.querySelector("[aria-live]");
      // The live region stays in the document; only its content changes, so it is announced.
      if (live && freshLive) live.replaceChildren(...Array.from(freshLive.childNodes));
      for (const node of Array.from(cur.childNodes)) if (node !== live) node.remove();
      for (const node of Array.from(fresh.childNodes)) if (node !== freshLive) cur.append(node);
      if (next.title) doc.title = next.title;
      stopCountdown();
      decorate();
      return fresh.getAttribute("data-state");
    } catch {
      return null;
    }
  }

  /** One polling window: every `intervalMs` until a final status or the end of the window. */
  function poll(immediate: boolean, pendingView: boolean) {
    const id = ++run;
    clearTimeout(pollTimer);
    const started = Date.now();
    phase = "polling";
    const tick = async () => {
      const status = await fetchStatus();
      if (id !== run) return;
      if (status && status !== "pending") {
        const shown = await show(pageUrl(0));
        if (id !== run) return;
        if (shown && shown !== "pending") {
          phase = "idle";
          return startCountdown();
        }
      }
      if (Date.now() - started + cfg.intervalMs > cfg.windowMs) {
        const shown = await show(pageUrl(cfg.maxRefreshes));
        if (id !== run) return;
        phase = shown === "pending" || shown === null ? "timeout" : "idle";
        if (shown === null) {
          // The page could not be fetched (offline, rate limited): at least stop saying we check.
          section()?.setAttribute("data-polling", "false");
          section()?.querySelector(".checking")?.remove();
        }
        return startCountdown();
      }
      if (pendingView) {
        // "Cek lagi": the waiting wording again, focus on the heading.
        pendingView = false;
        const shown = await show(pageUrl(0));
        if (id !== run) return;
        doc.querySelector<HTMLElement>("#status-heading")?.focus();
        if (shown && shown !== "pending") {
          phase = "idle";
          return startCountdown();
        }
      }
      pollTimer = setTimeout(tick, cfg.intervalMs);
    };
    pollTimer = setTimeout(tick, immediate ? 0 : cfg.intervalMs);
  }

  // ---- back to the store after a successful payment -------------------------------------
  const returnedKey = `astapa:returned:${cfg.pollOrderId}`;
  let stayed = false;
  let stopCountdown = () => {};

  function alreadyReturned(): boolean {
    try {
      if (sessionStorage.getItem(returnedKey)) return true;
    } catch {
      // Storage can be unavailable (privacy modes): the navigation type decides.
    }
    const nav = performance.getEntriesByType?.("navigation")[0] as PerformanceNavigationTiming | undefined;
    return nav?.type === "back_forward";
  }

  function startCountdown() {
    const link = section()?.querySelector<HTMLAnchorElement>("a[data-return]");
    const actions = link?.closest(".actions");
    if (stateOf() !== "settlement" || !link || !actions || stayed || alreadyReturned()) return;
    let left = cfg.countdownS;
    const text = doc.createElement("p");
    text.className = "countdown";
    text.setAttribute("data-testid", "countdown");
    text.textContent = countdownText(left);
    actions.before(text);
    const stay = doc.createElement("button");
    stay.type = "button";
    stay.className = "button quiet";
    stay.textContent = "Tetap di halaman ini";
    actions.append(stay);
    const timer = setInterval(() => {
      left -= 1;
      text.textContent = left > 0 ? countdownText(left) : "Mengalihkan ke toko…";
      if (left > 0) return;
      clearInterval(timer);
      try {
        sessionStorage.setItem(returnedKey, "1");
      } catch {
        // Best effort.
      }
      location.assign(link.href);
    }, 1000);
    stopCountdown = () => {
      clearInterval(timer);
      text.remove();
      stay.remove();
      stopCountdown = () => {};
    };
    stay.addEventListener("click", () => {
      stayed = true;
      stopCountdown();
      link.focus();
    });
  }

  // Restored from the back/forward cache after leaving: stay, and drop the stale countdown.
  addEventListener("pageshow", (e) => {
    if (!e.persisted) return;
    stayed = true;
    stopCountdown();
  });

  // ---- copy, print, the deadline --------------------------------------------------------
  let deadlineTimer: ReturnType<typeof setInterval> | undefined;

  function tickDeadlines() {
    for (const el of Array.from(doc.querySelectorAll<HTMLElement>("[data-deadline]"))) {
      const left = Date.parse(el.getAttribute("data-deadline") ?? "") - Date.now();
      const out = el.querySelector("[data-time-left]");
      if (out) out.textContent = left > 0 ? `Sisa waktu ${timeLeft(left)}` : "Batas waktu sudah lewat";
      // The payment page stops accepting payment at the deadline: no link to it afterwards.
      if (!(left > 0)) for (const open of Array.from(doc.querySelectorAll<HTMLElement>("[data-while-open]"))) open.hidden = true;
    }
  }

  /** What only works with JavaScript appears once it does. */
  function decorate() {
    for (const el of Array.from(doc.querySelectorAll<HTMLElement>("[data-copy], [data-print]"))) el.hidden = false;
    clearInterval(deadlineTimer);
    if (doc.querySelector("[data-deadline]")) {
      tickDeadlines();
      deadlineTimer = setInterval(tickDeadlines, 1000);
    }
  }

  doc.addEventListener("click", (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const copy = target?.closest<HTMLButtonElement>("button[data-copy]");
    if (copy) {
      const label = copy.querySelector("[data-copy-label]");
      const done = () => {
        if (!label) return;
        label.textContent = "Tersalin";
        setTimeout(() => {
          label.textContent = "Salin";
        }, 2000);
      };
      // Without the Clipboard API (or permission), the number is selected for the buyer to copy.
      const select = () => {
        const source = doc.getElementById(copy.getAttribute("aria-describedby") ?? "");
        if (source) getSelection()?.selectAllChildren(source);
      };
      const value = copy.getAttribute("data-copy") ?? "";
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(value).then(done, select);
      else select();
      return;
    }
    if (target?.closest("button[data-print]")) print();
  });

  // "Cek lagi": a new window with an immediate check, instead of the no-JS form's reload.
  doc.addEventListener("submit", (e) => {
    const form = e.target instanceof HTMLFormElement ? e.target : null;
    if (!form?.hasAttribute("data-check-again")) return;
    e.preventDefault();
    section()?.setAttribute("data-polling", "true");
    poll(true, true);
  });

  // Back from the banking app after the window ended: one quiet check, no new window.
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState !== "visible" || phase !== "timeout") return;
    const id = run;
    void fetchStatus().then(async (status) => {
      if (id !== run || phase !== "timeout" || !status || status === "pending") return;
      const shown = await show(pageUrl(0));
      if (shown && shown !== "pending") {
        phase = "idle";
        startCountdown();
      }
    });
  });

  decorate();
  if (phase === "polling") poll(false, false);
  else startCountdown();
}
