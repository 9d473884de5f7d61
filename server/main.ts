/**
 * `npm start` / `npm run dev`: the whole product in one process.
 *  1. validate the environment (Zod) and stop with a clear message when a value is wrong;
 *  2. embedded chain (no RPC URL configured): start Hardhat's node in-process on LOCAL_CHAIN_HOST:PORT,
 *     replaying its journal; deploy the contracts with Ignition unless already deployed;
 *  3. open the database (PGlite under DATA_DIR, or DATABASE_URL) and apply the committed migrations;
 *  4. seed the demo promoter and event (embedded chain only; idempotent);
 *  5. serve the Remix app (production build, or Vite middleware with --dev);
 *  6. start card payments (queue, mint worker, sweeper; app/services/payments-runtime.server.ts).
 * Ctrl-C / SIGTERM (graceful, at most SHUTDOWN_TIMEOUT_MS): stop accepting requests and let those in flight
 * finish, let the mint worker finish and record the batch it is sending, then stop the queue, indexer,
 * cache, database and chain (journal flushed), and exit 0 (docs/decisions/015-fault-tolerance.md).
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Server } from "node:http";
import { closeDb, getDbHandle, migrate } from "../db/client.server";
import { CHAINS, EnvError, env, type Env } from "../app/env.server";
import { readDeployment } from "../app/services/deployments.server";
import { closeCache, cache } from "../app/services/cache.server";
import { publicClient } from "../app/services/chain.server";
import { secrets } from "../app/services/secrets.server";
import type { LocalChain } from "./chain/local-node";
import { ChainMismatchError, checkChainIdentity, deployLocal, refreshDemoPriceFeed, seedDemo } from "./bootstrap";

const dev = process.argv.includes("--dev");
const log = (message: string) => console.log(`[ticketchain] ${message}`);

function fail(message: string): never {
  console.error(`\n[ticketchain] cannot start: ${message}\n`);
  process.exit(1);
}

let config: Env;
try {
  config = env();
} catch (error) {
  if (error instanceof EnvError) fail(error.message);
  throw error;
}
process.env.NODE_ENV ??= dev ? "development" : "production";

const dataDir = path.resolve(config.DATA_DIR);
const chainInfo = CHAINS[config.chain];
const cleanups: Array<() => Promise<void>> = [];
let shuttingDown = false;
/** Graceful shutdown's bound: within a container orchestrator's usual 30 s grace period. */
const SHUTDOWN_TIMEOUT_MS = 25_000;
/** In-flight HTTP requests get this long to finish before their connections are closed. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Stops accepting requests and waits for those in flight (set once the HTTP server listens). */
let drainHttp: (() => Promise<void>) | null = null;

async function shutdown(signal: string, code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: stopping (new requests refused, requests and the mint batch in flight finish first)`);
  const force = setTimeout(() => {
    console.error(`[ticketchain] shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  force.unref();
  // HTTP first: in-flight requests (a webhook enqueueing a mint job) still need the queue and the database.
  await drainHttp?.().catch((error) => console.error(`[ticketchain] during shutdown: ${(error as Error).message}`));
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error) => console.error(`[ticketchain] during shutdown: ${(error as Error).message}`));
  }
  process.exit(code);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

