// Slow clients against one web process with the documented limits (README "Timeouts"):
// slow headers, slow bodies, and clients that pipeline requests for the largest JavaScript
// bundle and never read the answers. Measures when the server cuts each and what the
// never-readers cost in memory.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { createBenchDatabase } from "../harness/database";
import { startProcess, type RunningProcess } from "../harness/processes";
import { startMidtransSimulator } from "../../server/simulator";

const SERVER_KEY = "SB-Mid-server-RESILIENCE";
const until = (ms: number) => new Promise((r) => setTimeout(r, ms));

function largestBundle(): { file: string; bytes: number } {
  const dir = "public/build";
  let best = { file: "", bytes: 0 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith(".js") && st.size > best.bytes) best = { file: `/${path.relative("public", p)}`, bytes: st.size };
    }
  };
  walk(dir);
  return best;
}

/** Established connections to `port` on the server's side (from /proc/net/tcp*): a paused client cannot see its socket closed. */
function establishedTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  let n = 0;
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is column 1 ("0100007F:0BB8"), st column 3 ("01" = ESTABLISHED).
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "01") n++;
    }
  }
  return n;
}

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
};

/** Connects, sends `head`, then one byte of `trickle` every second until the server closes; resolves with seconds until the close. */
function trickleClient(port: number, head: string, trickle: string): Promise<{ seconds: number; status: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    let received = "";
    const socket: Socket = connect(port, "127.0.0.1", () => socket.write(head));
    const timer = setInterval(() => socket.writable && socket.write(trickle), 1000);
    socket.on("data", (d) => (received += d.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ seconds: Math.round((Date.now() - started) / 100) / 10, status: received.split("\r\n")[0] || "(closed without an answer)" });
    });
  });
}

const stats = (xs: number[]) => ({ min: Math.min(...xs), max: Math.max(...xs) });

export async function runSlowClientScenario(opts: { databaseUrl: string; clients?: number; pipelined?: number }) {
  const clients = opts.clients ?? 30;
  const pipelined = opts.pipelined ?? 100;
  if (!existsSync("build/index.js")) spawnSync(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "build"], { stdio: "inherit" });
  const db = await createBenchDatabase(opts.databaseUrl);
  const sim = await startMidtransSimulator({ serverKey: SERVER_KEY });
  const port = 4601 + Math.floor(Math.random() * 300);
  let web: RunningProcess | null = null;
  try {
    web = await startProcess("server/main.ts", {
      env: {
        DATABASE_URL: db.url,
        MIDTRANS_SIMULATOR_URL: sim.url,
        MIDTRANS_SIMULATOR_SERVER_KEY: SERVER_KEY,
        PORT: String(port),
        RUN_WORKERS: "false",
      },
      url: `http://127.0.0.1:${port}`,
      readyUrl: `http://127.0.0.1:${port}/healthz`,
    });
    const pid = web.pid;

    // Slow headers and slow bodies, five of each at once.
    const [headers, bodies] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => trickleClient(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "a"))),
      Promise.all(
        Array.from({ length: 5 }, () =>
          trickleClient(
            port,
            "POST /api/platform/shop-payment HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
            " ",
          ),
        ),
      ),
    ]);

    // Clients that pipeline requests for the largest bundle and never read: beyond the
    // pipelining bound (cut at once), and within it (cut when their answers stop leaving).
    const bundle = largestBundle();
    const neverReaders = async (each: number) => {
      await until(1000);
      const rssBefore = rssMb(pid);
      const startedAt = Date.now();
      const sockets: Socket[] = [];
      for (let i = 0; i < clients; i++) {
        const s = connect(port, "127.0.0.1");
        s.pause();
        s.on("error", () => {});
        s.once("connect", () => s.write(`GET ${bundle.file} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(each)));
        sockets.push(s);
      }
      let rssPeak = rssBefore;
      let cutAt = 0;
      while (Date.now() - startedAt < 180_000) {
        await until(250);
        rssPeak = Math.max(rssPeak, rssMb(pid));
        if (establishedTo(port) === 0) {
          cutAt = Date.now();
          break;
        }
      }
      for (const s of sockets) s.destroy();
      return {
        clients,
        pipelinedEach: each,
        allCutAfterSeconds: cutAt ? Math.round((cutAt - startedAt) / 100) / 10 : null,
        rssBeforeMb: rssBefore,
        rssPeakMb: rssPeak,
        rssGrowthMb: Math.round((rssPeak - rssBefore) * 10) / 10,
      };
    };
    const overBound = await neverReaders(pipelined);
    const withinBound = await neverReaders(10);
    return {
      limits: { headersSeconds: 15, requestSeconds: 30, sendStallSeconds: 30, maxPipelinedRequests: 16 },
      slowHeaders: { clients: headers.length, cutAfterSeconds: stats(headers.map((h) => h.seconds)), answers: [...new Set(headers.map((h) => h.status))] },
      slowBodies: { clients: bodies.length, cutAfterSeconds: stats(bodies.map((b) => b.seconds)), answers: [...new Set(bodies.map((b) => b.status))] },
      neverReading: { file: bundle.file, fileKb: Math.round(bundle.bytes / 1024), overPipeliningBound: overBound, withinPipeliningBound: withinBound },
    };
  } finally {
    await web?.stop();
    await sim.close();
    await db.drop();
  }
}
