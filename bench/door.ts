/**
 * Door benchmark: verifications per second and latency through the scanner's verify endpoint
 * (`POST /door/:eventSlug/verify`, the route module app/routes/door.$eventSlug.verify.ts with its session
 * check, rate limits, pass signature check, indexed-ticket lookup and check-in write). The route is served
 * by a plain node:http adapter (test/support/fetch-server.ts, as the route tests do) in a child process on
 * PGlite; autocannon in this process sends `--scans` distinct valid passes (each admits a different
 * ticket), spread over 64 stewards and 16 gate addresses so the velocity limits (120 / steward / min,
 * 600 / address / min) do not cut in.
 *
 * Baselines in the same run: a bare node:http server (own process) answering the same response bytes,
 * and the pass signature check alone (isSignedByHolder), in process, one core.
 *
 *   node --import tsx bench/door.ts [--scans 4000] [--connections 32] [--no-write]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { flag, fmt, fmtInt, hasFlag, machine, markdownTable, writeSection } from "./lib";

const SCANS = Number(flag("scans") ?? 4000);
const CONNECTIONS = Number(flag("connections") ?? 32);
const STEWARDS = 64;
const GATES = 16;

interface Setup {
  url: string;
  slug: string;
  passes: string[];
  cookies: string[];
}

if (hasFlag("serve")) {
  // ----- child: the route on PGlite -----
  const { getAddress, parseEther } = await import("viem");
  const { privateKeyToAccount, generatePrivateKey } = await import("viem/accounts");
  const { parseEnv } = await import("../app/env.server");
  const { setSecrets } = await import("../app/services/secrets.server");
  const { createSession, SESSION_COOKIE } = await import("../app/services/session.server");
  const { getDbHandle, migrate } = await import("../db/client.server");
  const { eventStaff, events, tickets, ticketTiers, users } = await import("../db/schema");
  const { doorPassTypedData, encodeDoorPass, passWindow } = await import("../app/lib/door-pass");
  const { serveFetch } = await import("../test/support/fetch-server");
  const verify = await import("../app/routes/door.$eventSlug.verify");
  (globalThis as Record<symbol, unknown>)[Symbol.for("ticketchain.env")] = parseEnv({ ...process.env, DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "", CHAIN: "local" });
  setSecrets({ keks: [{ id: "door1", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
  const handle = await getDbHandle({ pgliteDir: "memory://" });
  await migrate(handle);
  const contract = getAddress("0x" + "ab".repeat(20));
  const slug = "door-bench";
  const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter", email: "p@bench.example" }).returning({ id: users.id });
  const [event] = await handle.db
    .insert(events)
    .values({ slug, promoterId: promoter!.id, name: "Door Bench", venue: "Hall", city: "Lisbon", startsAt: new Date(Date.now() + 3_600_000), status: "published", chainId: 31337, onChainId: "1", contractAddress: contract })
    .returning({ id: events.id });
  await handle.db.insert(ticketTiers).values({ eventId: event!.id, position: 0, name: "Standing", priceCents: 3000, priceWei: parseEther("0.01").toString(), supply: SCANS });
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
  // 100 fans, SCANS tickets; each ticket's live pass signed by its holder.
  const fans = Array.from({ length: 100 }, () => privateKeyToAccount(generatePrivateKey()));
  const rows = Array.from({ length: SCANS }, (_, i) => ({
    chainId: 31337,
    contractAddress: contract.toLowerCase(),
    tokenId: String(i + 1),
    eventId: event!.id,
    tierPosition: 0,
    owner: fans[i % fans.length]!.address.toLowerCase(),
    originalOwner: fans[i % fans.length]!.address.toLowerCase(),
    mintedBlock: 1,
    updatedBlock: 1,
  }));
  for (let i = 0; i < rows.length; i += 1000) await handle.db.insert(tickets).values(rows.slice(i, i + 1000));
  const window = passWindow() + 1n; // valid for this window and the next two (the run lasts well under a minute)
  const passes: string[] = [];
  for (let i = 0; i < SCANS; i++) {
    const fan = fans[i % fans.length]!;
    const pass = { chainId: 31337, ticket: contract, tokenId: BigInt(i + 1), holder: fan.address, window };
    passes.push(encodeDoorPass(pass, await fan.signTypedData(doorPassTypedData(pass))));
  }
  const server = await serveFetch(async (request) => {
    const eventSlug = /^\/door\/([^/]+)\/verify$/.exec(new URL(request.url).pathname)?.[1];
    if (!eventSlug) return new Response("not found", { status: 404 });
    try {
      return await verify.action({ request, params: { eventSlug }, context: { clientIp: request.headers.get("x-gate-ip") ?? "127.0.0.1" } } as never);
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  });
  const file = process.argv[process.argv.indexOf("--serve") + 1]!;
  writeFileSync(file, JSON.stringify({ url: server.url, slug, passes, cookies } satisfies Setup));
  console.log("door-bench-ready");
  process.on("SIGINT", () => process.exit(0));
} else {
  // ----- parent: load, baselines, report -----
  const { default: autocannon } = await import("autocannon");
  const { startScript } = await import("../test/support/processes");
  const { decodeDoorPass, isSignedByHolder } = await import("../app/lib/door-pass");
  const header = machine();
  const dir = mkdtempSync(path.join(tmpdir(), "ticketchain-door-"));
  const file = path.join(dir, "setup.json");
  console.error(`[door] preparing ${SCANS} tickets and passes…`);
  const child = await startScript("bench/door.ts", { env: {}, args: ["--serve", file, "--scans", String(SCANS)], ready: /door-bench-ready/, timeoutMs: 600_000 });
  const setup = JSON.parse(readFileSync(file, "utf8")) as Setup;
  const target = `${setup.url}/door/${setup.slug}/verify`;

  // One real answer, for the bare server's bytes (a refusal of an unknown ticket: same route, same size class).
  const sampleBody = JSON.stringify({ pass: setup.passes[0] });
  let i = 0;
  const request = () => {
    const n = i++;
    return {
      method: "POST",
      path: `/door/${setup.slug}/verify`,
      headers: { host: new URL(setup.url).host, "content-type": "application/json", cookie: setup.cookies[n % STEWARDS]!, "x-gate-ip": `198.51.100.${n % GATES}` },
      body: JSON.stringify({ pass: setup.passes[n % setup.passes.length], gate: `gate ${n % GATES}` }),
    };
  };
  const results: Record<string, number> = {};
  const run = (url: string, amount: number, setupRequest?: () => object) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      amount,
      requests: [{ setupRequest: setupRequest ? () => setupRequest() : (r: object) => r, method: "POST", headers: { "content-type": "application/json" }, body: sampleBody }],
      setupClient: (client: { on: (e: string, f: (status: number, body: string) => void) => void }) =>
        client.on("body", (body: unknown) => {
          const text = String(body);
          const key = /"ok":true/.test(text) ? "admitted" : /"reason":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 60);
          results[key] = (results[key] ?? 0) + 1;
        }),
    });
  console.error(`[door] ${SCANS} scans through the verify route…`);
  const app = await run(target, SCANS, request);
  const admitted = { ...results };

  // Bare node:http with the same bytes as an admission.
  const admittedBody = JSON.stringify({ ok: true, reason: "Welcome in", ticket: { tokenId: "1", tier: "Standing", seat: 1 }, elapsedMs: 1 });
  const bareCode = `const http=require("node:http");const b=Buffer.from(${JSON.stringify(admittedBody)});
    const s=http.createServer((q,r)=>{q.resume();q.on("end",()=>{r.writeHead(200,{"content-type":"application/json","content-length":b.length});r.end(b);});});
    s.listen(0,"127.0.0.1",()=>console.log("port "+s.address().port));process.on("SIGINT",()=>process.exit(0));`;
  const bare = spawn(process.execPath, ["-e", bareCode], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => bare.stdout!.on("data", (d: Buffer) => resolve(Number(/port (\d+)/.exec(String(d))![1]))));
  console.error(`[door] bare node:http…`);
  const base = await run(`http://127.0.0.1:${port}/door/${setup.slug}/verify`, SCANS, request);
  bare.kill("SIGINT");

  // The signature check alone, in process.
  const decoded = setup.passes.slice(0, 500).map((p) => decodeDoorPass(p)).filter((d) => d.ok);
  const s0 = performance.now();
  let checks = 0;
  while (performance.now() - s0 < 3000) {
    for (const d of decoded) if (d.ok && (await isSignedByHolder(d.pass, d.signature))) checks++;
  }
  const sigPerSec = (checks * 1000) / (performance.now() - s0);

  const rps = (r: { requests: { average: number }; duration: number }, n: number) => n / r.duration;
  const appRps = rps(app, SCANS);
  const baseRps = rps(base, SCANS);
  const pass = appRps >= 2000 && app.latency.p99 < 10;
  const table = markdownTable(
    ["Path", ">Scans", ">Verifications / s", ">p50 ms", ">p99 ms", ">Ratio", "Goal", "Result"],
    [
      ["TicketChain verify route (session, limits, signature, indexed ticket, check-in insert)", fmtInt(SCANS), fmtInt(appRps), fmt(app.latency.p50, 0), fmt(app.latency.p99, 0), `${fmt(appRps / baseRps, 2)}x`, "≥ 2,000 / s per core, p99 < 10 ms", pass ? "PASS" : "FAIL"],
      ["bare `node:http`, same response bytes", fmtInt(SCANS), fmtInt(baseRps), fmt(base.latency.p50, 0), fmt(base.latency.p99, 0), "1.00x", "", ""],
      ["signature check alone (`isSignedByHolder`, viem), in process", fmtInt(checks), fmtInt(sigPerSec), fmt(1000 / sigPerSec, 2), "", `${fmt(appRps / sigPerSec, 2)}x`, "", ""],
    ],
  );
  const outcome = Object.entries(admitted)
    .map(([k, v]) => `${k}: ${fmtInt(v)}`)
    .join(", ");
  const body = [
    `Generated by \`npm run bench:door\` (\`node --import tsx bench/door.ts\`) on ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `- Machine: ${header}`,
    `- ${fmtInt(SCANS)} distinct valid passes (EIP-712, 100 holders), ${CONNECTIONS} connections, ${STEWARDS} stewards, ${GATES} gate addresses; the route in one child process (one core) on PGlite; answers: ${outcome}.`,
    "",
    table,
  ].join("\n");
  console.log(`\n${body}\n`);
  if (!hasFlag("no-write") && SCANS >= 4000) writeSection("Door", body);
  await child.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(pass ? 0 : 1);
}