async function main() {
  const started = Date.now();
  // Wallet key-encryption keys and the session secret (generated under DATA_DIR on the embedded defaults).
  const { keks } = secrets();
  log(`secrets: ${config.WALLET_KEYS ? "from the environment" : `generated under ${path.join(dataDir, "secrets")}`} (wallet key "${keks[0]!.id}")`);
  // 2. chain
  let localChain: LocalChain | null = null;
  let genesisHash: string;
  if (config.chain === "local") {
    const { startLocalChain } = await import("./chain/local-node");
    try {
      localChain = await startLocalChain({ dataDir, host: config.LOCAL_CHAIN_HOST, port: config.LOCAL_CHAIN_PORT, log });
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      if (err.code === "EADDRINUSE") {
        fail(`port ${config.LOCAL_CHAIN_PORT} is in use (is another \`npm start\` running?). Set LOCAL_CHAIN_PORT to another port.`);
      }
      throw error;
    }
    const chain = localChain;
    cleanups.push(() => chain.close());
    genesisHash = chain.genesisHash;
  } else {
    const genesis = await publicClient()
      .getBlock({ blockNumber: 0n })
      .catch((error) => fail(`the ${chainInfo.rpcVar} RPC does not answer: ${(error as Error).message.split("\n")[0]}`));
    genesisHash = genesis.hash!;
    const chainId = await publicClient().getChainId();
    if (chainId !== chainInfo.id) fail(`${chainInfo.rpcVar} serves chain ${chainId}, expected ${chainInfo.id} (${chainInfo.name})`);
  }

  let deployment = readDeployment(chainInfo.id, dataDir);
  if (localChain) {
    deployment = await deployLocal(localChain, dataDir, deployment, log);
  } else if (!deployment) {
    fail(`no contracts recorded for ${chainInfo.name} (chain ${chainInfo.id}). Deploy them first: npm run deploy -- --network ${config.chain}`);
  }

  // 3. database
  const db = await getDbHandle({ databaseUrl: config.DATABASE_URL, pgliteDir: path.join(dataDir, "pglite"), prepare: config.DATABASE_PREPARE === "true" });
  cleanups.push(() => closeDb());
  await migrate(db);
  log(`database: ${db.kind} at ${db.location}, migrations applied`);
  try {
    await checkChainIdentity(
      db.db,
      chainInfo.id,
      genesisHash,
      localChain
        ? `The local chain under ${path.join(dataDir, "chain")} was reset; remove ${dataDir} (or point DATABASE_URL at a fresh database) to start over.`
        : "Check the RPC URL.",
    );
  } catch (error) {
    if (error instanceof ChainMismatchError) {
      await shutdownQuietly();
      fail(error.message);
    }
    throw error;
  }

  // 4. demo data (embedded chain only: it uses Hardhat's well-known accounts)
  if (localChain) {
    const appUrl = config.APP_URL ?? `http://localhost:${config.PORT}`;
    await seedDemo(db.db, localChain.provider, publicClient(), deployment!, log, appUrl);
    const chain = localChain;
    const refreshFeed = () =>
      refreshDemoPriceFeed(chain.provider, publicClient(), deployment!).catch((error) => log(`demo price feed: ${(error as Error).message.split("\n")[0]}`));
    await refreshFeed();
    const feedTimer = setInterval(refreshFeed, 10 * 60_000);
    feedTimer.unref();
    cleanups.push(async () => clearInterval(feedTimer));
  }

  // 4b. the chain indexer (one leader per chain across app servers; docs/decisions/008-chain-indexer.md)
  const { startIndexer } = await import("../app/services/indexer.server");
  const { refreshTicketMetadata } = await import("../app/services/metadata.server");
  const indexer = startIndexer({
    handle: db,
    client: publicClient(),
    chainId: chainInfo.id,
    deployment: deployment!,
    startBlock: config.INDEXER_START_BLOCK,
    log,
    // Each changed ticket gets its metadata document (and pin) refreshed.
    onTicketsChanged: async (chainId, keys) => {
      for (const key of keys.slice(0, 2_000)) await refreshTicketMetadata(chainId, key.contract, key.tokenId, { db: db.db, log });
    },
  });
  cleanups.push(() => indexer.stop());
  // Serve with the chain's current state when catching up is quick (the embedded chain); otherwise go on.
  await Promise.race([indexer.syncOnce().catch(() => null), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);

  const c = await cache();
  cleanups.push(() => closeCache());
  log(`cache: ${c.kind}`);

  // 5. HTTP
  const server = await serve();
  drainHttp = () =>
    new Promise<void>((resolve) => {
      // No new connections; idle keep-alive connections close now, busy ones once their response is sent.
      server.close(() => resolve());
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      server.once("close", () => (clearInterval(idle), clearTimeout(deadline)));
    });
  const shownHost = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;

  // 6. card payments: mint worker, reservation sweeper (and the Stripe double's webhooks in test mode)
  const { startPayments } = await import("../app/services/payments-runtime.server");
  const paymentsRuntime = await startPayments({
    handle: db,
    publicUrl: config.APP_URL ?? `http://${shownHost}:${config.PORT}`,
    internalUrl: `http://${shownHost === "localhost" ? "127.0.0.1" : shownHost}:${config.PORT}`,
    log,
  });
  cleanups.push(() => paymentsRuntime.stop());

  // 7. metrics read at scrape time (GET /metrics)
  const { setCollector } = await import("../app/services/metrics.server");
  const { indexerLag } = await import("../app/services/indexer.server");
  const { orders } = await import("../db/schema");
  const { inArray, count } = await import("drizzle-orm");
  setCollector("mint_queue_depth", async () => {
    const [row] = await db.db.select({ n: count() }).from(orders).where(inArray(orders.status, ["authorized", "minting"]));
    return Number(row?.n ?? 0);
  });
  setCollector("indexer_lag_blocks", async () => (await indexerLag(db, publicClient(), chainInfo.id)).lag ?? -1);

  // 8. door check-ins reach the chain in batches (ConcertTicket.checkIn by the server signer)
  const { startCheckInBatches } = await import("../app/services/door-runtime.server");
  const doorRuntime = startCheckInBatches({ handle: db, log });
  cleanups.push(() => doorRuntime.stop());
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`\n  TicketChain is running at http://${shownHost}:${config.PORT}\n`);
}

async function shutdownQuietly() {
  await drainHttp?.().catch(() => {});
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  cleanups.length = 0;
}

/**
 * What loaders and actions get as `context`: the client's address (per-IP rate limits) and this response's
 * Content-Security-Policy nonce (app/entry.server.tsx puts it on the inline scripts).
 */
function getLoadContext(req: { ip?: string }, res: { locals: Record<string, unknown> }) {
  return { clientIp: req.ip ?? "unknown", cspNonce: typeof res.locals.cspNonce === "string" ? res.locals.cspNonce : "" };
}

