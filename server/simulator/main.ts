import pino from "pino";
import { describeFaults, isLoopbackHost, parseFaultConfig, startMidtransSimulator, type FaultConfig } from "./index";
import { loadDotEnv } from "../config/dotenv";

/** Standalone simulator: `npm run simulator`. Reads `.env` too (set variables win). */
loadDotEnv();
const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
const env = process.env;
const port = Number(env.MIDTRANS_SIMULATOR_PORT || 3001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`MIDTRANS_SIMULATOR_PORT must be a port number, got ${env.MIDTRANS_SIMULATOR_PORT}`);
  process.exit(1);
}

// Optional fault modes from the start, e.g. MIDTRANS_SIMULATOR_FAULTS='{"apiErrorRate":0.2,"seed":1}'.
let faults: FaultConfig | undefined;
if (env.MIDTRANS_SIMULATOR_FAULTS?.trim()) {
  try {
    faults = parseFaultConfig(JSON.parse(env.MIDTRANS_SIMULATOR_FAULTS));
  } catch (err) {
    console.error(`MIDTRANS_SIMULATOR_FAULTS must be a JSON fault configuration: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

// Its control API has no authentication: never next to real money unless explicitly asked for.
const withProductionKeys = ["true", "1"].includes(env.MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS ?? "");
if (env.MIDTRANS_PRODUCTION_SERVER_KEY?.trim() && !withProductionKeys) {
  console.error(
    "Refusing to start the Midtrans simulator: production Midtrans keys are configured (MIDTRANS_PRODUCTION_SERVER_KEY). " +
      "Set MIDTRANS_SIMULATOR_WITH_PRODUCTION_KEYS=true to run it anyway (on loopback only).",
  );
  process.exit(1);
}
const host = env.MIDTRANS_SIMULATOR_HOST?.trim() || undefined;
if (host && !isLoopbackHost(host)) {
  console.error(`MIDTRANS_SIMULATOR_HOST must be a loopback address (127.0.0.1, ::1 or localhost), got "${host}": the simulator's control API has no authentication`);
  process.exit(1);
}

const simulator = await startMidtransSimulator({
  serverKey: env.MIDTRANS_SIMULATOR_SERVER_KEY || "SB-Mid-server-SIMULATOR",
  port,
  host,
  publicUrl: env.MIDTRANS_SIMULATOR_PUBLIC_URL || undefined,
  logger,
  faults,
});
console.log(`Midtrans simulator running at ${simulator.url} (dashboard: ${simulator.url}/dashboard)`);
const active = describeFaults(simulator.faults());
if (active.length > 0) console.log(`Fault injection active: ${active.join(", ")} (PUT/DELETE ${simulator.url}/__sim/faults to change)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
