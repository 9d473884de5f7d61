import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, inArray, sql } from "drizzle-orm";
import Stripe from "stripe";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi } from "../../app/contracts/abi";
import { doubleAccount } from "../../app/services/stripe-double/double.server";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { events, mintBatches, orders, stripeDoubleEvents, stripeDoubleObjects, ticketTiers } from "../../db/schema";
import { faultBackends, type TestDatabase } from "../support/databases";
import { freePort, startScript, type Started } from "../support/processes";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

/**
 * Fault and load tests of the whole product (`server/main.ts`, production build, embedded chain and Stripe
 * double), on PGlite and — with DATABASE_URL — on a fresh real PostgreSQL database. The app reaches its
 * chain (and PostgreSQL) through loopback TCP proxies the test can cut, as a stopped node or a network
 * fault would. Money invariants are checked at the end against the database and the chain together.
 */

const DEMO = "aurora-nights-demo";
const signer = new Stripe("sk_test_signer_only");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
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

describe.each(faultBackends())("faults and load (database: %s)", (kind, createDatabase) => {
  let database: TestDatabase;
  let dataDir: string;
  let port: number;
  let chainPort: number;
  let rpc: TcpProxy;
  let pg: TcpProxy | null = null;
  let databaseUrl = "";
  let app: Started;
  let stripe: Stripe;
  let webhookSecret: string;
  let tiers: { ga: string; vip: string };
  const base = () => `http://127.0.0.1:${port}`;
  const chain = () => createPublicClient({ chain: hardhat, transport: http(`http://127.0.0.1:${chainPort}`) });

  const openDatabase = () => openDb({ databaseUrl: database.databaseUrl, pgliteDir: path.join(dataDir, "pglite") });

  let starts = 0;
  async function startTheApp(): Promise<Started> {
    const n = ++starts;
    const started = await startScript("server/main.ts", {
      env: {
        PORT: String(port),
        HOST: "127.0.0.1",
        LOCAL_CHAIN_PORT: String(chainPort),
        LOCAL_CHAIN_RPC_URL: rpc.url,
        DATA_DIR: dataDir,
        NODE_ENV: "production",
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: "warn",
        // The test plays a load balancer: each buyer comes from their own address (X-Forwarded-For), as
        // 500 real fans would; without it they would all share 127.0.0.1 and its per-IP checkout limit.
        TRUST_PROXY: "loopback",
        // In-process cache and rate limits: the app is killed and restarted here, and a Redis shared with
        // other runs would carry their cached views and counters into this one.
        REDIS_URL: "",
      },
      ready: /is running at http/,
      timeoutMs: 180_000,
    });
    // FAULTS_APP_LOG=<dir>: keep each app run's output there (for investigating a failure).
    const logDir = process.env.FAULTS_APP_LOG;
    if (logDir) void started.exited.then(() => writeFileSync(path.join(logDir, `faults-${kind}-app-${n}.log`), started.output()));
    return started;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-faults-"));
    database = await createDatabase();
    [port, chainPort] = [await freePort(), await freePort()];
    rpc = await startTcpProxy({ port: chainPort });
    if (database.databaseUrl) {
      const url = new URL(database.databaseUrl);
      pg = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.port = String(pg.port);
      databaseUrl = url.toString();
    }
    // The Stripe double's keys are generated once and kept in the database: create them first, so this
    // test can call the double's API and sign webhooks as Stripe does.
    const handle = await openDatabase();
    await migrate(handle);
    const account = await doubleAccount(handle.db);
    await handle.close();
    webhookSecret = account.webhookSecret;
    stripe = new Stripe(account.secretKey, { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 });
    app = await startTheApp();
    // The tier ids, from the "Pay by card" form of the event page.
    const html = await (await fetch(`${base()}/events/${DEMO}`)).text();
    const options = [...html.matchAll(/<option value="([0-9a-f-]{36})"[^>]*>(.*?)<\/option>/g)].map((m) => ({ id: m[1]!, label: m[2]!.replaceAll("<!-- -->", "") }));
    tiers = { ga: options.find((o) => o.label.startsWith("General Admission"))!.id, vip: options.find((o) => o.label.startsWith("VIP"))!.id };
  });

  afterAll(async () => {
    await app?.stop("SIGTERM");
    await rpc?.close();
    await pg?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A stable, distinct client address per fan (10.x.y.z from the email's hash). */
  function fanAddress(email: string) {
    const h = createHash("sha256").update(email).digest();
    return `10.${h[0]}.${h[1]}.${h[2]}`;
  }

  async function checkout(tierId: string, email: string, quantity = 1) {
    return fetch(`${base()}/checkout`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": fanAddress(email) },
      body: new URLSearchParams({ eventSlug: DEMO, tierId, quantity: String(quantity), email }),
      redirect: "manual",
    });
  }

  /** Pays the hosted test-mode page (the double then sends checkout.session.completed); returns the order id. */
  async function pay(sessionUrl: string, email: string): Promise<string> {
    const response = await fetch(sessionUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, cardNumber: "4242 4242 4242 4242", expiry: "12 / 34", cvc: "123" }),
      redirect: "manual",
    });
    const location = response.headers.get("location") ?? "";
    const id = /\/orders\/([0-9a-f-]{36})/.exec(location)?.[1];
    if (!id) throw new Error(`payment answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return id;
  }

  async function buy(tierId: string, email: string, quantity = 1) {
    const response = await checkout(tierId, email, quantity);
    expect(response.status).toBe(303);
    return pay(response.headers.get("location")!, email);
  }

  /** The order page as a fan sees it: paid (with the ticket numbers), pending (authorized, minting), or not charged. */
  type OrderView = { status: "paid" | "pending" | "reserved" | "not charged" | "refunded"; tokenIds: string[] };
  /** Every order's status once all show `status`, or as they are after 60 s (the double's webhooks arrive asynchronously). */
  async function statusesOnceAll(ids: string[], status: OrderView["status"]) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const views = await Promise.all(ids.map(order));
      if (views.every((v) => v.status === status) || Date.now() > deadline) return views.map((v) => v.status);
      await sleep(500);
    }
  }

  async function order(id: string): Promise<OrderView> {
    const response = await fetch(`${base()}/orders/${id}`);
    expect(response.status).toBe(200);
    const html = (await response.text()).replaceAll("<!-- -->", "");
    const tokenIds = [...html.matchAll(/Ticket <span[^>]*>#(\d+)<\/span>/g)].map((m) => m[1]!);
    if (html.includes("Your ticket is ready")) return { status: "paid", tokenIds };
    if (html.includes("Payment authorized")) return { status: "pending", tokenIds };
    if (html.includes("Waiting for your payment")) return { status: "reserved", tokenIds };
    if (html.includes("Not charged")) return { status: "not charged", tokenIds };
    if (html.includes(">Refunded<")) return { status: "refunded", tokenIds };
    throw new Error(`unexpected order page: ${html.slice(0, 500)}`);
  }

  /** Waits until every order's page says paid (10 pages at a time, each polled until it is); fails with the stragglers. */
  async function allPaid(ids: string[], timeoutMs = 90_000): Promise<Map<string, OrderView>> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, OrderView>();
    await pool(ids, 10, async (id) => {
      for (;;) {
        const view = await order(id);
        last.set(id, view);
        if (view.status === "paid" || Date.now() > deadline) return;
        await sleep(1000);
      }
    });
    const unpaid = ids.filter((id) => last.get(id)!.status !== "paid");
    if (unpaid.length) {
      const states = Object.fromEntries(unpaid.slice(0, 10).map((id) => [id, last.get(id)]));
      throw new Error(`${unpaid.length} order(s) not paid: ${JSON.stringify(states)}\n${app.output().slice(-3000)}`);
    }
    return last;
  }

  async function signedWebhook(payload: string) {
    return fetch(`${base()}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) },
      body: payload,
    });
  }

  // The chain RPC goes away for 30 s; meanwhile fans keep buying, and 500 of them race for the last 10 VIP seats.
  let outageStarted = 0;
  const waitingOrders: string[] = [];
  const vipOrders: string[] = [];

  it("keeps card orders waiting while the chain RPC is unreachable and shows the outage on /healthz (503 naming the chain)", async () => {
    await rpc.cut();
    outageStarted = Date.now();
    waitingOrders.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => buy(tiers.ga, `outage${i}@example.com`)))));
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { failing: string[]; chain: { ok: boolean; error?: string }; database: { ok: boolean } };
    expect(report.failing).toContain("chain");
    expect(report.chain.ok).toBe(false);
    expect(report.database.ok).toBe(true);
    // Pages that need no chain keep working; the orders wait (authorized, not charged).
    expect((await fetch(`${base()}/events/${DEMO}`)).status).toBe(200);
    expect((await Promise.all(waitingOrders.map(order))).map((o) => o.status)).toEqual(Array(5).fill("pending"));
  }, 300_000);

  it("sells the last 10 seats to exactly 10 of 500 concurrent buyers over HTTP (RPC still down); the others get 409", async () => {
    // VIP has 50 seats: 40 go first, then 500 fans race for the last 10.
    vipOrders.push(...(await Promise.all(Array.from({ length: 4 }, (_, i) => buy(tiers.vip, `early${i}@example.com`, 10)))));
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => checkout(tiers.vip, `racer${i}@example.com`)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(490);
    const refusal = (await answers.find((a) => a.status === 409)!.json()) as { code: string; error: string };
    expect(refusal).toMatchObject({ code: "sold_out", error: expect.stringMatching(/^Sold out/) });
    const winners = answers.map((a, i) => [a, i] as const).filter(([a]) => a.status === 303);
    vipOrders.push(...(await Promise.all(winners.map(([a, i]) => pay(a.headers.get("location")!, `racer${i}@example.com`)))));
    // One more fan: sold out, nothing reserved.
    expect((await checkout(tiers.vip, "late@example.com")).status).toBe(409);
    expect(await statusesOnceAll(vipOrders, "pending")).toEqual(Array(vipOrders.length).fill("pending"));
  }, 300_000);

  it("mints every waiting order once the RPC is back after 30 s, charges them only then, and /healthz recovers", async () => {
    await sleep(Math.max(0, 30_000 - (Date.now() - outageStarted)));
    expect((await Promise.all(waitingOrders.map(order))).map((o) => o.status)).toEqual(Array(5).fill("pending"));
    await rpc.restore();
    await allPaid(waitingOrders, 90_000);
    const vip = await allPaid(vipOrders, 90_000);
    const tokens = [...vip.values()].flatMap((o) => o.tokenIds);
    expect(tokens).toHaveLength(50);
    expect(new Set(tokens).size).toBe(50);
    const deadline = Date.now() + 20_000;
    let healthy = await fetch(`${base()}/healthz`);
    while (healthy.status !== 200 && Date.now() < deadline) (await sleep(500), (healthy = await fetch(`${base()}/healthz`)));
    expect(healthy.status, JSON.stringify(await healthy.clone().json())).toBe(200);
  }, 300_000);

  it("kill -9 in the middle of 200 payments and webhooks: after a restart every paid order is minted exactly once, unacknowledged webhooks are delivered again", async () => {
    const emails = Array.from({ length: 200 }, (_, i) => `crowd${i}@example.com`);
    const sessions = await pool(emails, 20, async (email) => {
      const response = await checkout(tiers.ga, email);
      expect(response.status).toBe(303);
      return response.headers.get("location")!;
    });
    // Pay all 200 (each payment makes the double send a signed checkout.session.completed to the app);
    // the app is killed with SIGKILL once about half have been answered.
    const orderIds = new Array<string | null>(200).fill(null);
    let answered = 0;
    let killed = false;
    const paying = pool(sessions, 25, async (url, i) => {
      if (killed) return;
      try {
        orderIds[i] = await pay(url, emails[i]!);
        if (++answered === 100) {
          killed = true;
          process.kill(app.child.pid!, "SIGKILL");
        }
      } catch {
        /* the app died under this request */
      }
    });
    await paying;
    await app.exited;
    expect(app.child.signalCode).toBe("SIGKILL");
    await app.stop();

    // What Stripe still has to deliver: the events the app never acknowledged with a 2xx.
    const handle = await openDatabase();
    const unacknowledged = await handle.db.select({ id: stripeDoubleEvents.id, payload: stripeDoubleEvents.payload }).from(stripeDoubleEvents).where(sql`${stripeDoubleEvents.deliveredAt} is null`);
    await handle.close();

    app = await startTheApp();
    // Stripe retries every unacknowledged delivery (same event id, signed again), some of them twice.
    const redelivered = await pool([...unacknowledged, ...unacknowledged.slice(0, 10)], 10, async (event) => (await signedWebhook(JSON.stringify(event.payload))).status);
    expect(redelivered.every((s) => s === 200)).toBe(true);
    // Fans whose payment page failed when the server died pay again.
    for (const [i, url] of sessions.entries()) if (!orderIds[i]) orderIds[i] = await pay(url, emails[i]!);
    const paid = await allPaid(orderIds as string[], 120_000);
    const tokens = [...paid.values()].flatMap((o) => o.tokenIds);
    expect(tokens).toHaveLength(200);
    expect(new Set(tokens).size).toBe(200);
  }, 400_000);

  if (kind === "postgres") {
    it("answers 503 while PostgreSQL is unreachable and recovers without a restart: pages, webhooks, the mint worker and the queue", async () => {
      await pg!.cut();
      const page = await fetch(`${base()}/orders/00000000-0000-4000-8000-000000000000`);
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("5");
      expect([200, 503]).toContain((await fetch(`${base()}/events/${DEMO}`)).status); // cached or 503, never 500
      const data = await fetch(`${base()}/orders/00000000-0000-4000-8000-000000000000.data`);
      expect(data.status).toBe(503);
      const start = await checkout(tiers.ga, "while-down@example.com");
      expect(start.status).toBe(503);
      const health = await fetch(`${base()}/healthz`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { failing: string[] }).failing).toContain("database");
      await sleep(3_000);
      await pg!.restore();
      // Back within a few seconds (reconnect backoff at most 2 s), without a restart.
      const deadline = Date.now() + 15_000;
      let probe = await fetch(`${base()}/orders/00000000-0000-4000-8000-000000000000`);
      while (probe.status === 503 && Date.now() < deadline) (await sleep(250), (probe = await fetch(`${base()}/orders/00000000-0000-4000-8000-000000000000`)));
      expect(probe.status).toBe(404);
      expect((await fetch(`${base()}/events/${DEMO}`)).status).toBe(200);
      const ids = await Promise.all(Array.from({ length: 3 }, (_, i) => buy(tiers.ga, `after-db${i}@example.com`)));
      await allPaid(ids, 60_000);
      // The app's connections were also killed server-side (pg_terminate_backend): it reconnects again.
      const admin = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: "memory://" });
      await admin.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
      await admin.close();
      const again = await buy(tiers.ga, "after-terminate@example.com");
      await allPaid([again], 60_000);
      expect((await fetch(`${base()}/healthz`)).status).toBe(200);
    }, 300_000);
  }

  it("SIGTERM while a mint batch is being sent: new requests are refused, the request and the batch in flight finish, exit 0; after a restart nothing is minted twice or lost", async () => {
    const held = rpc.holdWhen(/eth_sendRawTransaction|eth_sendTransaction/);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => buy(tiers.ga, `graceful${i}@example.com`)));
    await held; // the worker is sending a mintBatch: the node has not received it yet

    // A webhook whose body is still arriving when the signal comes.
    const payload = JSON.stringify({ id: `evt_inflight_${kind}`, object: "event", type: "payment_intent.created", data: { object: { id: "pi_inflight", object: "payment_intent" } } });
    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base()}/webhooks/stripe`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "stripe-signature": signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.write(payload.slice(0, 20));
      setTimeout(() => req.end(payload.slice(20)), 1_500);
    });
    await sleep(300);
    app.child.kill("SIGTERM");
    await sleep(500);
    // No new connections.
    const refused = await new Promise<string>((resolve) => {
      const req = httpRequest(`${base()}/healthz`, { agent: false }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      req.end();
    });
    expect(refused).toBe("ECONNREFUSED");
    expect(await inFlight).toMatchObject({ status: 200, body: expect.stringContaining('"received":true') });
    await sleep(500);
    rpc.release();
    const code = await app.exited;
    expect(code, app.output().slice(-3000)).toBe(0);
    expect(app.output()).toMatch(/batch [0-9a-f-]{36} confirmed/);
    await app.stop();

    app = await startTheApp();
    await allPaid(ids, 60_000);
  }, 400_000);

  it("after everything: every captured payment has its ticket on chain, minted once; no authorization is left hanging; seats add up", async () => {
    await app.stop("SIGTERM");
    // The chain alone, replayed from its journal, and the database, read directly.
    const chainOnly = await startScript("test/support/chain-fixture.ts", { env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(chainPort) }, ready: /"factory"/ });
    const handle: DbHandle = await openDatabase();
    try {
      const client = chain();
      const [event] = await handle.db.select({ contract: events.contractAddress }).from(events).where(eq(events.slug, DEMO));
      const contract = getAddress(event!.contract!);
      const all = await handle.db.select().from(orders);
      // Nothing in between: each order is paid, or never authorized (expired/reserved), nothing waits.
      expect(all.filter((o) => ["authorized", "minting", "minted"].includes(o.status))).toEqual([]);
      const paid = all.filter((o) => o.status === "paid");
      expect(paid.length).toBe(4 + 10 + 200 + 5 + 5 + (kind === "postgres" ? 4 : 0));
      // Each batch's reference appears once on chain, at the token the database recorded.
      const batches = await handle.db.select().from(mintBatches).where(eq(mintBatches.status, "confirmed"));
      const issued = await client.getContractEvents({ address: contract, abi: concertTicketAbi, eventName: "TicketsIssued", fromBlock: 0n });
      const refs = issued.map((log) => log.args.batchRef!.toLowerCase());
      expect(new Set(refs).size).toBe(refs.length);
      for (const batch of batches) {
        const found = issued.filter((log) => log.args.batchRef!.toLowerCase() === batch.batchRef.toLowerCase());
        expect(found).toHaveLength(1);
        expect(found[0]!.args.firstTokenId!.toString()).toBe(batch.firstTokenId);
      }
      // Each paid order's tickets belong to its buyer; no token is counted for two orders.
      const owners = new Map<bigint, string>();
      for (const o of paid) {
        for (let t = 0n; t < BigInt(o.quantity); t++) {
          const tokenId = BigInt(o.firstTokenId!) + t;
          expect(owners.has(tokenId)).toBe(false);
          owners.set(tokenId, o.recipient!);
        }
      }
      const mints = await client.getContractEvents({ address: contract, abi: concertTicketAbi, eventName: "Transfer", args: { from: "0x0000000000000000000000000000000000000000" }, fromBlock: 0n });
      expect(mints).toHaveLength(owners.size);
      for (const log of mints) expect(owners.get(log.args.tokenId!)).toBe(getAddress(log.args.to as Address));
      // Money: captured exactly for the paid orders; no authorization hanging.
      const intents = await handle.db.select({ data: stripeDoubleObjects.data }).from(stripeDoubleObjects).where(eq(stripeDoubleObjects.object, "payment_intent"));
      const byStatus = (status: string) => intents.filter((i) => (i.data as { status: string }).status === status).map((i) => (i.data as { id: string }).id);
      expect(byStatus("requires_capture")).toEqual([]);
      expect(byStatus("succeeded").sort()).toEqual(paid.map((o) => o.stripePaymentIntentId!).sort());
      // Seats: the database's sold figures are the chain's, and nothing is left reserved by a paid order.
      for (const tier of await handle.db.select().from(ticketTiers).where(inArray(ticketTiers.id, [tiers.ga, tiers.vip]))) {
        const onChain = await client.readContract({ address: contract, abi: concertTicketAbi, functionName: "tier", args: [BigInt(tier.position)] });
        expect(tier.sold).toBe(Number(onChain.sold));
        const held = all.filter((o) => o.tierId === tier.id && o.status === "reserved").reduce((n, o) => n + o.quantity, 0);
        expect(tier.reserved).toBe(held);
      }
      expect(paid.filter((o) => o.tierId === tiers.vip).reduce((n, o) => n + o.quantity, 0)).toBe(50);
    } finally {
      await handle.close();
      await chainOnly.stop();
    }
  }, 300_000);
});
