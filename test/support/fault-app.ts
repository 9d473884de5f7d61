import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { eq, inArray } from "drizzle-orm";
import { createPublicClient, getAddress, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { expect } from "vitest";
import { doubleAccount } from "../../app/services/stripe-double/double.server";
import { concertTicketAbi } from "../../app/contracts/abi";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { events, mintBatches, orders, stripeDoubleObjects, ticketTiers } from "../../db/schema";
import type { TestDatabase } from "./databases";
import { freePort, startScript, type Started } from "./processes";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

/**
 * The whole product (`server/main.ts`, production build, embedded chain and Stripe double) for fault tests
 * (test/faults): the app reaches its chain — and PostgreSQL, when the database is a real one — through
 * loopback TCP proxies the test can cut, as a stopped node or a network fault would. Fans act over HTTP
 * as a browser would: checkout, the hosted test-mode payment page, the order page.
 */

export const DEMO = "aurora-nights-demo";
const signer = new Stripe("sk_test_signer_only");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
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

/** The order page as a fan sees it: paid (with the ticket numbers), pending (authorized, minting), or not charged. */
export type OrderView = { status: "paid" | "pending" | "reserved" | "not charged" | "refunded"; tokenIds: string[] };

/** A stable, distinct client address per fan (10.x.y.z from the email's hash). */
function fanAddress(email: string) {
  const h = createHash("sha256").update(email).digest();
  return `10.${h[0]}.${h[1]}.${h[2]}`;
}

export class FaultApp {
  app!: Started;
  rpc!: TcpProxy;
  /** the proxy in front of PostgreSQL (null on PGlite) */
  pg: TcpProxy | null = null;
  stripe!: Stripe;
  tiers!: { ga: string; vip: string };
  dataDir = "";
  port = 0;
  chainPort = 0;
  private databaseUrl = "";
  private webhookSecret = "";
  private starts = 0;

  constructor(
    readonly kind: string,
    readonly database: TestDatabase,
  ) {}

  base = () => `http://127.0.0.1:${this.port}`;
  chain = () => createPublicClient({ chain: hardhat, transport: http(`http://127.0.0.1:${this.chainPort}`) });
  openDatabase = () => openDb({ databaseUrl: this.database.databaseUrl, pgliteDir: path.join(this.dataDir, "pglite") });

  /** Data dir, proxies, the double's keys (created first, so the test can sign webhooks as Stripe does), the app. */
  async setUp(): Promise<void> {
    this.dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-faults-"));
    [this.port, this.chainPort] = [await freePort(), await freePort()];
    this.rpc = await startTcpProxy({ port: this.chainPort });
    if (this.database.databaseUrl) {
      const url = new URL(this.database.databaseUrl);
      this.pg = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.port = String(this.pg.port);
      this.databaseUrl = url.toString();
    }
    const handle = await this.openDatabase();
    await migrate(handle);
    const account = await doubleAccount(handle.db);
    await handle.close();
    this.webhookSecret = account.webhookSecret;
    this.stripe = new Stripe(account.secretKey, { host: "127.0.0.1", port: this.port, protocol: "http", maxNetworkRetries: 0 });
    this.app = await this.start();
    // The tier ids, from the "Pay by card" form of the event page.
    const html = await (await fetch(`${this.base()}/events/${DEMO}`)).text();
    const options = [...html.matchAll(/<option value="([0-9a-f-]{36})"[^>]*>(.*?)<\/option>/g)].map((m) => ({ id: m[1]!, label: m[2]!.replaceAll("<!-- -->", "") }));
    this.tiers = { ga: options.find((o) => o.label.startsWith("General Admission"))!.id, vip: options.find((o) => o.label.startsWith("VIP"))!.id };
  }

  async tearDown(): Promise<void> {
    await this.app?.stop("SIGTERM");
    await this.rpc?.close();
    await this.pg?.close();
    await this.database?.drop();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async start(): Promise<Started> {
    const n = ++this.starts;
    const started = await startScript("server/main.ts", {
      env: {
        PORT: String(this.port),
        HOST: "127.0.0.1",
        LOCAL_CHAIN_PORT: String(this.chainPort),
        LOCAL_CHAIN_RPC_URL: this.rpc.url,
        DATA_DIR: this.dataDir,
        NODE_ENV: "production",
        DATABASE_URL: this.databaseUrl,
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
    if (logDir) void started.exited.then(() => writeFileSync(path.join(logDir, `faults-${this.kind}-app-${n}.log`), started.output()));
    return started;
  }

  checkout(tierId: string, email: string, quantity = 1) {
    return fetch(`${this.base()}/checkout`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": fanAddress(email) },
      body: new URLSearchParams({ eventSlug: DEMO, tierId, quantity: String(quantity), email }),
      redirect: "manual",
    });
  }

  /** Pays the hosted test-mode page (the double then sends checkout.session.completed); returns the order id. */
  async pay(sessionUrl: string, email: string): Promise<string> {
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

  async buy(tierId: string, email: string, quantity = 1): Promise<string> {
    const response = await this.checkout(tierId, email, quantity);
    expect(response.status).toBe(303);
    return this.pay(response.headers.get("location")!, email);
  }

  order = async (id: string): Promise<OrderView> => {
    const response = await fetch(`${this.base()}/orders/${id}`);
    expect(response.status).toBe(200);
    const html = (await response.text()).replaceAll("<!-- -->", "");
    const tokenIds = [...html.matchAll(/Ticket <span[^>]*>#(\d+)<\/span>/g)].map((m) => m[1]!);
    if (html.includes("Your ticket is ready")) return { status: "paid", tokenIds };
    if (html.includes("Payment authorized")) return { status: "pending", tokenIds };
    if (html.includes("Waiting for your payment")) return { status: "reserved", tokenIds };
    if (html.includes("Not charged")) return { status: "not charged", tokenIds };
    if (html.includes(">Refunded<")) return { status: "refunded", tokenIds };
    throw new Error(`unexpected order page: ${html.slice(0, 500)}`);
  };

  /** Every order's status once all show `status`, or as they are after 60 s (the double's webhooks arrive asynchronously). */
  async statusesOnceAll(ids: string[], status: OrderView["status"]) {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const views = await Promise.all(ids.map(this.order));
      if (views.every((v) => v.status === status) || Date.now() > deadline) return views.map((v) => v.status);
      await sleep(500);
    }
  }

  /** Waits until every order's page says paid (10 pages at a time, each polled until it is); fails with the stragglers. */
  async allPaid(ids: string[], timeoutMs = 90_000): Promise<Map<string, OrderView>> {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<string, OrderView>();
    await pool(ids, 10, async (id) => {
      for (;;) {
        const view = await this.order(id);
        last.set(id, view);
        if (view.status === "paid" || Date.now() > deadline) return;
        await sleep(1000);
      }
    });
    const unpaid = ids.filter((id) => last.get(id)!.status !== "paid");
    if (unpaid.length) {
      const states = Object.fromEntries(unpaid.slice(0, 10).map((id) => [id, last.get(id)]));
      throw new Error(`${unpaid.length} order(s) not paid: ${JSON.stringify(states)}\n${this.app.output().slice(-3000)}`);
    }
    return last;
  }

  signedWebhook(payload: string) {
    return fetch(`${this.base()}/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": this.signature(payload) },
      body: payload,
    });
  }

  signature(payload: string): string {
    return signer.webhooks.generateTestHeaderString({ payload, secret: this.webhookSecret });
  }

  /**
   * After a run (the app stopped): every captured payment has its ticket on chain, minted once; no
   * authorization is left hanging; the database's seats are the chain's. `paid`: the paid orders expected.
   */
  async checkMoneyInvariants(expected: { paid: number; vipSold: number }): Promise<void> {
    // The chain alone, replayed from its journal, and the database, read directly.
    const chainOnly = await startScript("test/support/chain-fixture.ts", { env: { DATA_DIR: this.dataDir, LOCAL_CHAIN_PORT: String(this.chainPort) }, ready: /"factory"/ });
    const handle: DbHandle = await this.openDatabase();
    try {
      const client = this.chain();
      const [event] = await handle.db.select({ contract: events.contractAddress }).from(events).where(eq(events.slug, DEMO));
      const contract = getAddress(event!.contract!);
      const all = await handle.db.select().from(orders);
      // Nothing in between: each order is paid, or never authorized (expired/reserved), nothing waits.
      expect(all.filter((o) => ["authorized", "minting", "minted"].includes(o.status))).toEqual([]);
      const paid = all.filter((o) => o.status === "paid");
      expect(paid.length).toBe(expected.paid);
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
      for (const tier of await handle.db.select().from(ticketTiers).where(inArray(ticketTiers.id, [this.tiers.ga, this.tiers.vip]))) {
        const onChain = await client.readContract({ address: contract, abi: concertTicketAbi, functionName: "tier", args: [BigInt(tier.position)] });
        expect(tier.sold).toBe(Number(onChain.sold));
        const held = all.filter((o) => o.tierId === tier.id && o.status === "reserved").reduce((n, o) => n + o.quantity, 0);
        expect(tier.reserved).toBe(held);
      }
      expect(paid.filter((o) => o.tierId === this.tiers.vip).reduce((n, o) => n + o.quantity, 0)).toBe(expected.vipSold);
    } finally {
      await handle.close();
      await chainOnly.stop();
    }
  }
}
