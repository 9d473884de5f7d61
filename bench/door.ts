/**
 * Door benchmark: verifications per second and latency through the scanner's verify endpoint
 * (`POST /door/:eventSlug/verify`: `verifyScan` with its session check, rate limits, pass signature check,
 * indexed-ticket check and check-in write). Scans are answered as the production server answers them: by
 * the fast path in front of the app (server/door-fast-path.ts, with the request id, log line, histogram
 * and security headers), here on a plain node:http server in a child process on PGlite (or `--database`);
 * autocannon in this process sends `--scans` distinct valid passes (each admits a different
 * ticket), after `--warm` scans that are not measured (a door server runs for hours: its code is compiled,
 * its caches are full). The velocity limits stay on at their production values (120 / steward / min,
 * 600 / address / min): the scans are spread over enough stewards and gate addresses that none of them
 * reaches its limit (the bench checks that no answer is a 429).
 *
 * Rows, all measured in the same run:
 * - the route over HTTP (autocannon, `--connections`): wall-clock rate and latency, and verifications per
 *   CPU-second of the route's process (its user + system time from /proc: one process = one core, whatever
 *   else the shared machine runs);
 * - the route at a paced rate (`--pace`, default 2,000 scans / s, open loop with bench/lib.ts `openLoop`,
 *   `--rate-scans` more distinct passes): the latency a door sees at the goal's rate (a closed loop's
 *   latency is its own queue), and the route's own share of it (`elapsedMs` in each answer);
 * - a bare node:http server (own process) answering the same response bytes: the baseline;
 * - the route alone: the same route module called in the child process one scan at a time, with nothing
 *   else running in the bench (no HTTP client): its p99 is the verify path's own;
 * - the pass signature check alone, in process: the server's (libsecp256k1) and the browser's (noble).
 *
 *   node --import tsx bench/door.ts [--database postgres://…] [--warm 3000] [--scans 20000] [--alone 2000] [--rate-scans 20000] [--pace 2000] [--paced-warm 4000] [--connections 32] [--paced-connections 256] [--no-write]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flag, fmt, fmtInt, hasFlag, machine, markdownTable, openLoop, startProfile, startSurvivorProfile, writeSection } from "./lib";

const SCANS = Number(flag("scans") ?? 20000);
const ALONE = Number(flag("alone") ?? 2000);
const CONNECTIONS = Number(flag("connections") ?? 32);
/** The paced run's connection cap: a door's scanners are many devices, each with its own connection. */
const PACED_CONNECTIONS = Number(flag("paced-connections") ?? 256);
/** The paced run: RATE more distinct passes offered at PACE scans / s (open loop), for the latency at the goal's rate. */
const RATE = Number(flag("rate-scans") ?? 20000);
const PACE = Number(flag("pace") ?? 2000);
/** Scans sent before anything is measured, so that the route's code runs compiled (a door server runs for hours). */
const WARM = Number(flag("warm") ?? 3000);
/** Scans offered at the paced rate before the paced run is measured (its connections open, its stewards' checks cached). */
const PACED_WARM = Number(flag("paced-warm") ?? 2 * PACE);
const { DOOR_LIMITS } = await import("../app/services/door-http.server");
const USER_LIMIT = DOOR_LIMITS.scanUser.points;
const IP_LIMIT = DOOR_LIMITS.scanIp.points;
/** Distinct passes for the closed-loop runs: a quarter more than are sent (see perConnection). */
const POOL = Math.ceil(SCANS * 1.25);
const WARM_POOL = Math.ceil(WARM * 1.25);
const OVER_HTTP = WARM_POOL + POOL + PACED_WARM + RATE;
/** Enough stewards and gate addresses that none reaches its velocity limit (the alone run uses the stewards too). */
const STEWARDS = Math.max(64, Math.ceil((OVER_HTTP + ALONE) / (USER_LIMIT * 0.8)));
const GATES = Math.max(16, Math.ceil(OVER_HTTP / (IP_LIMIT * 0.8)));
const ALONE_PER_ADDRESS = 500;

interface Setup {
  url: string;
  slug: string;
  warmPasses: string[];
  passes: string[];
  pacedWarmPasses: string[];
  pacedPasses: string[];
  cookies: string[];
  pid: number;
}