async function serve(): Promise<Server> {
  const { default: express } = await import("express");
  const { default: compression } = await import("compression");
  const { createRequestHandler } = await import("@remix-run/express");
  const app = express();
  app.disable("x-powered-by");
  // Behind a load balancer: take the client's address from X-Forwarded-For, as far as TRUST_PROXY allows.
  if (config.TRUST_PROXY) {
    const trust = config.TRUST_PROXY;
    app.set("trust proxy", /^\d+$/.test(trust) ? Number(trust) : trust === "true" ? true : trust.split(",").map((part) => part.trim()));
  }
  // While shutting down, a request arriving on a kept-alive connection is turned away (the load balancer
  // retries it on another server) and the connection closed.
  app.use((_req, res, next) => {
    if (!shuttingDown) return next();
    res.set({ Connection: "close", "Retry-After": "1" }).status(503).json({ error: "This server is shutting down; try again.", code: "shutting_down" });
  });
  const { observability } = await import("./http-observability");
  app.use(observability());
  // Security headers (CSP with a per-request nonce, HSTS on HTTPS, ...) and the cross-site request guard.
  const { securityHeaders } = await import("./security-headers");
  const { csrfProtection } = await import("./csrf");
  app.use(securityHeaders({ dev }));
  // Anonymous event pages and their JSON from the micro-cache (docs/decisions/018-micro-cache.md): a hit
  // needs the request id, the log line and the security headers above, nothing below (compression when asked).
  const { responseCache } = await import("./response-cache");
  const microCache = responseCache({ compression: compression() });
  if (!dev) app.use(microCache.serve);
  app.use(csrfProtection());
  // A request that failed because the database is unreachable answers 503 + Retry-After, not 500.
  const { takeDatabaseFailure } = await import("../app/services/outage.server");
  app.use((req, res, next) => {
    const requestId = (req as { requestId?: string }).requestId ?? "";
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, status: number, ...rest: unknown[]) {
      if (status === 500 && takeDatabaseFailure(requestId)) {
        this.setHeader("Retry-After", "5");
        return (writeHead as (...args: unknown[]) => typeof res).call(this, 503, ...rest.filter((arg) => typeof arg !== "string"));
      }
      return (writeHead as (...args: unknown[]) => typeof res).call(this, status, ...rest);
    } as typeof res.writeHead;
    res.once("close", () => takeDatabaseFailure(requestId));
    next();
  });
  app.use(compression());

  if (dev) {
    const vite = await import("vite");
    const viteServer = await vite.createServer({ server: { middlewareMode: true } });
    cleanups.push(() => viteServer.close());
    app.use(viteServer.middlewares);
    app.all(
      "*",
      createRequestHandler({
        build: () => viteServer.ssrLoadModule("virtual:remix/server-build") as never,
        mode: "development",
        getLoadContext,
      }),
    );
  } else {
    const buildFile = path.resolve("build/server/index.js");
    if (!existsSync(buildFile)) fail("build/server/index.js is missing: run `npm run build` (npm start does it for you)");
    // The micro-cache records what the routes write: mounted after compression, it wraps compression's writer
    // and sees the route's own bytes.
    app.use(microCache.fill);
    app.use("/assets", express.static("build/client/assets", { immutable: true, maxAge: "1y" }));
    // The other public files (favicon, robots.txt, ...): only paths under a name build/client holds reach
    // the file system; a page request does not cost a stat() of a file that cannot exist.
    const publicNames = new Set(readdirSync("build/client").filter((name) => name !== "assets"));
    const publicFiles = express.static("build/client", { maxAge: "1h" });
    app.use((req, res, next) => (publicNames.has(req.path.split("/", 2)[1] ?? "") ? publicFiles(req, res, next) : next()));
    const build = await import(pathToFileURL(buildFile).href);
    app.all("*", createRequestHandler({ build, mode: "production", getLoadContext }));
  }

  // Each request meets the micro-cache first: an anonymous hit held in memory is answered without Express.
  // Then the door's scans (server/door-fast-path.ts): a signed-in POST /door/:slug/verify skips Express too.
  const { createServer } = await import("node:http");
  const { requestTracker } = await import("./http-observability");
  const { securityHeaderWriter, apiSecurityHeaderWriter } = await import("./security-headers");
  const { cachedAnswer } = await import("./response-cache");
  const { doorFastPath } = await import("./door-fast-path");
  const track = requestTracker();
  const headerWriter = securityHeaderWriter({ dev });
  const active = () => !shuttingDown;
  const answer = dev ? null : cachedAnswer({ track, securityHeaders: headerWriter, active });
  const door = dev ? null : doorFastPath({ track, securityHeaders: apiSecurityHeaderWriter(), active, trustProxy: app.get("trust proxy fn") });
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      if (!answer?.(req, res) && !door?.(req, res)) app(req, res);
    });
    server.listen(config.PORT, config.HOST, () => resolve(server));
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") fail(`port ${config.PORT} is in use. Set PORT to another port.`);
      reject(error);
    });
  });
}

main().catch(async (error) => {
  console.error(`[ticketchain] start-up failed: ${(error as Error).stack ?? error}`);
  await shutdownQuietly();
  process.exit(1);
});
