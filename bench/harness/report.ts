/** bench/RESULTS.md: every figure of a run, readable. */
export function renderResults(r: any): string {
  const s = r.scenarios;
  const yes = (b: boolean) => (b ? "met" : "**missed**");
  /** A figure, or a dash where there is none (e.g. PostgreSQL CPU when the database is embedded). */
  const v = (x: unknown) => (x === null || x === undefined || (typeof x === "number" && Number.isNaN(x)) ? "–" : String(x));
  const lines = [
    "# Benchmark results",
    "",
    `Run ${r.date} (${r.mode}) on ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, ${r.machine.platform}; Node ${r.versions.node}, PostgreSQL ${r.versions.postgres}.`,
    "Figures are ratios against references run side by side in the same run; absolute times drift on shared machines.",
    ...r.notes.map((n: string) => `- ${n}`),
    "",
    "## verify (GET /api/platform/shop-payment/verify), 50 connections, A/B alternated",
    "",
    `${s.verify.rounds} alternated rounds; each ratio is the median of the rounds' ratios. CPU: the serving process's own, per request.`,
    "",
    "| | req/s | p50 ms | p99 ms | errors | CPU ms per request |",
    "|---|---|---|---|---|---|",
    `| platform | ${s.verify.platform.requestsPerSec} | ${s.verify.platform.p50} | ${s.verify.platform.p99} | ${s.verify.platform.errors} | ${v(s.verify.cpuMsPerRequest?.platform)} |`,
    `| reference (node:http + postgres.js) | ${s.verify.reference.requestsPerSec} | ${s.verify.reference.p50} | ${s.verify.reference.p99} | ${s.verify.reference.errors} | ${v(s.verify.cpuMsPerRequest?.reference)} |`,
    ...(s.verify.bare
      ? [`| bare node:http, same bytes, no database | ${s.verify.bare.requestsPerSec} | ${s.verify.bare.p50} | ${s.verify.bare.p99} | ${s.verify.bare.errors} | ${v(s.verify.cpuMsPerRequest?.bare)} |`]
      : []),
    "",
    s.verify.bare
      ? `Throughput ratio ${s.verify.throughputRatio} vs the postgres.js reference (target ≥ 0.9, p99 ≤ 1.5× its), ${s.verify.bareRatio} vs the bare server (target ≥ 0.5, p99 < 10 ms)` +
          (s.verify.propagation
            ? `; a committed change shows in another process's verify within p50 ${s.verify.propagation.p50} ms, p99 ${s.verify.propagation.p99} ms, max ${s.verify.propagation.max} ms over ${s.verify.propagation.samples} samples (target p99 < 100 ms)`
            : "") +
          `: ${yes(s.verify.targets.met)}.`
      : `Throughput ratio ${s.verify.throughputRatio} (target ≥ 0.7, p99 < 25 ms): ${yes(s.verify.targets.met)}.`,
    "",
    "## create (POST /api/platform/shop-payment) vs a direct Snap call to the same simulator",
    "",
    "| connections | | p50 ms | p99 ms | req/s | errors |",
    "|---|---|---|---|---|---|",
    ...(["oneConnection", "tenConnections"] as const).flatMap((k) => [
      `| ${s.create[k].connections} | platform | ${s.create[k].platform.p50} | ${s.create[k].platform.p99} | ${s.create[k].platform.requestsPerSec} | ${s.create[k].platform.errors} |`,
      `| ${s.create[k].connections} | direct Snap | ${s.create[k].directSnap.p50} | ${s.create[k].directSnap.p99} | ${s.create[k].directSnap.requestsPerSec} | ${s.create[k].directSnap.errors} |`,
      ...(s.create[k].reference
        ? [`| ${s.create[k].connections} | minimal reference (bench/reference/create-server.ts) | ${s.create[k].reference.p50} | ${s.create[k].reference.p99} | ${s.create[k].reference.requestsPerSec} | ${s.create[k].reference.errors} |`]
        : []),
    ]),
    "",
    ...(s.create.tenConnections.reference
      ? [
          `Throughput ratio platform / minimal reference at ${s.create.tenConnections.connections} connections: ${s.create.tenConnections.throughputRatio} (target ≥ 0.8). ` +
            `CPU ms per create: platform process ${v(s.create.tenConnections.cpuMsPerRequest.platform.platform)}, reference process ${v(s.create.tenConnections.cpuMsPerRequest.reference.reference)}. ` +
            "Both make 3 database round trips per create (server/payments/round-trips.integration.test.ts).",
          "",
        ]
      : []),
    `**Added latency** (one request at a time, timed to the microsecond): p50 ${s.create.oneConnection.addedLatencyMs.p50} ms, p99 ${s.create.oneConnection.addedLatencyMs.p99} ms (target p50 < ${s.create.targets.addedP50MaxMs} ms): ${yes(s.create.targets.met)}.`,
    "",
    `At ${s.create.tenConnections.connections} connections the difference (p50 ${s.create.tenConnections.addedLatencyMs.p50} ms, p99 ${s.create.tenConnections.addedLatencyMs.p99} ms) is queueing, not work: ` +
      `the machine's ${r.machine.cpus} cores run the platform, the simulator it calls, PostgreSQL and the load generator at once, while the direct call needs the simulator alone. ` +
      "What each create costs, in CPU ms per request (from /proc):",
    "",
    "| run | platform | simulator | PostgreSQL | load generator | total | ceiling on this machine |",
    "|---|---|---|---|---|---|---|",
    ...(["platform", "directSnap"] as const).map((side) => {
      const c = s.create.tenConnections.cpuMsPerRequest[side];
      const ceiling = c.total > 0 ? `${Math.round((r.machine.cpus * 1000) / c.total)} req/s` : "n/a";
      return `| ${side === "platform" ? "create through the platform" : "direct Snap call"} | ${side === "platform" ? v(c.platform) : "–"} | ${v(c.simulator)} | ${v(c.postgres)} | ${v(c.loadGenerator)} | ${v(c.total)} | ${ceiling} |`;
    }),
    "",
    "## callback page (server-rendered), 20 connections",
    "",
    "| state | responses/s | p50 ms | p99 ms | first byte p50 ms (sequential) |",
    "|---|---|---|---|---|",
    ...Object.entries(s.callback.perState).map(([k, v]: [string, any]) => `| ${k} | ${v.requestsPerSec} | ${v.p50} | ${v.p99} | ${v.firstByteP50} |`),
    "",
    `Remix's JavaScript for the route (no longer loaded by the page, which renders without Remix's runtime): ${s.callback.javascript.files} files, ${s.callback.javascript.rawBytes} bytes, ${s.callback.javascript.gzipBytes} bytes gzip.`,
    "",
    ...(s.callbackPage
      ? [
          `## callback page on a phone: Chromium, ${s.callbackPage.network.downKbps} kbit/s, ${s.callbackPage.network.rttMs} ms RTT (Slow-3G class)`,
          "",
          `Cold first load (no cache), median of ${s.callbackPage.samples}. Bytes as transferred (headers and bodies after compression).`,
          "",
          "| state | transferred KB | requests | status painted ms | first contentful paint ms | load event ms |",
          "|---|---|---|---|---|---|",
          ...Object.entries(s.callbackPage.perState).map(
            ([k, x]: [string, any]) => `| ${k} | ${x.transferKb} | ${x.requests} | ${x.statusVisibleMs} | ${v(x.firstContentfulPaintMs)} | ${v(x.loadEventMs)} |`,
          ),
          "",
          `Targets ≤ ${s.callbackPage.targets.transferMaxKb} KB and status ≤ ${s.callbackPage.targets.statusVisibleMaxMs} ms (worst: ${s.callbackPage.targets.worstTransferKb} KB, ${s.callbackPage.targets.worstStatusVisibleMs} ms): ${yes(s.callbackPage.targets.met)}.`,
          "",
        ]
      : []),
    "## signed notifications processed per second",
    "",
    `${s.notifications.notifications} settlement notifications, each for its own pending payment, sent over ${s.notifications.connections} connections as fast as they are answered. ` +
      "Each is the whole path: signature check, Get Status from the simulator, one transaction recording it, settling the purchase and writing the merchant's event.",
    "",
    "| processed/s | p50 ms | p99 ms | errors | purchases settled after | CPU ms per notification (platform / simulator / PostgreSQL / load generator) |",
    "|---|---|---|---|---|---|",
    `| ${s.notifications.processedPerSec} | ${s.notifications.p50} | ${s.notifications.p99} | ${s.notifications.errors} | ${s.notifications.purchasesSettled} of ${s.notifications.notifications} | ` +
      `${v(s.notifications.cpuMsPerNotification.platform)} / ${v(s.notifications.cpuMsPerNotification.simulator)} / ${v(s.notifications.cpuMsPerNotification.postgres)} / ${v(s.notifications.cpuMsPerNotification.loadGenerator)} |`,
    ...(s.notifications.reference
      ? [
          `| minimal reference: ${s.notifications.reference.processedPerSec} | ${s.notifications.reference.p50} | ${s.notifications.reference.p99} | ${s.notifications.reference.errors} | ${s.notifications.reference.purchasesSettled} of ${s.notifications.reference.notifications} | ` +
            `${v(s.notifications.reference.cpuMsPerNotification.reference)} / ${v(s.notifications.reference.cpuMsPerNotification.simulator)} / ${v(s.notifications.reference.cpuMsPerNotification.postgres)} / ${v(s.notifications.reference.cpuMsPerNotification.loadGenerator)} |`,
          "",
          `Alternated with bench/reference/notifications-server.ts (the same rows in one statement) over ${s.notifications.rounds} rounds: throughput ratio ${s.notifications.throughputRatio} (target ≥ 0.8): ${yes(s.notifications.targets.met)}. ` +
            "Database round trips per notification: 5 for the platform (server/payments/round-trips.integration.test.ts), 1 for the reference.",
        ]
      : []),
    "",
    "## notification → merchant webhook",
    "",
    "From the platform's answer to Midtrans's notification to the merchant's receiver getting `item.purchased` (0 when the webhook arrived first: the event is committed and the worker woken before the answer is sent).",
    "",
    "| | payments | p50 ms | p99 ms | max ms | webhook before answer | event written → attempt p50/p99 ms | attempt → received p50/p99 ms | pay → webhook p50 ms |",
    "|---|---|---|---|---|---|---|---|---|",
    ...(["rest", "load"] as const).map((k) => {
      const w = s.webhook[k];
      const b = s.webhook.breakdown[k];
      const label = k === "rest" ? "at rest (one at a time)" : `under load (${w.targetRatePerSec}/s asked, ${w.achievedRatePerSec}/s achieved)`;
      return `| ${label} | ${w.measured} of ${w.count} | ${w.p50} | ${w.p99} | ${w.max} | ${w.arrivedBeforeAnswer} | ${b.writtenToAttemptP50} / ${b.writtenToAttemptP99} | ${b.attemptToReceivedP50} / ${b.attemptToReceivedP99} | ${k === "rest" ? s.webhook.payToWebhook.restP50 : s.webhook.payToWebhook.loadP50} |`;
    }),
    "",
    `Target p50 < ${s.webhook.targets.p50MaxMs} ms and p99 < ${s.webhook.targets.p99MaxMs} ms: ${yes(s.webhook.targets.met)}.`,
    "",
    ...(s.webhookFairness
      ? [
          "## webhook fairness: one endpoint hanging past the timeout",
          "",
          `${s.webhookFairness.healthyEndpoints} healthy merchant endpoints receive ${s.webhookFairness.ratePerSec} events/s in all for ${s.webhookFairness.durationSec} s, first alone, then while one more endpoint never answers ` +
            `(the worker's 15 s timeout ends each attempt) and receives ${s.webhookFairness.hangingRatePerSec} events/s. Event written → healthy receiver got it, with the workers' defaults ` +
            "(32 deliveries in flight, at most 4 per endpoint: docs/decisions/0008-fair-delivery.md). Before fair claiming the same kind of run measured a healthy p99 of 29 s.",
          "",
          "| | healthy events | p50 ms | p99 ms | max ms | hanging endpoint: events / requests received |",
          "|---|---|---|---|---|---|",
          `| without the hanging endpoint | ${s.webhookFairness.withoutHanging.delivered} of ${s.webhookFairness.withoutHanging.events} | ${s.webhookFairness.withoutHanging.p50} | ${s.webhookFairness.withoutHanging.p99} | ${s.webhookFairness.withoutHanging.max} | – |`,
          `| with it | ${s.webhookFairness.withHanging.delivered} of ${s.webhookFairness.withHanging.events} | ${s.webhookFairness.withHanging.p50} | ${s.webhookFairness.withHanging.p99} | ${s.webhookFairness.withHanging.max} | ${s.webhookFairness.withHanging.hangingEvents} / ${s.webhookFairness.withHanging.hangingRequestsReceived} |`,
          "",
          `Target: healthy p99 with the hanging endpoint within ${s.webhookFairness.targets.p99MaxRatio}x of without (ratio ${s.webhookFairness.targets.ratio}): ${yes(s.webhookFairness.targets.met)}.`,
          "",
        ]
      : []),
    "## admin payments list (the console's query, p95 of sequential calls)",
    "",
    `Two databases, ${s.adminList.rows.small} and ${s.adminList.rows.large} payments, vacuumed and analysed, measured alternately call by call; ${s.adminList.samplesPerCase} calls per case and size in ${s.adminList.rounds} rounds, each figure the median of the rounds' p95. ` +
      "Every case returns the same rows at both sizes (the searched buyer has 20 purchases spread through each table), so the ratio is the table's growth alone.",
    "",
    `| case | rows returned | ${Object.keys(s.adminList.p95Ms).map((k) => `p95 at ${k} payments (ms)`).join(" | ")} | ratio | p50 at each size (ms) |`,
    "|---|---|---|---|---|---|",
    ...Object.keys(s.adminList.ratioLargeToSmall).map(
      (k) =>
        `| ${k} | ${s.adminList.rowsReturned[s.adminList.rows.large][k]} | ${Object.values(s.adminList.p95Ms).map((v: any) => v[k]).join(" | ")} | ${s.adminList.ratioLargeToSmall[k]} | ` +
        `${s.adminList.p50Ms ? Object.values(s.adminList.p50Ms).map((v: any) => v[k]).join(" / ") : "–"} |`,
    ),
    "",
    `Target p95 < ${s.adminList.targets.p95MaxMs} ms and ratio < ${s.adminList.targets.ratioMax}: ${yes(s.adminList.targets.met)}.`,
    "",
    "## memory",
    "",
    `Peak RSS of the platform process across the run: ${s.memory.platformPeakRssMb} MB (target < ${s.memory.targetMb} MB): ${yes(s.memory.met)}.`,
    "",
  ];
  return lines.join("\n");
}
