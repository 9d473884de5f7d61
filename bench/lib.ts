import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Helpers shared by the timing benchmarks (sale-day, http, door, page-weight). */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** `--name value` or `--name=value` from argv. */
export function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i]!.startsWith(`--${name}=`)) return args[i]!.slice(name.length + 3);
  }
  return undefined;
}

export function hasFlag(name: string): boolean {
  return process.argv.slice(2).some((a) => a === `--${name}`);
}

export function machine(): string {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) cpu = match[1]!.trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" / ");
  return `${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at start ${load} (1 / 5 / 15 min; the machine is shared)`;
}

export const fmtInt = (n: number | bigint) => (typeof n === "bigint" ? n : BigInt(Math.round(n))).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
export const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function markdownTable(headers: string[], rows: string[][]): string {
  const align = headers.map((h) => (h.startsWith(">") ? " ---: " : " --- "));
  const names = headers.map((h) => h.replace(/^>/, ""));
  return [`| ${names.join(" | ")} |`, `|${align.join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** Replaces (or appends) the `## <title>` section of BENCHMARKS.md; the other sections are kept. */
export function writeSection(title: string, body: string): void {
  const file = path.join(ROOT, "BENCHMARKS.md");
  const section = `## ${title}\n\n${body.trim()}\n`;
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const start = previous.search(new RegExp(`^## ${escaped}$`, "m"));
  let next: string;
  if (start < 0) {
    next = `${previous.trimEnd()}\n\n${section}`;
  } else {
    const after = previous.slice(start + 1).search(/^## /m);
    const end = after < 0 ? previous.length : start + 1 + after;
    next = `${previous.slice(0, start)}${section}${after < 0 ? "" : `\n${previous.slice(end)}`}`;
  }
  writeFileSync(file, next);
  console.log(`wrote the "## ${title}" section of BENCHMARKS.md`);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/**
 * The whole product (server/main.ts on the production build, embedded defaults) on free ports, like
 * test/support/processes.ts startApp but with a start-up allowance for a loaded machine (Ignition deploys
 * the platform on the first start).
 */
export async function startProductionApp(dataDir: string, extraEnv: Record<string, string> = {}) {
  const { freePort, startScript } = await import("../test/support/processes");
  const [port, chainPort] = [await freePort(), await freePort()];
  const app = await startScript("server/main.ts", {
    env: { PORT: String(port), HOST: "127.0.0.1", LOCAL_CHAIN_PORT: String(chainPort), DATA_DIR: dataDir, NODE_ENV: "production", ...extraEnv },
    ready: /is running at http/,
    timeoutMs: 900_000,
  });
  // Keep draining its output (request logs) without piling it up in this process, which also runs the load.
  for (const stream of [app.child.stdout!, app.child.stderr!]) {
    stream.removeAllListeners("data");
    stream.resume();
  }
  return Object.assign(app, { url: `http://127.0.0.1:${port}` });
}

/** `remix vite:build` (the app's production build), unless --no-build. */
export async function buildApp(): Promise<void> {
  if (hasFlag("no-build")) return;
  const { startScript } = await import("../test/support/processes");
  console.error("[bench] building the app (remix vite:build)…");
  const build = await startScript("node_modules/@remix-run/dev/dist/cli.js", { env: {}, args: ["vite:build", "--logLevel", "error"] });
  if ((await build.exited) !== 0) throw new Error(`build failed:\n${build.output()}`);
}

/**
 * One of V8's profilers over this process, from now until `stop()`, which writes its profile to `file`:
 * `domain`.enable, then `start` with `params`; `stop` answers `{ profile }`.
 */
async function inspectorProfile(file: string, domain: "Profiler" | "HeapProfiler", start: string, params: object, stop: string): Promise<{ stop(): Promise<void> }> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  // By name: the overloads of Session.post do not take a method chosen at run time.
  const post = session.post.bind(session) as (method: string, params?: object) => Promise<{ profile?: unknown }>;
  await post(`${domain}.enable`);
  await post(`${domain}.${start}`, params);
  return {
    async stop() {
      const { profile } = await post(`${domain}.${stop}`);
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** A CPU profile of this process from now until `stop()`, written to `file` (open it in Chrome DevTools). */
export function startProfile(file: string): Promise<{ stop(): Promise<void> }> {
  return inspectorProfile(file, "Profiler", "start", {}, "stop");
}

/**
 * V8's sampling heap profiler, keeping only the objects that outlived a scavenge (promoted to the old
 * generation, or allocated there by pretenuring): what makes the full collections. Written as a
 * .heapprofile (Chrome DevTools → Memory). It slows the collector: not for a run whose latency counts.
 */
export function startSurvivorProfile(file: string): Promise<{ stop(): Promise<void> }> {
  return inspectorProfile(file, "HeapProfiler", "startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false }, "stopSampling");
}

export interface OpenLoopRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** openLoop does not reuse a connection idle this long: below node's default server keep-alive timeout (5 s). */
const STALE_AFTER_MS = 4_000;

export interface OpenLoopResult {
  /** answers per second over the run (first scheduled send to last answer) */
  rate: number;
  /** ms from each request's scheduled send time to its whole answer, sorted */
  latencies: number[];
  /** per measured request, in order: when it was due, on the wall clock (performance.timeOrigin-based ms) */
  dueAt: Float64Array;
  /** per measured request, in order: its latency (ms), as in `latencies` */
  latencyOf: Float64Array;
}

/**
 * An open-loop load: request i is due at start + i / rate, whether or not earlier ones were answered, over
 * at most `connections` keep-alive connections, one request in flight on each (as a scanner device sends
 * its next scan after the answer to the last). A request that waits for a free connection waits on the
 * clock: its latency counts from the time it was due, not from when it went out, so a slow server cannot
 * hide its queue (no coordinated omission). autocannon's `overallRate` is not this: it lets each
 * connection send as fast as it can until its per-second quota is used, so its load comes in bursts at
 * the start of each second.
 *
 * The client is lean on purpose, like autocannon's: each request's bytes are built before the run, and an
 * answer is read by its Content-Length on a plain TCP socket. node:http's client cost ~170 µs of CPU per
 * request, on the core the database shares; its time would count in the latency it measures.
 */
export async function openLoop(options: {
  url: string;
  rate: number;
  count: number;
  connections: number;
  request: (i: number) => OpenLoopRequest;
  onBody?: (body: string) => void;
  /**
   * Requests sent first, on the same clock and connections, and not measured (neither latency nor rate nor
   * onBody): a server that has been up at this rate has its connections open and its caches full.
   */
  warm?: { count: number; request: (i: number) => OpenLoopRequest };
}): Promise<OpenLoopResult> {
  const net = await import("node:net");
  const target = new URL(options.url);
  const warm = options.warm?.count ?? 0;
  const total = warm + options.count;
  const bytes = Array.from({ length: total }, (_, i) => {
    const { path: p, headers, body } = i < warm ? options.warm!.request(i) : options.request(i - warm);
    const lines = Object.entries({ ...headers, host: target.host, "content-length": String(Buffer.byteLength(body)) }).map(([k, v]) => `${k}: ${v}\r\n`);
    return Buffer.from(`POST ${p} HTTP/1.1\r\n${lines.join("")}\r\n${body}`);
  });
  const latencies: number[] = [];
  const dueAt = new Float64Array(options.count);
  const latencyOf = new Float64Array(options.count);
  const start = performance.now();
  /** when the first measured request was due */
  const measuredFrom = start + (warm * 1000) / options.rate;
  const due = (i: number) => start + (i * 1000) / options.rate;
  let last = start;
  let sent = 0; // requests handed to a connection
  let released = 0; // requests whose time has come
  let answered = 0;
  const idle: Conn[] = [];
  const all: Conn[] = [];
  let connecting = 0;

  interface Conn {
    socket: import("node:net").Socket;
    /** the request in flight, or -1 */
    current: number;
    /** when it last became idle (performance.now()) */
    idleSince: number;
    buffer: Buffer;
  }

  await new Promise<void>((resolve, reject) => {
    const send = (conn: Conn) => {
      const i = sent++;
      conn.current = i;
      conn.socket.write(bytes[i]!);
    };
    const answer = (conn: Conn, body: Buffer) => {
      const i = conn.current;
      conn.current = -1;
      if (i >= warm) {
        last = performance.now();
        latencies.push(last - due(i));
        dueAt[i - warm] = performance.timeOrigin + due(i);
        latencyOf[i - warm] = last - due(i);
        options.onBody?.(body.toString("utf8"));
      }
      if (++answered === total) return resolve();
      if (sent < released) send(conn);
      else park(conn);
    };
    const park = (conn: Conn) => {
      conn.idleSince = performance.now();
      idle.push(conn);
    };
    /**
     * An idle connection to send on, or null. One idle longer than STALE_AFTER_MS is closed instead of
     * used: the server may be closing it (its keep-alive timeout), and a request written as it closes is
     * reset. HTTP clients (browsers, undici) likewise retire such connections rather than race the server.
     */
    const takeIdle = (): Conn | null => {
      for (let conn = idle.pop(); conn; conn = idle.pop()) {
        if (performance.now() - conn.idleSince < STALE_AFTER_MS) return conn;
        all.splice(all.indexOf(conn), 1);
        conn.socket.destroy();
      }
      return null;
    };
    const open = () => {
      connecting++;
      const conn: Conn = { socket: net.connect({ host: target.hostname, port: Number(target.port), noDelay: true }), current: -1, idleSince: 0, buffer: Buffer.alloc(0) };
      all.push(conn);
      conn.socket.on("error", reject);
      conn.socket.on("close", () => {
        // An idle connection the server closed (its keep-alive timeout) is dropped; one with a request in flight is an error.
        if (conn.current >= 0) return reject(new Error(`the server closed a connection with request ${conn.current} unanswered`));
        if (idle.includes(conn)) idle.splice(idle.indexOf(conn), 1);
        if (all.includes(conn)) all.splice(all.indexOf(conn), 1);
      });
      conn.socket.on("data", (chunk: Buffer) => {
        conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
        for (;;) {
          const headEnd = conn.buffer.indexOf("\r\n\r\n");
          if (headEnd < 0) return;
          const head = conn.buffer.subarray(0, headEnd).toString("latin1");
          const length = /\r\ncontent-length: *(\d+)/i.exec(head);
          if (!length) return reject(new Error(`an answer without Content-Length: ${head.slice(0, 200)}`));
          const end = headEnd + 4 + Number(length[1]);
          if (conn.buffer.length < end) return;
          const body = conn.buffer.subarray(headEnd + 4, end);
          conn.buffer = conn.buffer.subarray(end);
          answer(conn, body);
        }
      });
      conn.socket.once("connect", () => {
        connecting--;
        if (sent < released) send(conn);
        else park(conn);
      });
    };
    const tick = () => {
      released = Math.min(total, Math.floor(((performance.now() - start) * options.rate) / 1000) + 1);
      for (let conn = sent < released ? takeIdle() : null; conn; conn = sent < released ? takeIdle() : null) send(conn);
      // More due than free connections: open more, up to the cap (each sends when connected).
      while (released - sent > connecting && all.length < options.connections) open();
      if (released < total) setTimeout(tick, 1);
    };
    tick();
  });
  for (const conn of all) conn.socket.destroy();
  latencies.sort((a, b) => a - b);
  return { rate: options.count / ((last - measuredFrom) / 1000), latencies, dueAt, latencyOf };
}