/** Garbage-collector pauses: young-generation (scavenge) and the rest (mark-compact and its incremental steps). */
interface GcStats {
  minor: number;
  minorMs: number;
  major: number;
  majorMs: number;
  maxMs: number;
  /** each pause: [start, duration] in ms, start on the wall clock (performance.timeOrigin + startTime), at most GC_PAUSES_KEPT */
  pauses: Array<[number, number]>;
}

const GC_PAUSES_KEPT = 10_000;
/** A paced scan counts as slow above this (the goal's p99). */
const SLOW_MS = 10;

interface AloneStats {
  scans: number;
  seconds: number;
  cpuSeconds: number;
  p50: number;
  p99: number;
  answers: Record<string, number>;
}

/** CPU seconds (user + system) used so far by process `pid`, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number): number | null {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return null;
  const fields = readFileSync(file, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}


/**
 * The machine's CPU time so far (all cores, clock ticks) and the part the hypervisor gave to other guests
 * ("steal", /proc/stat): on a shared virtual machine, time this one's processes were ready to run and
 * could not. null off Linux.
 */
function machineTicks(): { total: number; steal: number } | null {
  if (!existsSync("/proc/stat")) return null;
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** A pause's queue: scans due up to this long after a collector pause ended count as caught by it. */
const TAIL_AFTER_PAUSE_MS = 10;

/**
 * How many paced scans were slower than SLOW_MS, and how many of those overlapped a garbage-collector pause
 * of the route's process (or its queue: TAIL_AFTER_PAUSE_MS after it); and the share of the run's time that
 * such windows cover. Both processes time with performance.timeOrigin + now (the wall clock, same machine).
 */
function slowScansAtPauses(run: { dueAt: Float64Array; latencyOf: Float64Array }, pauses: Array<[number, number]>) {
  const windows = pauses.map(([start, ms]) => [start, start + ms + TAIL_AFTER_PAUSE_MS] as const).sort((a, b) => a[0] - b[0]);
  let slow = 0;
  let slowAtPause = 0;
  for (let i = 0; i < run.dueAt.length; i++) {
    if (run.latencyOf[i]! <= SLOW_MS) continue;
    slow++;
    const due = run.dueAt[i]!;
    const answered = due + run.latencyOf[i]!;
    if (windows.some(([from, to]) => from <= answered && to >= due)) slowAtPause++;
  }
  const first = run.dueAt[0] ?? 0;
  const last = run.dueAt[run.dueAt.length - 1] ?? first;
  let covered = 0;
  let reach = first;
  for (const [from, to] of windows) {
    const a = Math.max(from, reach);
    const b = Math.min(to, last);
    if (b > a) covered += b - a;
    reach = Math.max(reach, to);
  }
  return { slow, slowAtPause, windowShare: last > first ? covered / (last - first) : 0 };
}

function answerKey(text: string): string {
  if (/"ok":true/.test(text)) return "admitted";
  return /"reason":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 60);
}

