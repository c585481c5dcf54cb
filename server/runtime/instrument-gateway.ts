import { MidtransGatewayError, type MidtransGateway } from "../midtrans/gateway";
import type { Metrics } from "../platform/metrics";

/**
 * The gateway with every Midtrans call timed into `astapa_midtrans_call_duration_seconds`
 * (operation, environment, outcome: `ok`, `not_found` for a Get Status Midtrans does not know,
 * or the failure kind: timeout, unreachable, server_error, unauthorized, rejected). The adapter
 * itself knows nothing of the platform (docs/decisions/0005), so the runtime wraps it.
 */
export function instrumentGateway(gateway: MidtransGateway, metrics: Metrics): MidtransGateway {
  async function timed<T>(operation: string, environment: string, call: () => Promise<T>, outcomeOf: (v: T) => string = () => "ok"): Promise<T> {
    const stop = metrics.midtransCallDuration.startTimer({ operation, environment });
    try {
      const value = await call();
      stop({ outcome: outcomeOf(value) });
      return value;
    } catch (err) {
      stop({ outcome: err instanceof MidtransGatewayError ? err.kind : "error" });
      throw err;
    }
  }
  return {
    ...gateway,
    createSnapTransaction: (env, request, opts) => timed("snap_create", env, () => gateway.createSnapTransaction(env, request, opts)),
    getStatus: (env, orderId, ...rest) =>
      timed(
        "get_status",
        env,
        () => gateway.getStatus(env, orderId, ...rest),
        (v) => (v === null ? "not_found" : "ok"),
      ),
    cancel: (env, orderId) => timed("cancel", env, () => gateway.cancel(env, orderId)),
    refund: (env, orderId, body) => timed("refund", env, () => gateway.refund(env, orderId, body)),
  };
}
