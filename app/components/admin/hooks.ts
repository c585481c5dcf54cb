import { useCallback, useEffect, useRef, useState } from "react";
import { useRevalidator } from "@remix-run/react";
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

/**
 * A bulk action run from the browser one cursor page at a time: `init` gives the first progress
 * state, `batch` runs one page, `fold` adds its answer. Stops when the server says done or after
 * the page in flight once stop() is called; then the page's data is reloaded.
 */
export function useBatchRun<S extends { done: boolean }, B extends { done: boolean; nextCursor: string | null }>() {
  const revalidator = useRevalidator();
  const [run, setRun] = useState<S | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);
  const stopRef = useRef(false);

  async function start(steps: { init: () => S | Promise<S>; batch: (cursor: string | null) => Promise<B>; fold: (state: S, batch: B) => S }) {
    setBusy(true);
    setError(null);
    setStopping(false);
    stopRef.current = false;
    try {
      let state = await steps.init();
      setRun(state);
      let cursor: string | null = null;
      for (;;) {
        const b = await steps.batch(cursor);
        state = steps.fold(state, b);
        setRun(state);
        if (b.done || !b.nextCursor || stopRef.current) break;
        cursor = b.nextCursor;
      }
      setRun({ ...state, done: true });
      revalidator.revalidate();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  function stop() {
    stopRef.current = true;
    setStopping(true);
  }

  return { run, busy, error, stopping, start, stop };
}