if (hasFlag("serve")) {
  // ----- child: the route on PGlite -----
  const { createRequire } = await import("node:module");
  const { getAddress, parseEther, toHex } = await import("viem");
  const { parseEnv } = await import("../app/env.server");
  const { setSecrets } = await import("../app/services/secrets.server");
  const { createSession, SESSION_COOKIE } = await import("../app/services/session.server");
  const { getDbHandle, migrate } = await import("../db/client.server");
  const { eventStaff, events, tickets, ticketTiers, users } = await import("../db/schema");
  const { doorPassDigest, encodeDoorPass, passWindow } = await import("../app/lib/door-pass");
  const { serveFetch } = await import("../test/support/fetch-server");
  const verify = await import("../app/routes/door.$eventSlug.verify");
  (globalThis as Record<symbol, unknown>)[Symbol.for("ticketchain.env")] = parseEnv({ ...process.env, DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "", CHAIN: "local" });
  setSecrets({ keks: [{ id: "door1", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
  // --database: a throwaway database on that PostgreSQL (the parent creates and drops it); default PGlite.
  const handle = await getDbHandle({ databaseUrl: process.env.DOOR_BENCH_DATABASE_URL || undefined, pgliteDir: "memory://" });
  await migrate(handle);
  const contract = getAddress("0x" + "ab".repeat(20));
  const slug = "door-bench";
  const total = OVER_HTTP + ALONE;
  const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter", email: "p@bench.example" }).returning({ id: users.id });
  const [event] = await handle.db
    .insert(events)
    .values({ slug, promoterId: promoter!.id, name: "Door Bench", venue: "Hall", city: "Lisbon", startsAt: new Date(Date.now() + 3_600_000), status: "published", chainId: 31337, onChainId: "1", contractAddress: contract })
    .returning({ id: events.id });
  await handle.db.insert(ticketTiers).values({ eventId: event!.id, position: 0, name: "Standing", priceCents: 3000, priceWei: parseEther("0.01").toString(), supply: total });
  const stewards = await handle.db
    .insert(users)
    .values(Array.from({ length: STEWARDS }, (_, i) => ({ displayName: `Steward ${i}`, role: "scanner" as const, email: `s${i}@bench.example` })))
    .returning({ id: users.id });
  await handle.db.insert(eventStaff).values(stewards.map((s) => ({ eventId: event!.id, userId: s.id })));
  const cookies: string[] = [];
  for (const s of stewards) {
    const headers = await createSession(new Request("http://localhost/"), s.id, "email", handle.db);
    cookies.push(headers.get("set-cookie")!.match(new RegExp(`${SESSION_COOKIE}=[^;]+`))![0]);
  }
  // One fan per ticket, as at a real door (a pass's holder is new on almost every scan, so nothing keyed by
  // holder stays warm): keys made and their addresses derived with libsecp256k1 (microseconds each).
  const secp256k1 = createRequire(import.meta.url)("secp256k1/bindings") as {
    ecdsaSign(m: Uint8Array, k: Uint8Array): { signature: Uint8Array; recid: number };
    publicKeyCreate(k: Uint8Array, compressed: boolean): Uint8Array;
  };
  const { addressHexOf } = await import("../app/services/door-signature.server");
  const keys = Array.from({ length: total }, () => randomBytes(32));
  const holders = keys.map((key) => getAddress(`0x${addressHexOf(secp256k1.publicKeyCreate(key, false))}`));
  const rows = Array.from({ length: total }, (_, i) => ({
    chainId: 31337,
    contractAddress: contract.toLowerCase(),
    tokenId: String(i + 1),
    eventId: event!.id,
    tierPosition: 0,
    owner: holders[i]!.toLowerCase(),
    originalOwner: holders[i]!.toLowerCase(),
    mintedBlock: 1,
    updatedBlock: 1,
  }));
  for (let i = 0; i < rows.length; i += 1000) await handle.db.insert(tickets).values(rows.slice(i, i + 1000));
  // Each ticket's pass, signed by its holder over the EIP-712 digest (libsecp256k1 signs in microseconds, so
  // the passes are fresh when the load starts; door-signature.server.test.ts checks the digest against viem).
  /** Passes for tickets from..to-1, accepted for this window and the next two (60 to 90 s from now). */
  const sign = (from: number, to: number) => {
    const window = passWindow() + 1n;
    const list: string[] = [];
    for (let i = from; i < to; i++) {
      const pass = { chainId: 31337, ticket: contract, tokenId: BigInt(i + 1), holder: holders[i]!, window };
      const { signature, recid } = secp256k1.ecdsaSign(doorPassDigest(pass)!, keys[i]!);
      list.push(encodeDoorPass(pass, `${toHex(signature)}${(27 + recid).toString(16)}` as `0x${string}`));
    }
    return list;
  };
  const warmPasses = sign(0, WARM_POOL);
  const passes = sign(WARM_POOL, WARM_POOL + POOL);
  const pacedWarmPasses = sign(WARM_POOL + POOL, WARM_POOL + POOL + PACED_WARM);
  const pacedPasses = sign(WARM_POOL + POOL + PACED_WARM, OVER_HTTP);
  const call = (request: Request, clientIp: string) =>
    verify.action({ request, params: { eventSlug: slug }, context: { clientIp } } as never).catch((thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    });
  // As in production (server/main.ts): scans are answered by the fast path in front of the app, with the
  // request id, log line, histogram and security headers; the gates' addresses come from X-Forwarded-For
  // through a trusted proxy (loopback), as behind a load balancer with TRUST_PROXY set.
  const { doorFastPath } = await import("../server/door-fast-path");
  const { requestTracker } = await import("../server/http-observability");
  const { apiSecurityHeaderWriter } = await import("../server/security-headers");
  const { default: proxyaddr } = await import("proxy-addr");
  const front = doorFastPath({ track: requestTracker(), securityHeaders: apiSecurityHeaderWriter(), active: () => true, trustProxy: proxyaddr.compile("loopback") });
  const server = await serveFetch(async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/__alone") return Response.json(await alone(sign(OVER_HTTP, total)));
    if (url.pathname === "/__gc") {
      // The parent asks at the paced run's start and end.
      if (survivorFile) {
        if (survivors) await survivors.stop();
        else survivors = await startSurvivorProfile(survivorFile);
      }
      return Response.json(takeGc());
    }
    if (url.pathname === "/__profiled") {
      await profile?.stop();
      return new Response("ok");
    }
    const eventSlug = /^\/door\/([^/]+)\/verify$/.exec(url.pathname)?.[1];
    if (eventSlug !== slug) return new Response("not found", { status: 404 });
    return call(request, request.headers.get("x-forwarded-for") ?? "127.0.0.1");
  }, front);
  // The garbage collector's pauses in this process (each pause stops every scan in flight), read and reset
  // by the parent around the paced run. A PerformanceObserver: no timer on the event loop.
  const { PerformanceObserver, constants: perf } = await import("node:perf_hooks");
  let gc: GcStats = { minor: 0, minorMs: 0, major: 0, majorMs: 0, maxMs: 0, pauses: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === perf.NODE_PERFORMANCE_GC_MINOR) {
        gc.minor++;
        gc.minorMs += entry.duration;
      } else {
        gc.major++;
        gc.majorMs += entry.duration;
      }
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (gc.pauses.length < GC_PAUSES_KEPT) gc.pauses.push([performance.timeOrigin + entry.startTime, entry.duration]);
    }
  }).observe({ entryTypes: ["gc"] });
  const takeGc = () => {
    const taken = gc;
    gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0, maxMs: 0, pauses: [] };
    return taken;
  };
  /** The route module called in this process, one scan after the other, as the adapter would call it. */
  async function alone(list: string[]): Promise<AloneStats> {
    const times: number[] = [];
    const answers: Record<string, number> = {};
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const [n, pass] of list.entries()) {
      const started = performance.now();
      const request = new Request(`${server.url}/door/${slug}/verify`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: cookies[n % STEWARDS]! },
        body: JSON.stringify({ pass, gate: "gate alone" }),
      });
      const response = await call(request, `192.0.2.${Math.floor(n / ALONE_PER_ADDRESS)}`);
      const text = await response.text();
      times.push(performance.now() - started);
      const key = response.status === 200 ? answerKey(text) : `HTTP ${response.status}`;
      answers[key] = (answers[key] ?? 0) + 1;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    return { scans: list.length, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, p50: percentile(times, 50), p99: percentile(times, 99), answers };
  }
  // DOOR_BENCH_PROFILE=<file.cpuprofile>: a CPU profile of this process over the main run (open it in Chrome DevTools).
  const profile = process.env.DOOR_BENCH_PROFILE ? await startProfile(process.env.DOOR_BENCH_PROFILE) : null;
  // DOOR_BENCH_SURVIVORS=<file.heapprofile>: where the objects that outlive a scavenge over the paced run
  // were allocated (bench/lib.ts startSurvivorProfile; it slows the collector, so that run's latency is not the door's).
  const survivorFile = process.env.DOOR_BENCH_SURVIVORS;
  let survivors: { stop(): Promise<void> } | null = null;
  const file = process.argv[process.argv.indexOf("--serve") + 1]!;
  writeFileSync(file, JSON.stringify({ url: server.url, slug, warmPasses, passes, pacedWarmPasses, pacedPasses, cookies, pid: process.pid } satisfies Setup));
  console.log("door-bench-ready");
  process.on("SIGINT", () => process.exit(0));
} else {
  // ----- parent: load, baselines, report -----
  const { default: autocannon } = await import("autocannon");
  const { SERVER_NODE_ARGS, startScript } = await import("../test/support/processes");
  const { decodeDoorPass, isSignedByHolder } = await import("../app/lib/door-pass");
  const { passSignedByHolderNative, signatureBackend } = await import("../app/services/door-signature.server");
  const header = machine();
  const dir = mkdtempSync(path.join(tmpdir(), "ticketchain-door-"));
  const file = path.join(dir, "setup.json");
  console.error(`[door] preparing ${OVER_HTTP + ALONE} tickets and passes…`);
  const adminUrl = flag("database");
  const { postgresDatabase } = await import("../test/support/databases");
  const database = adminUrl ? await postgresDatabase(adminUrl) : null;
  // The route's process runs with the server's Node flags (npm start's).
  const child = await startScript("bench/door.ts", { nodeArgs: SERVER_NODE_ARGS, env: { DOOR_BENCH_DATABASE_URL: database?.databaseUrl ?? "" }, args: ["--serve", file, "--scans", String(SCANS), "--alone", String(ALONE), "--rate-scans", String(RATE), "--warm", String(WARM), "--paced-warm", String(PACED_WARM), "--pace", String(PACE)], ready: /door-bench-ready/, timeoutMs: 600_000, keepOutput: false });
  const setup = JSON.parse(readFileSync(file, "utf8")) as Setup;
  const target = `${setup.url}/door/${setup.slug}/verify`;

  // Requests are built before the load, one list per connection (scan n goes to connection n mod
  // CONNECTIONS), so the load generator does no per-request work and the route's process, not the client,
  // is what runs out of time. Each list holds a quarter more passes than its share of `amount`, so a
  // connection that runs ahead of the others never sends a pass twice.
  const host = new URL(setup.url).host;
  const scanRequest = (pass: string, n: number) => ({
    method: "POST",
    path: `/door/${setup.slug}/verify`,
    headers: { host, "content-type": "application/json", cookie: setup.cookies[n % STEWARDS]!, "x-forwarded-for": `198.51.100.${n % GATES}` },
    body: JSON.stringify({ pass, gate: `gate ${n % GATES}` }),
  });
  const perConnection = (passes: string[], offset: number) => {
    const lists: object[][] = Array.from({ length: CONNECTIONS }, () => []);
    passes.forEach((pass, n) => lists[n % CONNECTIONS]!.push(scanRequest(pass, offset + n)));
    return lists;
  };
  const results: Record<string, number> = {};
  const tally = (body: string) => {
    const key = answerKey(body);
    results[key] = (results[key] ?? 0) + 1;
  };
  /** The answers tallied since the last call, and a fresh tally. */
  const takeResults = () => {
    const taken = { ...results };
    for (const key of Object.keys(results)) delete results[key];
    return taken;
  };
  const run = (url: string, amount: number, lists: object[][]) => {
    let next = 0;
    return autocannon({
      url,
      connections: CONNECTIONS,
      amount,
      requests: lists[0],
      setupClient: (client: { setRequests(r: object[]): void; on: (e: string, f: (status: number, body: string) => void) => void }) => {
        client.setRequests(lists[next++ % lists.length]!);
        client.on("body", (body: unknown) => tally(String(body)));
      },
    });
  };
  const warmLists = perConnection(setup.warmPasses, 0);
  const mainLists = perConnection(setup.passes, WARM_POOL);
  console.error(`[door] warming up: ${WARM} scans…`);
  await run(target, WARM, warmLists);
  const warmed = takeResults();
  console.error(`[door] ${SCANS} scans through the verify route…`);
  const cpuBefore = cpuSeconds(setup.pid);
  const app = await run(target, SCANS, mainLists);
  const cpuAfter = cpuSeconds(setup.pid);
  await (await fetch(`${setup.url}/__profiled`)).text();
  const admitted = takeResults();
  const non2xx = app.non2xx;

  // Bare node:http with the same bytes as an admission, warmed up the same way.
  const admittedBody = JSON.stringify({ ok: true, reason: "Welcome in", ticket: { tokenId: "1", tier: "Standing", seat: 1 }, elapsedMs: 1 });
  const bareCode = `const http=require("node:http");const b=Buffer.from(${JSON.stringify(admittedBody)});
    const s=http.createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(200,{"content-type":"application/json","content-length":b.length});r.end(b);});});
    s.listen(0,"127.0.0.1",()=>console.log("port "+s.address().port));process.on("SIGINT",()=>process.exit(0));`;
  const bare = spawn(process.execPath, ["-e", bareCode], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => bare.stdout!.on("data", (d: Buffer) => resolve(Number(/port (\d+)/.exec(String(d))![1]))));
  console.error(`[door] bare node:http…`);
  const bareUrl = `http://127.0.0.1:${port}/door/${setup.slug}/verify`;
  await run(bareUrl, WARM, warmLists);
  const bareCpuBefore = cpuSeconds(bare.pid!);
  const base = await run(bareUrl, SCANS, mainLists);
  const bareCpuAfter = cpuSeconds(bare.pid!);
  // The same paced load on the bare server: the floor of CPU per request and latency at that rate here.
  const barePacedCpuBefore = cpuSeconds(bare.pid!);
  const barePaced = await openLoop({
    url: `http://127.0.0.1:${port}`,
    rate: PACE,
    count: RATE,
    connections: PACED_CONNECTIONS,
    request: (n) => scanRequest(setup.pacedPasses[n]!, WARM_POOL + POOL + PACED_WARM + n),
    warm: { count: PACED_WARM, request: (n) => scanRequest(setup.pacedWarmPasses[n]!, WARM_POOL + POOL + n) },
  });
  const barePacedCpuAfter = cpuSeconds(bare.pid!);
  bare.kill("SIGINT");

  // Paced: the goal's rate offered on the clock whatever the answers' speed (open loop), for the latency a
  // door at that rate sees (the closed-loop run above measures capacity; its latency is its own queue).
  console.error(`[door] ${RATE} scans paced at ${PACE} / s (open loop)…`);
  takeResults(); // the bare server's answers
  const pacedServerMs: number[] = [];
  const pacedCpuBefore = cpuSeconds(setup.pid);
  const ticksBefore = machineTicks();
  await (await fetch(`${setup.url}/__gc`)).json(); // from here on
  const paced = await openLoop({
    url: setup.url,
    rate: PACE,
    count: RATE,
    connections: PACED_CONNECTIONS,
    request: (n) => scanRequest(setup.pacedPasses[n]!, WARM_POOL + POOL + PACED_WARM + n),
    warm: { count: PACED_WARM, request: (n) => scanRequest(setup.pacedWarmPasses[n]!, WARM_POOL + POOL + n) },
    onBody: (body) => {
      tally(body);
      // The route's own time for the scan (verifyScan's elapsedMs: steward check to answer, database wait included).
      const elapsed = /"elapsedMs":(\d+)/.exec(body);
      if (elapsed) pacedServerMs.push(Number(elapsed[1]));
    },
  });
  const pacedCpuAfter = cpuSeconds(setup.pid);
  const ticksAfter = machineTicks();
  const stealPercent = ticksBefore && ticksAfter && ticksAfter.total > ticksBefore.total ? (100 * (ticksAfter.steal - ticksBefore.steal)) / (ticksAfter.total - ticksBefore.total) : null;
  const pacedGc = (await (await fetch(`${setup.url}/__gc`)).json()) as GcStats;
  const pacedSeconds = (PACED_WARM + RATE) / PACE;
  const pacedAnswers = takeResults();
  pacedServerMs.sort((a, b) => a - b);

  // The route alone in its process, one scan at a time.
  console.error(`[door] ${ALONE} scans through the route alone (in the child, sequential)…`);
  const alone = (await (await fetch(`${setup.url}/__alone`)).json()) as AloneStats;

  // The signature check alone, in process: the server's and the browser's.
  const decoded = setup.passes.slice(0, 500).map((p) => decodeDoorPass(p)).filter((d) => d.ok);
  const rate = async (check: (pass: (typeof decoded)[number]) => Promise<boolean> | boolean | null, ms: number) => {
    const s0 = performance.now();
    let n = 0;
    while (performance.now() - s0 < ms) {
      for (const d of decoded) {
        if (d.ok && (await check(d))) n++;
        else throw new Error("a bench pass failed its signature check");
      }
    }
    return { n, perSec: (n * 1000) / (performance.now() - s0) };
  };
  const native = await rate((d) => d.ok && passSignedByHolderNative(d.pass, d.signature), 2000);
  const noble = await rate((d) => d.ok && isSignedByHolder(d.pass, d.signature), 3000);

  const perCpu = (n: number, before: number | null, after: number | null) => (before !== null && after !== null && after > before ? n / (after - before) : null);
  const appRps = SCANS / app.duration;
  const baseRps = SCANS / base.duration;
  const appPerCpu = perCpu(SCANS, cpuBefore, cpuAfter);
  const basePerCpu = perCpu(SCANS, bareCpuBefore, bareCpuAfter);
  const alonePerSec = alone.scans / alone.seconds;
  const alonePerCpu = alone.scans / alone.cpuSeconds;
  const pacedRps = paced.rate;
  const pacedPerCpu = perCpu(PACED_WARM + RATE, pacedCpuBefore, pacedCpuAfter); // the warm-up ran on the same clock
  const pacedP = (p: number) => percentile(paced.latencies, p);
  const tail = slowScansAtPauses(paced, pacedGc.pauses);
  const pacedPass = pacedRps >= 0.97 * PACE && pacedP(99) < 10 && (pacedAnswers.admitted ?? 0) === RATE;
  const pass = appPerCpu !== null && appPerCpu >= 2000 && pacedPass;
  const cpuPass = appPerCpu !== null && appPerCpu >= 2000 && alone.p99 < 10;
  const cpuCell = (v: number | null) => (v === null ? "n/a" : fmtInt(v));
  const table = markdownTable(
    ["Path", ">Scans", ">Verifications / s", ">per CPU-second", ">p50 ms", ">p99 ms", ">Ratio", "Goal", "Result"],
    [
      ["TicketChain verify route over HTTP (session, limits, signature, indexed ticket, check-in insert)", fmtInt(SCANS), fmtInt(appRps), cpuCell(appPerCpu), fmt(app.latency.p50, 0), fmt(app.latency.p99, 0), `${fmt(appRps / baseRps, 2)}x`, "≥ 2,000 / CPU-second", appPerCpu !== null && appPerCpu >= 2000 ? "PASS" : "FAIL"],
      [`the same route, ${fmtInt(PACE)} scans / s offered (open loop, up to ${PACED_CONNECTIONS} connections)`, fmtInt(RATE), fmtInt(pacedRps), cpuCell(pacedPerCpu), fmt(pacedP(50), 1), fmt(pacedP(99), 1), "", `p99 < 10 ms at ${fmtInt(PACE)} / s`, pacedPass ? "PASS" : "FAIL"],
      ["bare `node:http`, same response bytes", fmtInt(SCANS), fmtInt(baseRps), cpuCell(basePerCpu), fmt(base.latency.p50, 0), fmt(base.latency.p99, 0), "1.00x", "", ""],
      [`bare \`node:http\`, same bytes, ${fmtInt(PACE)} / s offered (same open loop)`, fmtInt(RATE), fmtInt(barePaced.rate), cpuCell(perCpu(PACED_WARM + RATE, barePacedCpuBefore, barePacedCpuAfter)), fmt(percentile(barePaced.latencies, 50), 1), fmt(percentile(barePaced.latencies, 99), 1), "", "", ""],
      ["the verify route alone (route module in its process, one scan at a time, no HTTP)", fmtInt(alone.scans), fmtInt(alonePerSec), fmtInt(alonePerCpu), fmt(alone.p50, 2), fmt(alone.p99, 2), "", "p99 < 10 ms, ≥ 2,000 / CPU-s over HTTP", cpuPass ? "PASS" : "FAIL"],
      [`signature check alone, server (\`passSignedByHolder\`, ${signatureBackend()}), in process`, fmtInt(native.n), fmtInt(native.perSec), "", fmt(1000 / native.perSec, 3), "", "", "", ""],
      ["signature check alone, browser (`isSignedByHolder`, viem / @noble/curves), in process", fmtInt(noble.n), fmtInt(noble.perSec), "", fmt(1000 / noble.perSec, 2), "", "", "", ""],
    ],
  );
  const outcome = (answers: Record<string, number>) =>
    Object.entries(answers)
      .map(([k, v]) => `${k}: ${fmtInt(v)}`)
      .join(", ");
  const perSteward = Math.ceil((OVER_HTTP + ALONE) / STEWARDS);
  const perGate = Math.ceil(OVER_HTTP / GATES);
  const body = [
    `Generated by \`npm run bench:door\` (\`node --import tsx bench/door.ts\`) on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `- Machine: ${header}`,
    `- Warm-up: ${fmtInt(WARM)} scans through the route (answers: ${outcome(warmed)}) and the same through the bare server before either is measured, so both run compiled code, as a door server that has been up for a while does.`,
    `- Closed loop: ${fmtInt(SCANS)} distinct valid passes over HTTP (EIP-712, each ticket's own holder, as at a real door), ${CONNECTIONS} connections, requests built before the run (autocannon sends prepared bytes); the route in one child process (one core) on ${database ? "PostgreSQL (127.0.0.1, its own process)" : "PGlite (in the same process)"}; answers: ${outcome(admitted)}${non2xx ? ` (${fmtInt(non2xx)} not 2xx)` : ""}.`,
    `- Velocity limits on, at their production values (${USER_LIMIT} / steward / min, ${IP_LIMIT} / address / min): the scans are spread over ${STEWARDS} stewards and ${GATES} gate addresses, at most ${fmtInt(perSteward)} per steward (all runs) and ${fmtInt(perGate)} per address, so none trips (a 429 would show in the answers).`,
    `- "per CPU-second": verifications divided by the user + system time of the serving process during the run (/proc), i.e. the rate one core sustains, independent of what else the shared machine runs.`,
    `- Paced: ${fmtInt(RATE)} more distinct passes, scan i due at i / ${fmtInt(PACE)} s whatever the answers' speed (open loop, bench/lib.ts \`openLoop\`: keep-alive TCP connections, one scan in flight on each, requests built before the run; latency counted from the time a scan was due, so queueing at the client counts), after ${fmtInt(PACED_WARM)} scans on the same clock and connections that are not measured (the scanners' connections open, as at a door that has been scanning for a while); answers: ${outcome(pacedAnswers)}. The goal's p99 is read here: at a closed loop of ${CONNECTIONS} connections every answer waits behind the others, so its p99 is the queue's (even the bare server's). The route's own time per scan in that run (\`elapsedMs\` of each answer: steward check to answer, the wait for the check-in statement included): p50 ${percentile(pacedServerMs, 50)} ms, p99 ${percentile(pacedServerMs, 99)} ms. The route's process paused for its garbage collector ${fmtInt(pacedGc.minor + pacedGc.major)} times over the paced run and its warm-up (${fmt(pacedSeconds, 0)} s): ${fmtInt(pacedGc.minor)} young-generation scavenges (${fmt(pacedGc.minorMs, 0)} ms in all, ${pacedGc.minor ? fmt(pacedGc.minorMs / pacedGc.minor, 1) : "0"} ms each on average) and ${fmtInt(pacedGc.major)} other pauses (${fmt(pacedGc.majorMs, 0)} ms); the longest ${fmt(pacedGc.maxMs, 1)} ms. Of the ${fmtInt(tail.slow)} paced scans slower than ${SLOW_MS} ms, ${fmtInt(tail.slowAtPause)} (${fmt(tail.slow ? (100 * tail.slowAtPause) / tail.slow : 0, 0)} %) were under way (due, not yet answered) while one of those pauses began or within ${TAIL_AFTER_PAUSE_MS} ms after it ended (the queue it left), a window that held ${fmt(tail.windowShare * 100, 1)} % of the run's time.${stealPercent === null ? "" : ` The hypervisor kept ${fmt(stealPercent, 1)} % of this machine's CPU time for other guests during the paced run (steal, /proc/stat).`}`,
    `- The route alone: ${fmtInt(alone.scans)} more distinct passes, the route module called in the child one at a time (the same stewards in turn, one address per ${ALONE_PER_ADDRESS} scans); answers: ${outcome(alone.answers)}.`,
    "",
    table,
  ].join("\n");
  console.log(`\n${body}\n`);
  if (!database && !pacedPass) {
    console.error("[door] the latency goal is read on PostgreSQL, as a venue runs: on PGlite the database shares the route's process and its garbage collector. Run again with --database postgres://user@host:5432/db (a throwaway database is made there and dropped).");
  }
  if (!hasFlag("no-write") && SCANS >= 4000) writeSection("Door", body);
  await child.stop();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(pass ? 0 : 1);
}
