import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../lib/admin/trpc";

/** False during server render and hydration; true once React runs in the browser (buttons wait for it). */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

export interface ActionState<T> {
  status: "idle" | "busy" | "done" | "error";
  result?: T;
  error?: string;
}

/** Runs a client-side call (tRPC) with busy/result/error state; run() resolves to the result or undefined. */
export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<T>) {
  const [s, setS] = useState<ActionState<T>>({ status: "idle" });
  const run = useCallback(
    async (...args: A): Promise<T | undefined> => {
      setS({ status: "busy" });
      try {
        const result = await fn(...args);
        setS({ status: "done", result });
        return result;
      } catch (e) {
        setS({ status: "error", error: errorMessage(e) });
        return undefined;
      }
    },
    [fn],
  );
  return { ...s, busy: s.status === "busy", run, reset: () => setS({ status: "idle" }) };
}
