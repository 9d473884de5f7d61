import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, count, eq, sql } from "drizzle-orm";
import Stripe from "stripe";
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  parseAbiItem,
  parseEther,
  type Address,
  type Hex,
} from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "~/contracts/abi";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, mintBatches, orders, stripeDoubleEvents, stripeDoubleObjects, stripeEvents, ticketTiers, users } from "../../db/schema";
import { DEMO_EVENT, DEMO_PROMOTER, seedDemo } from "../../server/bootstrap";
import type { Deployment } from "./deployments.server";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { serveFetch, type FetchServer } from "../../test/support/fetch-server";
import { freePort, startScript, type Started } from "../../test/support/processes";
import { MintWorker } from "./mint-worker.server";
import { sweepReservations } from "./orders.server";
import { payments, resetPayments } from "./payments.server";
import { startPayments, type PaymentsRuntime } from "./payments-runtime.server";
import { doubleAccount, payHostedCheckout } from "./stripe-double/double.server";
import { embeddedWalletAddress } from "./wallets.server";

/**
 * Card checkout end to end, on a real local Hardhat chain, against PGlite (on disk) and — with
 * DATABASE_URL — a fresh real PostgreSQL database. The app's own route modules are served over HTTP
 * (checkout, the Stripe double's API and hosted page, the webhook, the order page), the stripe SDK talks
 * to the double, the double signs webhooks with the SDK; the mint worker is the real one.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-pay-"));
let chain: Started;
let deployment: Deployment;
let chainUrl: string;

beforeAll(async () => {
  const chainPort = await freePort();
  process.env.DATA_DIR = dataDir;
  process.env.LOCAL_CHAIN_PORT = String(chainPort);
  delete process.env.STRIPE_SECRET_KEY;
  delete process.env.STRIPE_WEBHOOK_SECRET;
  chain = await startScript("test/support/chain-fixture.ts", { env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(chainPort) }, ready: /"factory"/ });
  deployment = JSON.parse(chain.output().split("\n").find((line) => line.includes('"factory"'))!) as Deployment;
  chainUrl = `http://127.0.0.1:${chainPort}`;
});

afterAll(async () => {
  await chain?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type RouteArgs = { request: Request; params: Record<string, string>; context: Record<string, unknown> };
let clientCounter = 0;
type RouteModule = { loader?: (args: RouteArgs) => unknown; action?: (args: RouteArgs) => unknown };

/** Serves the real route modules of the payment flow (as Remix would route them). */
async function serveApp(): Promise<FetchServer> {
  const routes = [
    [/^\/checkout$/, () => import("../routes/checkout"), []],
    [/^\/webhooks\/stripe$/, () => import("../routes/webhooks.stripe"), []],
    [/^\/v1\/(.*)$/, () => import("../routes/v1.$"), ["*"]],
    [/^\/test-checkout\/([^/]+)$/, () => import("../routes/test-checkout.$sessionId"), ["sessionId"]],
    [/^\/orders\/([^/]+)$/, () => import("../routes/orders.$id"), ["id"]],
  ] as unknown as Array<[RegExp, () => Promise<RouteModule>, string[]]>;
  return serveFetch(async (request) => {
    const { pathname } = new URL(request.url);
    for (const [pattern, load, names] of routes) {
      const match = pattern.exec(pathname);
      if (!match) continue;
      const route = await load();
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
      const fn = request.method === "GET" ? route.loader : route.action;
      if (!fn) return new Response("method not allowed", { status: 405 });
      try {
        // Each request its own client address, as many fans would be (the per-IP checkout limit is not under test here).
        const result = await fn({ request, params, context: { clientIp: `198.51.100.${++clientCounter % 250}:${clientCounter}` } });
        return result instanceof Response ? result : Response.json(result);
      } catch (thrown) {
        if (thrown instanceof Response) return thrown;
        throw thrown;
      }
    }
    return new Response("not found", { status: 404 });
  });
}

const publicClient = () => createPublicClient({ chain: hardhat, transport: http(chainUrl) });
const promoterWallet = () => createWalletClient({ account: DEMO_PROMOTER, chain: hardhat, transport: http(chainUrl) });
const rows = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, unknown>[];

