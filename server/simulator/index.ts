/**
 * Midtrans simulator: a local HTTP service that answers the Snap and Core API calls midtrans-client makes,
 * serves the buyer's payment page and an operator dashboard, and sends signed HTTP notifications.
 * The platform uses it whenever no real Midtrans key is configured.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import ipaddr from "ipaddr.js";
import { SimulatorEngine } from "./engine";
import { FaultInjector, parseFaultConfig, type FaultConfig, type SimulatorStats } from "./faults";
import { createApp } from "./http";
import { Notifier, type SimLogger } from "./notifier";
import { StateFile } from "./state";
import { SimulatorError, type NotificationDelivery, type PaymentChoice, type SimTransaction } from "./types";

export type {
  CStore,
  CustomerDetails,
  ItemDetail,
  NotificationDelivery,
  PaymentChoice,
  PaymentDetails,
  PaymentType,
  SimRefund,
  SimTransaction,
  TransactionStatus,
  VaBank,
} from "./types";
export { SimulatorError } from "./types";
export type { FaultConfig, SimulatorStats } from "./faults";
export { describeFaults, parseFaultConfig } from "./faults";
export { formatJakartaTime } from "./time";
export { signatureKey } from "./signature";

export interface SimulatorOptions {
  /** Basic-auth username expected on every server call. */
  serverKey: string;
  /** Default 0: a random free port. */
  port?: number;
  /** Default "127.0.0.1". Loopback only (127.0.0.0/8, ::1, localhost): anything else is refused. */
  host?: string;
  /** Base URL the buyer's browser uses; default http://{host}:{actualPort}. */
  publicUrl?: string;
  /** Delays between retries when a notification is not answered 2xx; default [2000, 10000, 30000, 60000, 120000]. */
  notificationRetryDelaysMs?: number[];
  /** Default 15000, like Midtrans. */
  notificationTimeoutMs?: number;
  logger?: SimLogger;
  /** Fault modes active from the start (validated: an invalid one throws SimulatorError); default {} (healthy). */
  faults?: FaultConfig;
  /**
   * Keep the transactions across restarts in `stateDir/state.json` (loaded on start, written after
   * each change: server/simulator/state.ts), as Midtrans keeps them. Unset: in memory only.
   * Notification retries still pending at a restart are not kept (Astapa's reconcile repairs them).
   */
  stateDir?: string;
}

export interface MidtransSimulator {
  /** e.g. http://127.0.0.1:43123 (no trailing slash) */
  url: string;
  serverKey: string;
  /** Stops the server and cancels pending notification retries. */
  close(): Promise<void>;
  pay(orderId: string, method: PaymentChoice): Promise<SimTransaction>;
  /** pending -> settlement; capture -> settlement */
  approve(orderId: string): Promise<SimTransaction>;
  deny(orderId: string): Promise<SimTransaction>;
  cancel(orderId: string): Promise<SimTransaction>;
  expire(orderId: string): Promise<SimTransaction>;
  refund(orderId: string, amount?: number, reason?: string): Promise<SimTransaction>;
  resendNotification(orderId: string): Promise<void>;
  getTransaction(orderId: string): SimTransaction | undefined;
  listTransactions(): SimTransaction[];
  /** Every notification POST attempt, and notifications lost to notificationDropRate (fault: "dropped"). */
  notificationLog(): NotificationDelivery[];
  /**
   * Replaces the whole fault configuration ({} = healthy) and restarts its random streams from `seed`.
   * Applies to the Snap/Core API and notifications only. Throws SimulatorError("invalid_input") when invalid.
   */
  setFaults(config: FaultConfig): void;
  /** The fault configuration in effect (a copy). */
  faults(): FaultConfig;
  /** Counts since start (or resetStats()) of Snap/Core API outcomes and notification deliveries. */
  stats(): SimulatorStats;
  resetStats(): void;
}

const DEFAULT_RETRY_DELAYS_MS = [2000, 10_000, 30_000, 60_000, 120_000];
const EXPIRY_SWEEP_MS = 1000;
const silentLogger: SimLogger = { info() {}, warn() {} };

/**
 * The simulator's control API (/__sim) has no authentication, lists buyers' e-mails and can make
 * it POST to any URL: it is for the machine it runs on only.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
}

export async function startMidtransSimulator(opts: SimulatorOptions): Promise<MidtransSimulator> {
  const logger = opts.logger ?? silentLogger;
  const host = opts.host ?? "127.0.0.1";
  if (!isLoopbackHost(host)) {
    throw new SimulatorError("invalid_input", `The Midtrans simulator listens on loopback only (127.0.0.1, ::1 or localhost), not "${host}"`);
  }
  const initialFaults = parseFaultConfig(opts.faults ?? {});
  const faults = new FaultInjector(logger);
  const notifier = new Notifier({
    retryDelaysMs: opts.notificationRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    timeoutMs: opts.notificationTimeoutMs ?? 15_000,
    logger,
    faults,
  });
  if (Object.keys(initialFaults).length > 0) faults.set(initialFaults);
  let publicUrl = "";
  const engine = new SimulatorEngine({ serverKey: opts.serverKey, notifier, logger, publicUrl: () => publicUrl });
  const stateFile = opts.stateDir ? new StateFile(opts.stateDir, engine.store, logger) : null;
  stateFile?.load();
  const server = createServer(createApp(engine, notifier, logger, faults));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  publicUrl = (opts.publicUrl ?? url).replace(/\/+$/, "");

  // Pending payments must expire (and notify) even when nobody calls the simulator.
  const sweep = setInterval(() => engine.expireOverdue(), EXPIRY_SWEEP_MS);
  sweep.unref();

  const snapshot = (tx: SimTransaction): SimTransaction => structuredClone(tx);
  logger.info({ url, publicUrl }, "Midtrans simulator listening");

  return {
    url,
    serverKey: opts.serverKey,
    async close() {
      clearInterval(sweep);
      notifier.close();
      // Destroys the sockets held by apiTimeoutRate and cancels calls waiting out apiLatencyMs.
      faults.close();
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets would hold close() open.
        server.closeAllConnections();
      });
      await stateFile?.close();
    },
    pay: async (orderId, method) => snapshot(engine.pay(orderId, method)),
    approve: async (orderId) => snapshot(engine.approve(orderId)),
    deny: async (orderId) => snapshot(engine.deny(orderId)),
    cancel: async (orderId) => snapshot(engine.cancel(orderId)),
    expire: async (orderId) => snapshot(engine.expire(orderId)),
    refund: async (orderId, amount, reason) => snapshot(engine.refund(orderId, { amount, reason }).tx),
    resendNotification: async (orderId) => engine.resendNotification(orderId),
    getTransaction: (orderId) => {
      const tx = engine.store.get(orderId);
      return tx && snapshot(tx);
    },
    listTransactions: () => engine.store.list().map(snapshot),
    notificationLog: () => notifier.log(),
    setFaults: (config) => faults.set(config),
    faults: () => faults.get(),
    stats: () => faults.stats(),
    resetStats: () => faults.resetStats(),
  };
}
