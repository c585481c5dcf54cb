import pino from "pino";
import { startMidtransSimulator } from "./index";

/** Standalone simulator: `npm run simulator`. */
const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
const env = process.env;
const port = Number(env.MIDTRANS_SIMULATOR_PORT || 3001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`MIDTRANS_SIMULATOR_PORT must be a port number, got ${env.MIDTRANS_SIMULATOR_PORT}`);
  process.exit(1);
}

const simulator = await startMidtransSimulator({
  serverKey: env.MIDTRANS_SIMULATOR_SERVER_KEY || "SB-Mid-server-SIMULATOR",
  port,
  host: env.MIDTRANS_SIMULATOR_HOST || undefined,
  publicUrl: env.MIDTRANS_SIMULATOR_PUBLIC_URL || undefined,
  logger,
});
console.log(`Midtrans simulator running at ${simulator.url} (dashboard: ${simulator.url}/dashboard)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