describe.each(databaseBackends())("card checkout (database: %s)", (kind, createDatabase) => {
  let database: TestDatabase;
  let pgliteDir: string;
  let handle: DbHandle;
  let app: FetchServer;
  let runtime: PaymentsRuntime;
  let worker: MintWorker;
  let stripe: Stripe;
  let demoTiers: Array<{ id: string; position: number; priceCents: number }>;
  const quiet = () => {};

  async function start() {
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir });
    runtime = await startPayments({ handle, publicUrl: app.url, internalUrl: app.url, worker: false, sweepMs: 3_600_000, log: quiet });
    worker = new MintWorker({ handle, boss: runtime.boss, stripe: async () => (await payments(handle.db)).stripe, log: quiet });
    stripe = (await payments(handle.db)).stripe;
  }
  async function stop() {
    await runtime?.stop();
    await closeDb();
    resetPayments();
  }

  beforeAll(async () => {
    database = await createDatabase();
    pgliteDir = database.kind === "pglite" ? path.join(dataDir, `pglite-${Math.random().toString(36).slice(2)}`) : "memory://";
    app = await serveApp();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir });
    await migrate(handle);
    const provider = { request: (args: { method: string; params?: unknown[] }) => publicClient().request(args as never) };
    await seedDemo(handle.db, provider as never, publicClient() as never, deployment, quiet);
    const [demo] = await handle.db.select({ id: events.id }).from(events).where(eq(events.slug, DEMO_EVENT.slug));
    demoTiers = await handle.db.select({ id: ticketTiers.id, position: ticketTiers.position, priceCents: ticketTiers.priceCents }).from(ticketTiers).where(eq(ticketTiers.eventId, demo!.id)).orderBy(ticketTiers.position);
    await start();
  });

  afterAll(async () => {
    await stop();
    await app?.close();
    await database?.drop();
  });

  /** A show of our own on chain + in the database (one tier of `supply` seats at $30). */
  async function createShow(slug: string, supply: number, options: { dbSupply?: number; priceCents?: number } = {}) {
    const client = publicClient();
    const block = await client.getBlock();
    const startsAt = block.timestamp + 30n * 86_400n;
    const name = `${slug} ${kind}`;
    const hash = await promoterWallet().writeContract({
      address: deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "createEvent",
      args: [{ name, startsAt, baseURI: "http://localhost/metadata/test/", royaltyBps: 500, resaleCapBps: 11_000, tiers: [{ price: parseEther("1"), supply }] }],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const [created] = await client.getLogs({
      address: deployment.factory,
      event: parseAbiItem("event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt)"),
      blockHash: receipt.blockHash,
    });
    const [promoter] = await handle.db.select({ id: users.id }).from(users).where(eq(users.walletAddress, DEMO_PROMOTER));
    const [event] = await handle.db
      .insert(events)
      .values({
        slug: `${slug}-${kind}`,
        promoterId: promoter!.id,
        name,
        venue: "Test Hall",
        city: "Lisbon",
        startsAt: new Date(Number(startsAt) * 1000),
        status: "published",
        chainId: 31337,
        onChainId: created!.args.eventId!.toString(),
        contractAddress: getAddress(created!.args.ticket!),
      })
      .returning({ id: events.id, slug: events.slug, contract: events.contractAddress });
    const [tier] = await handle.db
      .insert(ticketTiers)
      .values({ eventId: event!.id, position: 0, name: "Standing", priceCents: options.priceCents ?? 3000, priceWei: parseEther("1").toString(), supply: options.dbSupply ?? supply })
      .returning({ id: ticketTiers.id });
    return { eventId: event!.id, slug: event!.slug, contract: getAddress(event!.contract!), tierId: tier!.id };
  }

  async function checkout(fields: Record<string, string>, accept = "application/json") {
    return fetch(`${app.url}/checkout`, {
      method: "POST",
      headers: { accept, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
      redirect: "manual",
    });
  }

  /** Fills the hosted test-mode page as a browser would (form POST); returns the response. */
  async function pay(sessionUrl: string, card = "4242 4242 4242 4242", email = "fan@example.com") {
    return fetch(sessionUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, cardNumber: card, expiry: "12 / 34", cvc: "123" }),
      redirect: "manual",
    });
  }

  async function orderOf(sessionUrl: string) {
    const sessionId = sessionUrl.split("/").pop()!;
    const [order] = await handle.db.select().from(orders).where(eq(orders.stripeSessionId, sessionId));
    return order!;
  }

  async function tier(id: string) {
    const [row] = await handle.db.select({ sold: ticketTiers.sold, reserved: ticketTiers.reserved, supply: ticketTiers.supply }).from(ticketTiers).where(eq(ticketTiers.id, id));
    return row!;
  }

  async function intent(id: string) {
    const [row] = await handle.db.select({ data: stripeDoubleObjects.data }).from(stripeDoubleObjects).where(eq(stripeDoubleObjects.id, id));
    return row!.data as { status: string; amount_received: number };
  }

  /** Runs worker passes until the order is final (or fails the test). */
  async function mintUntilSettled(orderId: string) {
    for (let i = 0; i < 20; i++) {
      await worker.runOnce();
      const [order] = await handle.db.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
      if (["paid", "voided", "expired"].includes(order!.status)) return order!.status;
    }
    throw new Error(`order ${orderId} did not settle`);
  }

  async function signed(payload: string, timestamp?: number) {
    const { webhookSecret } = await doubleAccount(handle.db);
    return stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret, ...(timestamp ? { timestamp } : {}) });
  }

  async function postWebhook(payload: string, signature: string) {
    return fetch(`${app.url}/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload });
  }

  async function counts() {
    const [o] = await handle.db.select({ n: count() }).from(orders);
    const [e] = await handle.db.select({ n: count() }).from(stripeEvents);
    const tiers = await handle.db.select({ id: ticketTiers.id, sold: ticketTiers.sold, reserved: ticketTiers.reserved }).from(ticketTiers).orderBy(ticketTiers.id);
    const states = await handle.db.select({ id: orders.id, status: orders.status }).from(orders).orderBy(orders.id);
    return { orders: o!.n, events: e!.n, tiers, states };
  }

  it("sells a ticket by card: checkout → test-mode payment → signed webhook → mint → capture; the buyer's embedded wallet owns it", async () => {
    const ga = demoTiers[0]!;
    const before = await tier(ga.id);
    const response = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: ga.id, quantity: "2", email: "Fan@Example.com" }, "text/html");
    expect(response.status).toBe(303);
    const sessionUrl = response.headers.get("location")!;
    expect(sessionUrl).toMatch(new RegExp(`^${app.url}/test-checkout/cs_test_[0-9a-f]{48}$`));
    const reserved = await orderOf(sessionUrl);
    expect(reserved).toMatchObject({ status: "reserved", quantity: 2, amountCents: 9000, unitPriceCents: 4500 });
    expect(reserved.reservedUntil.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(await tier(ga.id)).toMatchObject({ reserved: before.reserved + 2, sold: before.sold });

    // The Checkout Session in the double has the order's shape (manual capture, amount in cents).
    const session = await stripe.checkout.sessions.retrieve(reserved.stripeSessionId!);
    expect(session).toMatchObject({ mode: "payment", amount_total: 9000, currency: "usd", client_reference_id: reserved.id, metadata: { orderId: reserved.id }, customer_email: "fan@example.com", status: "open", payment_intent: null });

    const page = await fetch(sessionUrl);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ checkout: { amountTotal: 9000, status: "open" } });

    const paid = await pay(sessionUrl);
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe(`${app.url}/orders/${reserved.id}?session_id=${reserved.stripeSessionId}`);
    const authorized = await orderOf(sessionUrl);
    expect(authorized.status).toBe("authorized");
    const buyer = await embeddedWalletAddress(handle.db, authorized.userId!);
    expect(authorized.recipient).toBe(buyer);
    expect((await intent(authorized.stripePaymentIntentId!)).status).toBe("requires_capture");

    expect(await mintUntilSettled(reserved.id)).toBe("paid");
    const done = await orderOf(sessionUrl);
    expect(done.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const first = BigInt(done.firstTokenId!);
    const [event] = await handle.db.select({ contract: events.contractAddress }).from(events).where(eq(events.id, done.eventId));
    for (const tokenId of [first, first + 1n]) {
      const owner = await publicClient().readContract({ address: event!.contract as Address, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] });
      expect(getAddress(owner)).toBe(buyer);
    }
    expect(await intent(done.stripePaymentIntentId!)).toMatchObject({ status: "succeeded", amount_received: 9000 });
    // "sold" is the chain's figure (wallet and card sales alike; the chain is shared by both database runs).
    const onChain = await publicClient().readContract({ address: event!.contract as Address, abi: concertTicketAbi, functionName: "tier", args: [BigInt(ga.position)] });
    expect(await tier(ga.id)).toEqual({ ...before, sold: onChain.sold });
    expect(onChain.sold).toBeGreaterThanOrEqual(before.sold + 2);
    const [batch] = await handle.db.select().from(mintBatches).where(eq(mintBatches.id, done.mintBatchId!));
    expect(batch).toMatchObject({ status: "confirmed", txHash: done.txHash, firstTokenId: done.firstTokenId });

    // The order page reads the final state.
    const view = (await (await fetch(`${app.url}/orders/${done.id}`)).json()) as { order: { status: string; tokenIds: string[] } };
    expect(view.order).toMatchObject({ status: "paid", tokenIds: [first.toString(), (first + 1n).toString()], email: "f•••@example.com" });
  });

  it("answers bad input with 400 and a sold-out tier with 409, changing nothing", async () => {
    const before = await counts();
    const bad = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: demoTiers[0]!.id, quantity: "11", email: "not-an-email" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fieldErrors: { quantity: "You can buy at most 10 tickets per order.", email: "Enter a valid email address." } });
    const unknown = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: "00000000-0000-4000-8000-000000000000", quantity: "1" });
    expect(unknown.status).toBe(404);
    const tooMany = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: demoTiers[1]!.id, quantity: "10" });
    expect(tooMany.status).toBe(303); // 50 VIP seats: fine
    // A browser form comes back to its page with the message.
    const html = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: demoTiers[0]!.id, quantity: "0", returnTo: `/events/${DEMO_EVENT.slug}` }, "text/html");
    expect(html.status).toBe(303);
    expect(decodeURIComponent(html.headers.get("location")!)).toMatch(/^\/events\/aurora-nights-demo\?checkoutError=Choose\+at\+least\+1\+ticket\./);
    const after = await counts();
    expect(after.orders).toBe(before.orders + 1);
  });

  it("applies a webhook delivered 5 times and out of order exactly once: one ticket", async () => {
    const ga = demoTiers[0]!;
    const response = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: ga.id, quantity: "1", email: "dup@example.com" });
    const sessionUrl = response.headers.get("location")!;
    const order = await orderOf(sessionUrl);
    // Pay with the webhook endpoint unreachable, so this test decides the delivery order.
    const result = await payHostedCheckout(handle.db, order.stripeSessionId!, { email: "dup@example.com", cardNumber: "4242424242424242", expiry: "12/34", cvc: "123" }, { publicUrl: app.url, webhookUrl: `http://127.0.0.1:${await freePort()}/webhooks/stripe` });
    expect(result.ok).toBe(true);
    const [completed] = await handle.db.select().from(stripeDoubleEvents).where(and(eq(stripeDoubleEvents.type, "checkout.session.completed"), sql`${stripeDoubleEvents.payload}->'data'->'object'->>'id' = ${order.stripeSessionId}`));
    expect(completed!.deliveredAt).toBeNull();
    const completedPayload = JSON.stringify(completed!.payload);
    // A stray "expired" for the same session (e.g. replayed), delivered before and after the completion.
    const expiredEvent = (id: string) => JSON.stringify({ ...completed!.payload, id, type: "checkout.session.expired", data: { object: { ...(completed!.payload.data as { object: object }).object, status: "expired" } } });

    const deliveries = [expiredEvent("evt_stray_early"), completedPayload, completedPayload, completedPayload, completedPayload, completedPayload, expiredEvent("evt_stray_late")];
    const answers = [];
    for (const payload of deliveries) answers.push((await postWebhook(payload, await signed(payload))).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 200, 200]);
    // Concurrent duplicates too.
    const again = await Promise.all(Array.from({ length: 5 }, async () => (await postWebhook(completedPayload, await signed(completedPayload))).json()));
    expect(again.every((a) => (a as { outcome: string }).outcome === "duplicate")).toBe(true);

    expect(await mintUntilSettled(order.id)).toBe("paid");
    const jobs = rows(await handle.db.execute(sql`select count(*)::int as n from pgboss.job where data->>'orderId' = ${order.id}`));
    expect(jobs[0]!.n).toBe(1);
    const final = await orderOf(sessionUrl);
    const logs = await publicClient().getContractEvents({ address: (await handle.db.select({ c: events.contractAddress }).from(events).where(eq(events.id, final.eventId)))[0]!.c as Address, abi: concertTicketAbi, eventName: "Transfer", args: { to: final.recipient as Address } });
    expect(logs.length).toBe(1);
  });

  it("refuses a forged or stale webhook signature with 400 and changes nothing", async () => {
    const ga = demoTiers[0]!;
    const response = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: ga.id, quantity: "1" });
    const order = await orderOf(response.headers.get("location")!);
    const payload = JSON.stringify({ id: "evt_forged", object: "event", type: "checkout.session.expired", data: { object: { id: order.stripeSessionId, object: "checkout.session", metadata: { orderId: order.id }, status: "expired" } } });
    const before = await counts();
    const forged = await postWebhook(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_not_the_secret" }));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toEqual({ error: "invalid signature" });
    const stale = await postWebhook(payload, await signed(payload, Math.floor(Date.now() / 1000) - 301));
    expect(stale.status).toBe(400);
    const tampered = await postWebhook(payload.replace("evt_forged", "evt_tampered"), await signed(payload));
    expect(tampered.status).toBe(400);
    const unsigned = await fetch(`${app.url}/webhooks/stripe`, { method: "POST", body: payload });
    expect(unsigned.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("sells the last seat to exactly one of 50 concurrent buyers; nobody is charged without a ticket", async () => {
    const show = await createShow("last-seat", 1);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "1", email: `buyer${i}@example.com` })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const refusal = (await answers.find((a) => a.status === 409)!.json()) as { error: string; code: string };
    expect(refusal.code).toBe("sold_out");
    expect(refusal.error).toMatch(/^Sold out/);
    expect(await tier(show.tierId)).toEqual({ sold: 0, reserved: 1, supply: 1 });
    const [{ n }] = (await handle.db.select({ n: count() }).from(orders).where(eq(orders.tierId, show.tierId))) as [{ n: number }];
    expect(n).toBe(1);

    const winner = answers.find((a) => a.status === 303)!.headers.get("location")!;
    expect((await pay(winner, "4242424242424242", "winner@example.com")).status).toBe(303);
    const order = await orderOf(winner);
    expect(await mintUntilSettled(order.id)).toBe("paid");
    expect(await tier(show.tierId)).toEqual({ sold: 1, reserved: 0, supply: 1 });

    // Invariant over everything this suite did so far: every captured PaymentIntent belongs to a paid
    // order whose tickets exist on chain.
    const captured = await handle.db.select({ data: stripeDoubleObjects.data }).from(stripeDoubleObjects).where(and(eq(stripeDoubleObjects.object, "payment_intent"), sql`${stripeDoubleObjects.data}->>'status' = 'succeeded'`));
    expect(captured.length).toBeGreaterThan(0);
    for (const { data } of captured) {
      const [paid] = await handle.db.select().from(orders).where(eq(orders.stripePaymentIntentId, String(data.id)));
      expect(paid?.status).toBe("paid");
      const [event] = await handle.db.select({ contract: events.contractAddress }).from(events).where(eq(events.id, paid!.eventId));
      const owner = await publicClient().readContract({ address: event!.contract as Address, abi: concertTicketAbi, functionName: "ownerOf", args: [BigInt(paid!.firstTokenId!)] });
      expect(getAddress(owner)).toBe(paid!.recipient);
    }
  });

  it("voids the order and cancels the authorization when the event is cancelled on chain after payment", async () => {
    const show = await createShow("cancelled-show", 5);
    const response = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "2", email: "sad@example.com" });
    const sessionUrl = response.headers.get("location")!;
    expect((await pay(sessionUrl)).status).toBe(303);
    const order = await orderOf(sessionUrl);
    expect(order.status).toBe("authorized");
    const hash = await promoterWallet().writeContract({ address: show.contract, abi: concertTicketAbi, functionName: "cancelEvent" });
    await publicClient().waitForTransactionReceipt({ hash });

    expect(await mintUntilSettled(order.id)).toBe("voided");
    const voided = await orderOf(sessionUrl);
    expect(voided.failureReason).toBe("the event was cancelled");
    expect(voided.firstTokenId).toBeNull();
    expect((await intent(voided.stripePaymentIntentId!)).status).toBe("canceled");
    expect(await tier(show.tierId)).toEqual({ sold: 0, reserved: 0, supply: 5 });
    const view = (await (await fetch(`${app.url}/orders/${order.id}`)).json()) as { order: { status: string; failureReason: string } };
    expect(view.order).toMatchObject({ status: "voided", failureReason: "the event was cancelled" });
  });

  it("refunds a paid card order through Stripe when the event is cancelled after the sale, exactly once", async () => {
    const show = await createShow("refunded-show", 5);
    const response = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "1", email: "refund-me@example.com" });
    const sessionUrl = response.headers.get("location")!;
    expect((await pay(sessionUrl)).status).toBe(303);
    const order = await orderOf(sessionUrl);
    expect(await mintUntilSettled(order.id)).toBe("paid");
    // A second buyer is authorized but not yet minted when the show is called off.
    const second = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "1", email: "pending@example.com" });
    const secondUrl = second.headers.get("location")!;
    expect((await pay(secondUrl)).status).toBe(303);

    const hash = await promoterWallet().writeContract({ address: show.contract, abi: concertTicketAbi, functionName: "cancelEvent" });
    await publicClient().waitForTransactionReceipt({ hash });
    // The indexer records the cancellation on the event row; the payments sweeper settles the orders.
    await handle.db.update(events).set({ status: "cancelled" }).where(eq(events.id, show.eventId));
    const { settleCancelledEvents } = await import("./orders.server");
    expect(await settleCancelledEvents(handle.db, stripe)).toBe(2);
    expect(await settleCancelledEvents(handle.db, stripe)).toBe(0); // idempotent

    const refunded = await orderOf(sessionUrl);
    expect(refunded).toMatchObject({ status: "refunded", failureReason: "the event was cancelled" });
    const pi = await intent(refunded.stripePaymentIntentId!);
    expect(pi.status).toBe("succeeded");
    // The double recorded exactly one refund for the captured amount.
    const recorded = rows(await handle.db.execute(sql`select data from stripe_double_objects where data->>'object' = 'refund' and data->>'payment_intent' = ${refunded.stripePaymentIntentId}`));
    expect(recorded).toHaveLength(1);
    expect((recorded[0]!.data as { amount: number; status: string })).toMatchObject({ amount: 3000, status: "succeeded" });
    const notCharged = await orderOf(secondUrl);
    expect(notCharged.status).toBe("voided");
    expect((await intent(notCharged.stripePaymentIntentId!)).status).toBe("canceled");
  });

  it("declines the test card 4000 0000 0000 0002 without completing; the lapsed reservation is released", async () => {
    const vip = demoTiers[1]!;
    const before = await tier(vip.id);
    const response = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: vip.id, quantity: "3" });
    const sessionUrl = response.headers.get("location")!;
    const order = await orderOf(sessionUrl);
    const declined = await pay(sessionUrl, "4000 0000 0000 0002");
    expect(declined.status).toBe(402);
    expect(await declined.json()).toMatchObject({ message: "Your card was declined. Nothing was charged.", fieldErrors: { cardNumber: "Your card was declined." } });
    const completions = await handle.db.select().from(stripeDoubleEvents).where(and(eq(stripeDoubleEvents.type, "checkout.session.completed"), sql`${stripeDoubleEvents.payload}->'data'->'object'->>'id' = ${order.stripeSessionId}`));
    expect(completions).toHaveLength(0);
    expect((await orderOf(sessionUrl)).status).toBe("reserved");
    expect(await tier(vip.id)).toMatchObject({ reserved: before.reserved + 3 });

    // 16 minutes later the sweeper expires the Checkout Session at Stripe and gives the seats back.
    await sweepReservations(handle.db, runtime.boss, stripe, new Date(Date.now() + 16 * 60_000));
    expect((await orderOf(sessionUrl)).status).toBe("expired");
    // Every lapsed reservation went (also the 10 VIP seats the bad-input test left open): the tier holds
    // exactly the seats of orders still in flight.
    const [held] = rows(await handle.db.execute(sql`select coalesce(sum(quantity), 0)::int as n from orders where tier_id = ${vip.id} and status in ('reserved', 'authorized', 'minting')`));
    expect(await tier(vip.id)).toEqual({ ...before, reserved: held!.n });
    expect(held!.n).toBe(0);
    expect((await stripe.checkout.sessions.retrieve(order.stripeSessionId!)).status).toBe("expired");
    // Paying now is refused by the double (the session is over).
    expect((await pay(sessionUrl)).status).toBe(410);
  });

  /** Pays an order, then hands the database to a worker process that SIGKILLs itself at `crashAt`. */
  async function crashWhileMinting(email: string, crashAt: "after-send" | "before-send") {
    const ga = demoTiers[0]!;
    const response = await checkout({ eventSlug: DEMO_EVENT.slug, tierId: ga.id, quantity: "3", email });
    const sessionUrl = response.headers.get("location")!;
    expect((await pay(sessionUrl, "4242424242424242", email)).status).toBe(303);
    const order = await orderOf(sessionUrl);
    expect(order.status).toBe("authorized");
    const soldBefore = (await tier(ga.id)).sold;
    await stop();
    const child = await startScript("test/support/mint-crash-child.ts", {
      env: { DATABASE_URL: database.databaseUrl ?? "", PGLITE_DIR: pgliteDir, DATA_DIR: dataDir, LOCAL_CHAIN_PORT: process.env.LOCAL_CHAIN_PORT!, APP_URL: app.url, CRASH_AT: crashAt },
    });
    await child.exited;
    expect(child.child.signalCode, child.output()).toBe("SIGKILL");
    const crash = JSON.parse(child.output().split("\n").find((line) => line.includes('"crashing":true'))!) as { batchId: string; hash?: Hex };
    await child.stop();
    await start();
    const [batch] = await handle.db.select().from(mintBatches).where(eq(mintBatches.id, crash.batchId));
    expect(batch).toMatchObject({ status: "prepared", txHash: null }); // no hash was ever recorded
    return { ga, order, sessionUrl, soldBefore, crash, batch: batch!, contract: getAddress(batch!.contractAddress) };
  }

  async function expectExactlyOnce(run: Awaited<ReturnType<typeof crashWhileMinting>>) {
    const { ga, order, sessionUrl, soldBefore, batch, contract } = run;
    expect(await mintUntilSettled(order.id)).toBe("paid");
    await worker.runOnce(); // and again: nothing more happens
    const issued = await publicClient().getContractEvents({ address: contract, abi: concertTicketAbi, eventName: "TicketsIssued", args: { batchRef: batch.batchRef as Hex }, fromBlock: 0n });
    expect(issued).toHaveLength(1);
    const final = await orderOf(sessionUrl);
    const first = await publicClient().readContract({ address: contract, abi: concertTicketAbi, functionName: "tokenForOrder", args: [batch.batchRef as Hex] });
    expect(final).toMatchObject({ status: "paid", firstTokenId: first.toString(), txHash: issued[0]!.transactionHash });
    const transfers = await publicClient().getContractEvents({ address: contract, abi: concertTicketAbi, eventName: "Transfer", args: { to: final.recipient as Address }, fromBlock: 0n });
    expect(transfers).toHaveLength(3);
    expect((await tier(ga.id)).sold).toBe(soldBefore + 3);
    expect((await intent(final.stripePaymentIntentId!)).status).toBe("succeeded");
    return issued[0]!.transactionHash;
  }

  it("mints exactly once when the worker is killed between sending the transaction and recording it", async () => {
    const run = await crashWhileMinting("crash@example.com", "after-send");
    // The node took the transaction before the crash: the chain already knows the batch.
    expect(await publicClient().readContract({ address: run.contract, abi: concertTicketAbi, functionName: "tokenForOrder", args: [run.batch.batchRef as Hex] })).toBeGreaterThan(0n);
    expect(await expectExactlyOnce(run)).toBe(run.crash.hash);
  });

  it("sends a prepared batch again, with the same batchRef, when the worker died before sending it", async () => {
    const run = await crashWhileMinting("crash-early@example.com", "before-send");
    expect(await publicClient().readContract({ address: run.contract, abi: concertTicketAbi, functionName: "tokenForOrder", args: [run.batch.batchRef as Hex] })).toBe(0n);
    await expectExactlyOnce(run);
  });

  it("mints the orders that still fit when the chain has fewer seats than the database, and voids the rest", async () => {
    // The database believes in 3 seats, the contract has 2 (e.g. sold elsewhere): simulate first, decode TicketSoldOut.
    const show = await createShow("short-supply", 2, { dbSupply: 3 });
    const first = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "2", email: "first@example.com" });
    const second = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "1", email: "second@example.com" });
    expect((await pay(first.headers.get("location")!, "4242424242424242", "first@example.com")).status).toBe(303);
    expect((await pay(second.headers.get("location")!, "4242424242424242", "second@example.com")).status).toBe(303);
    const a = await orderOf(first.headers.get("location")!);
    const b = await orderOf(second.headers.get("location")!);
    await worker.runOnce();
    const [paid, voided] = [await orderOf(first.headers.get("location")!), await orderOf(second.headers.get("location")!)];
    expect(paid.status).toBe("paid");
    expect(voided).toMatchObject({ status: "voided", failureReason: "the tickets sold out before yours could be issued", firstTokenId: null });
    expect((await intent(a.stripePaymentIntentId!)).status).toBe("succeeded");
    expect((await intent(b.stripePaymentIntentId!)).status).toBe("canceled");
    expect(await tier(show.tierId)).toEqual({ sold: 2, reserved: 0, supply: 3 });
  });

  it("batches orders per contract and tier, at most maxTickets tickets per transaction, each order with its own token ids", async () => {
    const show = await createShow("batched", 20);
    const buyers = [["b1@example.com", "2"], ["b2@example.com", "2"], ["b3@example.com", "3"]] as const;
    const sessions: string[] = [];
    for (const [email, quantity] of buyers) {
      const response = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity, email });
      sessions.push(response.headers.get("location")!);
      expect((await pay(sessions.at(-1)!, "4242424242424242", email)).status).toBe(303);
    }
    const small = new MintWorker({ handle, boss: runtime.boss, stripe: async () => (await payments(handle.db)).stripe, maxTickets: 4, log: quiet });
    await small.runOnce();
    const minted = await Promise.all(sessions.map(orderOf));
    expect(minted.map((o) => o.status)).toEqual(["paid", "paid", "paid"]);
    // 2 + 2 tickets fit in one batch of 4; the order of 3 goes into a second one.
    expect(minted[0]!.mintBatchId).toBe(minted[1]!.mintBatchId);
    expect(minted[2]!.mintBatchId).not.toBe(minted[0]!.mintBatchId);
    const batches = await handle.db.select().from(mintBatches).where(sql`${mintBatches.id} in (${minted[0]!.mintBatchId}, ${minted[2]!.mintBatchId})`);
    expect(batches.map((b) => b.recipients.length).sort()).toEqual([3, 4]);
    expect(BigInt(minted[1]!.firstTokenId!)).toBe(BigInt(minted[0]!.firstTokenId!) + 2n);
    for (const order of minted) {
      for (let i = 0n; i < BigInt(order.quantity); i++) {
        const owner = await publicClient().readContract({ address: show.contract, abi: concertTicketAbi, functionName: "ownerOf", args: [BigInt(order.firstTokenId!) + i] });
        expect(getAddress(owner)).toBe(order.recipient);
      }
    }
    expect(await tier(show.tierId)).toEqual({ sold: 7, reserved: 0, supply: 20 });
  });

  it("releases the seats and answers 502 when Stripe refuses to open the Checkout Session", async () => {
    // Stripe refuses totals under $0.50 (amount_too_small).
    const show = await createShow("tiny-price", 5, { priceCents: 10 });
    const response = await checkout({ eventSlug: show.slug, tierId: show.tierId, quantity: "1" });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: "payments_unavailable", error: expect.stringMatching(/Nothing was charged/) });
    const [order] = await handle.db.select().from(orders).where(eq(orders.tierId, show.tierId));
    expect(order).toMatchObject({ status: "expired", stripeSessionId: null });
    expect(order!.failureReason).toMatch(/amount due must add up to at least \$0\.50/);
    expect(await tier(show.tierId)).toEqual({ sold: 0, reserved: 0, supply: 5 });
  });
});
