/** A closed-loop client: `concurrency` loops sending requests until stopped, every outcome kept. */
export interface Outcome {
  kind: "create" | "verify";
  startedAt: number;
  status: number | null;
  error: string | null;
  json: boolean;
  orderId: string;
}

export function startLoadLoop(o: {
  baseUrl: () => string;
  concurrency: number;
  clientId: string;
  clientSecret: string;
  run: string;
}) {
  const outcomes: Outcome[] = [];
  const createdOk: string[] = [];
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: o.concurrency }, async (_, w) => {
    while (!stopped) {
      const i = n++;
      const create = i % 2 === 0;
      const orderId = `${o.run}-${i}`;
      const startedAt = Date.now();
      try {
        const res = create
          ? await fetch(`${o.baseUrl()}/api/platform/shop-payment`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ client_id: o.clientId, client_secret: o.clientSecret, amount: 10000 + w, order_id: orderId, buyer_email: "a@b.co" }),
              signal: AbortSignal.timeout(15_000),
            })
          : await fetch(`${o.baseUrl()}/api/platform/shop-payment/verify?order_id=${createdOk[createdOk.length - 1] ?? "none"}`, { signal: AbortSignal.timeout(15_000) });
        const text = await res.text();
        let json = true;
        try {
          JSON.parse(text);
        } catch {
          json = false;
        }
        outcomes.push({ kind: create ? "create" : "verify", startedAt, status: res.status, error: null, json, orderId });
        if (create && res.status === 201) createdOk.push(orderId);
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause;
        outcomes.push({ kind: create ? "create" : "verify", startedAt, status: null, error: cause?.code ?? (e as Error).name, json: false, orderId });
        await new Promise((r) => setTimeout(r, 20)); // a down server must not turn this into a busy loop
      }
    }
  });
  return {
    outcomes,
    createdOk,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
