import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** Test helpers for starting the product's processes on free ports and always stopping them. */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  /** SIGINT (like Ctrl-C), wait for exit; SIGKILL the whole group if it hangs. Resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

const running = new Set<Started>();
function killAll() {
  for (const p of running) {
    try {
      if (p.child.pid) process.kill(-p.child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
process.once("exit", killAll);

/**
 * Node's flags for the server, as `npm start` and `npm run dev` pass them (package.json; server/main.test.ts
 * keeps the two in step). A 64 MiB young generation (V8's default is 16): every request allocates tens of
 * kilobytes that die young, and each scavenge stops the event loop for some milliseconds whatever its size;
 * at the door's paced rate this made 4–5 times fewer scavenges and 1.1 to 4.4 times less time paused
 * in all (BENCHMARKS.md, Door). Costs up to ~150 MiB more memory under load.
 * No allocation-site pretenuring: V8 otherwise learns, from a burst in which a request's objects outlive
 * a scavenge (a queue after a pause), to allocate them straight in the old generation, where they die
 * just as young and wait for a full collection; without it the door's paced run paused 45–48 ms in all
 * instead of 57–66, its longest scavenge 4.6–5.2 ms instead of 5.4–6.0 (decision 011).
 */
export const SERVER_NODE_ARGS = ["--max-semi-space-size=64", "--no-allocation-site-pretenuring"];

/**
 * Spawns `node --import tsx <script>` in its own process group (server/main.ts with SERVER_NODE_ARGS, as
 * `npm start` runs it, unless `nodeArgs` says otherwise) and resolves once `ready` appears in
 * its output (or rejects with the output when it exits or times out first).
 */
export async function startScript(
  script: string,
  options: {
    env: Record<string, string>;
    ready?: RegExp;
    timeoutMs?: number;
    args?: string[];
    nodeArgs?: string[];
    /**
     * false: once ready, the child's output is read and dropped, not kept for `output()` (a bench's server
     * logs a line per request: kept, it would grow in the load generator's heap and its collector's pauses
     * would count in the latencies measured). Default true.
     */
    keepOutput?: boolean;
  },
): Promise<Started> {
  const nodeArgs = options.nodeArgs ?? (script === "server/main.ts" ? SERVER_NODE_ARGS : []);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let keep = true;
  const collect = (d: Buffer) => {
    if (keep) out += d;
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started: Started = {
    child,
    output: () => out,
    exited,
    async stop(signal = "SIGINT") {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(started);
        return child.exitCode;
      }
      child.kill(signal);
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 15_000);
      const code = await exited;
      clearTimeout(timer);
      running.delete(started);
      return code;
    },
  };
  running.add(started);
  if (!options.ready) return started;
  const ready = options.ready;
  const timeoutMs = options.timeoutMs ?? 120_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${script} was not ready within ${timeoutMs} ms. Output:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      if (ready.test(out)) {
        cleanup();
        if (options.keepOutput === false) keep = false;
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${script} exited (code ${code}) before it was ready. Output:\n${out}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      child.off("exit", onExit);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", onExit);
    onData();
  });
  return started;
}

export interface AppInstance extends Started {
  url: string;
  chainUrl: string;
}

/** Starts the whole product (server/main.ts, production build) on free ports. */
export async function startApp(dataDir: string, extraEnv: Record<string, string> = {}): Promise<AppInstance> {
  const [port, chainPort] = [await freePort(), await freePort()];
  const app = await startScript("server/main.ts", {
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      LOCAL_CHAIN_PORT: String(chainPort),
      DATA_DIR: dataDir,
      NODE_ENV: "production",
      ...extraEnv,
    },
    ready: /is running at http/,
  });
  return Object.assign(app, { url: `http://127.0.0.1:${port}`, chainUrl: `http://127.0.0.1:${chainPort}` });
}
