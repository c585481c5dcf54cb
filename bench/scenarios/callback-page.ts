// The buyer's callback page on a slow phone connection, in Chromium: what its first load
// transfers (HTML + CSS + JS, as sent on the wire, compressed or not) and how soon the status is
// on screen, under Slow-3G-class throttling (CDP Network.emulateNetworkConditions).
//
// Alone: `tsx bench/scenarios/callback-page.ts <platform-url> <order-id>…` measures a running platform.
import { chromium, type Browser } from "@playwright/test";
import { percentile, round } from "../harness/load";

/** ~400 kbit/s down and up, 400 ms round trip: Chromium DevTools' "Slow 3G" class. */
export const SLOW_3G = { offline: false, latency: 400, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };

export interface PageLoad {
  /** Bytes on the wire (headers and bodies, after Content-Encoding), per resource type. */
  bytes: { total: number; document: number; stylesheet: number; script: number; other: number };
  requests: number;
  /** Resources answered without a Content-Encoding (bodies over 1 KB only). */
  uncompressed: string[];
  /** First contentful paint, ms after navigation start. */
  firstContentfulPaintMs: number;
  /** When the status heading was painted (element timing on the h1, else FCP), ms after navigation start. */
  statusVisibleMs: number;
  /** The load event (every script and stylesheet in): when a page that needs its JavaScript starts working. */
  loadEventMs: number;
}

/** One cold first load of `url` (fresh context: no cache) under `network` throttling. */
export async function measurePageLoad(browser: Browser, url: string, network = SLOW_3G): Promise<PageLoad> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", network);
  const types = new Map<string, string>();
  const encodings = new Map<string, { url: string; encoding: string | undefined }>();
  const bytes = { total: 0, document: 0, stylesheet: 0, script: 0, other: 0 };
  const uncompressed: string[] = [];
  let requests = 0;
  cdp.on("Network.requestWillBeSent", (e) => {
    types.set(e.requestId, (e.type ?? "Other").toLowerCase());
    requests++;
  });
  cdp.on("Network.responseReceived", (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    encodings.set(e.requestId, { url: e.response.url, encoding: headers["content-encoding"] });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const type = types.get(e.requestId) ?? "other";
    const key = type === "document" || type === "stylesheet" || type === "script" ? type : "other";
    bytes[key] += e.encodedDataLength;
    bytes.total += e.encodedDataLength;
    const enc = encodings.get(e.requestId);
    if (enc && !enc.encoding && e.encodedDataLength > 1500 && !enc.url.startsWith("data:")) uncompressed.push(new URL(enc.url).pathname);
  });
  await page.goto(url, { waitUntil: "load", timeout: 120_000 });
  // Late requests (polling starts after 3 s) are not part of the first load.
  const paint = await page.evaluate(async () => {
    const fcp = await new Promise<number>((resolve) => {
      const now = performance.getEntriesByName("first-contentful-paint")[0];
      if (now) return resolve(now.startTime);
      new PerformanceObserver((list) => {
        const hit = list.getEntriesByName("first-contentful-paint")[0];
        if (hit) resolve(hit.startTime);
      }).observe({ type: "paint", buffered: true });
      setTimeout(() => resolve(Number.NaN), 2000);
    });
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    // Element timing on the status heading (the page marks it with elementtiming="status"), if any.
    const status = await new Promise<number | null>((resolve) => {
      const seen = (performance.getEntriesByType("element") as (PerformanceEntry & { identifier?: string; renderTime?: number })[]).find(
        (e) => e.identifier === "status",
      );
      if (seen) return resolve(seen.renderTime || seen.startTime);
      try {
        const obs = new PerformanceObserver((list) => {
          const hit = (list.getEntries() as (PerformanceEntry & { identifier?: string; renderTime?: number })[]).find((e) => e.identifier === "status");
          if (hit) resolve(hit.renderTime || hit.startTime);
        });
        obs.observe({ type: "element", buffered: true });
      } catch {
        resolve(null);
      }
      setTimeout(() => resolve(null), 500);
    });
    return { fcp, status, load: nav?.loadEventStart ?? Number.NaN };
  });
  await context.close();
  return {
    bytes,
    requests,
    uncompressed,
    firstContentfulPaintMs: round(paint.fcp, 0),
    statusVisibleMs: round(paint.status ?? paint.fcp, 0),
    loadEventMs: round(paint.load, 0),
  };
}

/**
 * The callback page per state (cold loads, `samples` each): median bytes on the wire and median
 * time to a visible status, against the targets (≤ 40 KB, ≤ 2 s under Slow 3G).
 */
export async function benchCallbackPage(o: { platformUrl: string; states: Record<string, string>; samples: number }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const perState: Record<
    string,
    { transferKb: number; requests: number; statusVisibleMs: number; firstContentfulPaintMs: number; loadEventMs: number; bytes: PageLoad["bytes"]; uncompressed: string[] }
  > = {};
  try {
    for (const [state, orderId] of Object.entries(o.states)) {
      const url = `${o.platformUrl}/purchase/callback?order_id=${encodeURIComponent(orderId)}`;
      const loads: PageLoad[] = [];
      for (let i = 0; i < o.samples; i++) loads.push(await measurePageLoad(browser, url));
      const median = (f: (l: PageLoad) => number) => percentile(loads.map(f), 50);
      const typical = loads[0];
      perState[state] = {
        transferKb: round(median((l) => l.bytes.total) / 1024, 1),
        requests: typical.requests,
        statusVisibleMs: round(median((l) => l.statusVisibleMs), 0),
        firstContentfulPaintMs: round(median((l) => l.firstContentfulPaintMs), 0),
        loadEventMs: round(median((l) => l.loadEventMs), 0),
        bytes: typical.bytes,
        uncompressed: typical.uncompressed,
      };
    }
  } finally {
    await browser.close();
  }
  const worst = Object.values(perState);
  const maxKb = Math.max(...worst.map((s) => s.transferKb));
  const maxMs = Math.max(...worst.map((s) => s.statusVisibleMs));
  return {
    network: { downKbps: 400, upKbps: 400, rttMs: SLOW_3G.latency },
    samples: o.samples,
    perState,
    targets: { transferMaxKb: 40, statusVisibleMaxMs: 2000, worstTransferKb: maxKb, worstStatusVisibleMs: maxMs, met: maxKb <= 40 && maxMs <= 2000 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [platformUrl, ...orderIds] = process.argv.slice(2);
  if (!platformUrl || orderIds.length === 0) {
    console.error("usage: tsx bench/scenarios/callback-page.ts <platform-url> <order-id>…");
    process.exit(2);
  }
  const states = Object.fromEntries(orderIds.map((id, i) => [`${i}:${id}`, id]));
  console.log(JSON.stringify(await benchCallbackPage({ platformUrl, states, samples: 3 }), null, 2));
}
