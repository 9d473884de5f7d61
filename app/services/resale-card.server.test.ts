import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { createPublicClient, createWalletClient, getAddress, http, parseEther, parseEventLogs, type Address, type Hex, type TransactionReceipt } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, marketplaceAbi, paymentEscrowAbi, ticketFactoryAbi } from "~/contracts/abi";
import { parseEnv } from "~/env.server";
import { NATIVE_CURRENCY, orderTypedData, randomSalt, type Order } from "~/lib/orders";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, listings, resaleOrders, stripeDoubleEvents, stripeDoubleObjects, ticketTiers, users, waitlistEntries } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { serveFetch, type FetchServer } from "../../test/support/fetch-server";
import { startPlatformChain, type PlatformChain } from "../../test/support/platform-chain";
import { freePort } from "../../test/support/processes";
import { payments, resetPayments } from "./payments.server";
import { startPayments, type PaymentsRuntime } from "./payments-runtime.server";
import { ResaleFillWorker, startResaleCheckout } from "./resale-card.server";
import { cancelEmbeddedListing, listEmbeddedTicket, sellKeptToWaitlist, transferEmbeddedTicket } from "./embedded-resale.server";
import { createListing, listingForFill } from "./resale.server";
import { joinWaitlist, settleOffers } from "./waitlist.server";
import { setSecrets } from "./secrets.server";
import { serverAccount } from "./signer.server";
import { doubleAccount, payHostedCheckout } from "./stripe-double/double.server";
import { embeddedWalletAddress, ensureBuyer } from "./wallets.server";

/**
 * Card purchases of resale listings against real contracts on a local Hardhat chain and the Stripe double
 * over HTTP (the app's own route modules): the listing is reserved by one guarded UPDATE, the card is
 * authorized, the worker relays the buyer's signed ForwardRequest for Marketplace.fill with the price from
 * the server signer's float, and captures only once the ticket is in the buyer's embedded wallet.
 */

const ADMIN = getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"); // #0, the server signer (float)
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1
const ALICE = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"); // #2 seller
const OTHER = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"); // #3 receives a moved ticket
const ENV_KEY = Symbol.for("ticketchain.env");
// 10 coins at the demo feed's $0.25 = $2.50 by card.
const PRICE = parseEther("10");
const CARD_CENTS = 250;

let chain: PlatformChain;

beforeAll(async () => {
  chain = await startPlatformChain();
  process.env.DATA_DIR = chain.dataDir;
  process.env.LOCAL_CHAIN_PORT = String(chain.port);
  delete process.env.STRIPE_SECRET_KEY;
  delete process.env.STRIPE_WEBHOOK_SECRET;
  (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, SMTP_URL: "", APP_URL: "" });
  setSecrets({ keks: [{ id: "resale-card", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
}, 240_000);

afterAll(async () => {
  setSecrets(undefined);
  await chain?.stop();
});

type RouteArgs = { request: Request; params: Record<string, string>; context: Record<string, unknown> };
type RouteModule = { loader?: (args: RouteArgs) => unknown; action?: (args: RouteArgs) => unknown };

async function serveApp(): Promise<FetchServer> {
  const routes = [
    [/^\/resale\/listings\/([^/]+)\/checkout$/, () => import("../routes/resale.listings.$id_.checkout"), ["id"]],
    [/^\/webhooks\/stripe$/, () => import("../routes/webhooks.stripe"), []],
    [/^\/v1\/(.*)$/, () => import("../routes/v1.$"), ["*"]],
    [/^\/resale\/orders\/([^/]+)$/, () => import("../routes/resale.orders.$id"), ["id"]],
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
        const result = await fn({ request, params, context: {} });
        return result instanceof Response ? result : Response.json(result);
      } catch (thrown) {
        if (thrown instanceof Response) return thrown;
        throw thrown;
      }
    }
    return new Response("not found", { status: 404 });
  });
}

/** A worker that dies right after handing the relay to the node (before recording its hash). */
class CrashingWorker extends ResaleFillWorker {
  protected override async afterSend(): Promise<void> {
    throw new Error("simulated crash after send");
  }
}

describe.each(databaseBackends())("card resale (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let app: FetchServer;
  let runtime: PaymentsRuntime;
  let stripe: Stripe;
  let worker: ResaleFillWorker;
  let show: Address;
  let eventId: string;
  let alice: { id: string; email: string | null; displayName: string; walletAddress: string | null; role: "fan" };
  const quiet = () => {};
  const client = () => createPublicClient({ chain: hardhat, transport: http(chain.url) });
  const as = (account: Address) => createWalletClient({ chain: hardhat, transport: http(chain.url), account });

  async function send(hash: Promise<Hex>): Promise<TransactionReceipt> {
    const receipt = await client().waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    app = await serveApp();
    runtime = await startPayments({ handle, publicUrl: app.url, internalUrl: app.url, worker: false, sweepMs: 3_600_000, log: quiet });
    stripe = (await payments(handle.db)).stripe;
    worker = new ResaleFillWorker({ handle, boss: runtime.boss, stripe: async () => stripe, log: quiet });

    const factory = { address: chain.deployment.factory, abi: ticketFactoryAbi } as const;
    const promoterRole = await client().readContract({ ...factory, functionName: "PROMOTER_ROLE" });
    if (!(await client().readContract({ ...factory, functionName: "hasRole", args: [promoterRole, PROMOTER] }))) {
      await send(as(ADMIN).writeContract({ ...factory, functionName: "grantRole", args: [promoterRole, PROMOTER] }));
    }
    const startsAt = (await client().getBlock()).timestamp + 30n * 86_400n;
    const receipt = await send(
      as(PROMOTER).writeContract({
        ...factory,
        functionName: "createEvent",
        args: [{ name: "Card resale show", startsAt, baseURI: "", royaltyBps: 500, resaleCapBps: 11_000, tiers: [{ price: PRICE, supply: 100 }] }],
      }),
    );
    const [created] = parseEventLogs({ abi: ticketFactoryAbi, logs: receipt.logs, eventName: "EventCreated" });
    show = getAddress(created!.args.ticket);
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", walletAddress: PROMOTER, role: "promoter" }).returning({ id: users.id });
    const [ev] = await handle.db
      .insert(events)
      .values({ slug: `card-resale-${randomBytes(3).toString("hex")}`, promoterId: promoter!.id, name: "Card resale show", venue: "Hall", city: "Lisbon", startsAt: new Date(Number(startsAt) * 1000), status: "published", chainId: 31337, contractAddress: show })
      .returning({ id: events.id });
    eventId = ev!.id;
    await handle.db.insert(ticketTiers).values({ eventId, position: 0, name: "General Admission", priceCents: 250, priceWei: PRICE.toString(), supply: 100 });
    const [a] = await handle.db.insert(users).values({ displayName: "Alice", walletAddress: ALICE }).returning({ id: users.id });
    alice = { id: a!.id, email: null, displayName: "Alice", walletAddress: ALICE, role: "fan" };
    await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [chain.deployment.marketplace, true] }));
  }, 120_000);

  afterAll(async () => {
    await runtime?.stop();
    await app?.close();
    await closeDb();
    resetPayments();
    await database?.drop();
  });

  /** Alice buys a ticket with her wallet and lists it (signed order through the real validation). */
  async function listTicket(price = PRICE): Promise<{ listingId: string; tokenId: bigint; orderHash: string }> {
    const bought = await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "buy", args: [0n, 1n], value: PRICE }));
    const [purchased] = parseEventLogs({ abi: concertTicketAbi, logs: bought.logs, eventName: "TicketsPurchased" });
    const tokenId = purchased!.args.firstTokenId;
    const nonce = await client().readContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "nonces", args: [ALICE] });
    const order: Order = { seller: ALICE, token: show, tokenId, amount: 1n, price, currency: NATIVE_CURRENCY, expiry: BigInt(Math.floor(Date.now() / 1000) + 7 * 86_400), nonce, salt: randomSalt() };
    const signature = await as(ALICE).signTypedData({ account: ALICE, ...orderTypedData(order, 31337, chain.deployment.marketplace) });
    const wire = Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
    const row = await createListing(handle.db, alice, { order: wire, signature });
    return { listingId: row.id, tokenId, orderHash: row.orderHash };
  }

  const checkout = (listingId: string, email: string) =>
    fetch(`${app.url}/resale/listings/${listingId}/checkout`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email }),
      redirect: "manual",
    });

  /** Pays the hosted test-mode page; `deliver: false` keeps the webhook undelivered (the test delivers it). */
  async function pay(sessionUrl: string, email: string, deliver = true) {
    const sessionId = sessionUrl.split("/").pop()!;
    const webhookUrl = deliver ? `${app.url}/webhooks/stripe` : `http://127.0.0.1:${await freePort()}/webhooks/stripe`;
    const result = await payHostedCheckout(handle.db, sessionId, { email, cardNumber: "4242424242424242", expiry: "12/34", cvc: "123" }, { publicUrl: app.url, webhookUrl });
    expect(result.ok).toBe(true);
    return sessionId;
  }

  async function orderBySession(sessionId: string) {
    const [row] = await handle.db.select().from(resaleOrders).where(eq(resaleOrders.stripeSessionId, sessionId));
    return row!;
  }

  async function intent(id: string) {
    const [row] = await handle.db.select({ data: stripeDoubleObjects.data }).from(stripeDoubleObjects).where(eq(stripeDoubleObjects.id, id));
    return row!.data as { status: string; amount_received: number };
  }

  async function runUntilSettled(w: ResaleFillWorker, orderId: string) {
    for (let i = 0; i < 30; i++) {
      await w.runOnce();
      const [order] = await handle.db.select({ status: resaleOrders.status }).from(resaleOrders).where(eq(resaleOrders.id, orderId));
      if (["paid", "voided", "expired"].includes(order!.status)) return order!.status;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`resale order ${orderId} did not settle`);
  }

  const ownerOf = async (tokenId: bigint) => getAddress(await client().readContract({ address: show, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] }));

  it("two card buyers race for one listing: one gets 303, the other 409; the winner's embedded wallet gets the ticket, paid from the float, captured once", async () => {
    const { listingId, tokenId, orderHash } = await listTicket();
    const [first, second] = await Promise.all([checkout(listingId, "Ann@Example.com"), checkout(listingId, "ben@example.com")]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([303, 409]);
    const [winner, loser] = first.status === 303 ? [first, second] : [second, first];
    expect(await loser.json()).toEqual({ error: "Another buyer is paying for this ticket right now." });
    const email = winner === first ? "ann@example.com" : "ben@example.com";
    const sessionUrl = winner.headers.get("location")!;
    expect(sessionUrl).toMatch(/\/test-checkout\/cs_test_/);
    const orders = await handle.db.select().from(resaleOrders).where(eq(resaleOrders.listingId, listingId));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: "reserved", amountCents: CARD_CENTS, priceWei: PRICE.toString() });
    const [held] = await handle.db.select({ reservedBy: listings.reservedBy }).from(listings).where(eq(listings.id, listingId));
    expect(held!.reservedBy).toBe(orders[0]!.id);
    // The session charges exactly the converted price, with manual capture.
    const session = await stripe.checkout.sessions.retrieve(orders[0]!.stripeSessionId!);
    expect(session).toMatchObject({ amount_total: CARD_CENTS, currency: "usd", metadata: { resaleOrderId: orders[0]!.id } });

    const sessionId = await pay(sessionUrl, email);
    const authorized = await orderBySession(sessionId);
    expect(authorized.status).toBe("authorized");
    expect((await intent(authorized.stripePaymentIntentId!)).status).toBe("requires_capture");
    const buyer = (await embeddedWalletAddress(handle.db, authorized.userId!))!;
    expect(authorized.recipient).toBe(buyer);

    const escrow = { address: chain.deployment.escrow, abi: paymentEscrowAbi } as const;
    const floatBefore = await client().getBalance({ address: serverAccount().address });
    expect(await runUntilSettled(worker, authorized.id)).toBe("paid");

    const done = await orderBySession(sessionId);
    expect(await ownerOf(tokenId)).toBe(buyer);
    expect(await intent(done.stripePaymentIntentId!)).toMatchObject({ status: "succeeded", amount_received: CARD_CENTS });
    // One transaction: the forwarder relayed the buyer's request; the fill names the embedded wallet as buyer.
    const receipt = await client().getTransactionReceipt({ hash: done.txHash as Hex });
    expect(getAddress(receipt.to!)).toBe(getAddress(chain.deployment.forwarder));
    const [filled] = parseEventLogs({ abi: marketplaceAbi, logs: receipt.logs, eventName: "OrderFilled" });
    expect(filled!.args).toMatchObject({ orderHash, buyer, seller: ALICE, total: PRICE });
    // The float paid exactly the price (plus gas); the seller was credited as in a wallet sale.
    const floatAfter = await client().getBalance({ address: serverAccount().address });
    expect(floatBefore - floatAfter - receipt.gasUsed * receipt.effectiveGasPrice).toBe(PRICE);
    const [saleSeller, , saleAmount] = await client().readContract({ ...escrow, functionName: "sale", args: [orderHash as Hex] });
    expect([getAddress(saleSeller), saleAmount]).toEqual([ALICE, filled!.args.total! - filled!.args.royalty! - filled!.args.fee!]);
    const [closed] = await handle.db.select().from(listings).where(eq(listings.id, listingId));
    expect(closed).toMatchObject({ status: "filled", buyer: buyer.toLowerCase(), closedTx: done.txHash });

    // The status page reads the final state.
    const view = (await (await fetch(`${app.url}/resale/orders/${done.id}`)).json()) as { order: { status: string; tokenId: string; email: string } };
    expect(view.order).toMatchObject({ status: "paid", tokenId: tokenId.toString(), email: email[0] + "•••@example.com" });
    // A listing already sold answers 409 to a new card buyer.
    expect((await checkout(listingId, "late@example.com")).status).toBe(409);
  });

  it("a fill that became impossible after authorization (approval revoked) voids the authorization and releases the listing", async () => {
    const { listingId, tokenId } = await listTicket();
    const response = await checkout(listingId, "void@example.com");
    expect(response.status).toBe(303);
    const sessionId = await pay(response.headers.get("location")!, "void@example.com");
    const authorized = await orderBySession(sessionId);
    expect(authorized.status).toBe("authorized");
    await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [chain.deployment.marketplace, false] }));
    try {
      expect(await runUntilSettled(worker, authorized.id)).toBe("voided");
    } finally {
      await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [chain.deployment.marketplace, true] }));
    }
    const voided = await orderBySession(sessionId);
    expect(voided.failureReason).toMatch(/no longer lets the marketplace move it/);
    expect((await intent(voided.stripePaymentIntentId!)).status).toBe("canceled");
    expect(await ownerOf(tokenId)).toBe(ALICE);
    const [released] = await handle.db.select({ reservedBy: listings.reservedBy, status: listings.status }).from(listings).where(eq(listings.id, listingId));
    expect(released).toEqual({ reservedBy: null, status: "invalid" });
  });

  it("a ticket moved away by the seller after authorization: voided, nothing charged", async () => {
    const { listingId, tokenId } = await listTicket();
    const response = await checkout(listingId, "moved@example.com");
    const sessionId = await pay(response.headers.get("location")!, "moved@example.com");
    await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "transferFrom", args: [ALICE, OTHER, tokenId] }));
    const order = await orderBySession(sessionId);
    expect(await runUntilSettled(worker, order.id)).toBe("voided");
    expect((await intent(order.stripePaymentIntentId!)).status).toBe("canceled");
    expect(await ownerOf(tokenId)).toBe(OTHER);
  });

  it("a completed webhook delivered 4 times (2 at once) fills once and captures once", async () => {
    const { listingId, orderHash } = await listTicket();
    const response = await checkout(listingId, "dup@example.com");
    const sessionId = await pay(response.headers.get("location")!, "dup@example.com", false);
    expect((await orderBySession(sessionId)).status).toBe("reserved");
    const [completed] = await handle.db
      .select()
      .from(stripeDoubleEvents)
      .where(and(eq(stripeDoubleEvents.type, "checkout.session.completed"), sql`${stripeDoubleEvents.payload}->'data'->'object'->>'id' = ${sessionId}`));
    const payload = JSON.stringify(completed!.payload);
    const { webhookSecret } = await doubleAccount(handle.db);
    const post = async () =>
      (
        await fetch(`${app.url}/webhooks/stripe`, {
          method: "POST",
          headers: { "content-type": "application/json", "stripe-signature": stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }) },
          body: payload,
        })
      ).json() as Promise<{ outcome: string }>;
    const outcomes = [...(await Promise.all([post(), post()])), await post(), await post()].map((o) => o.outcome);
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1);
    const jobs = await handle.db.execute(sql`select count(*)::int as n from pgboss.job where name = 'resale-fill' and data->>'resaleOrderId' = ${(await orderBySession(sessionId)).id}`);
    const rows = (Array.isArray(jobs) ? jobs : (jobs as unknown as { rows: unknown[] }).rows) as Array<{ n: number }>;
    expect(rows[0]!.n).toBe(1);
    const order = await orderBySession(sessionId);
    expect(await runUntilSettled(worker, order.id)).toBe("paid");
    const fills = await client().getContractEvents({ address: chain.deployment.marketplace, abi: marketplaceAbi, eventName: "OrderFilled", args: { orderHash: orderHash as Hex }, fromBlock: 0n });
    expect(fills).toHaveLength(1);
    expect((await intent(order.stripePaymentIntentId!)).amount_received).toBe(CARD_CENTS);
  });

  it("a worker that dies after sending the fill (hash not recorded) is settled from the chain by the next one: one fill, one capture", async () => {
    const { listingId, tokenId, orderHash } = await listTicket();
    const response = await checkout(listingId, "crash@example.com");
    const sessionId = await pay(response.headers.get("location")!, "crash@example.com");
    const order = await orderBySession(sessionId);
    const crashing = new CrashingWorker({ handle, boss: runtime.boss, stripe: async () => stripe, log: quiet });
    await crashing.runOnce();
    const mid = await orderBySession(sessionId);
    expect(mid).toMatchObject({ status: "filling", txHash: null });
    // Let the job's retry and the reconcile both find it: still exactly one fill.
    const fresh = new ResaleFillWorker({ handle, boss: runtime.boss, stripe: async () => stripe, log: quiet });
    await handle.db.update(resaleOrders).set({ updatedAt: new Date(Date.now() - 120_000) }).where(eq(resaleOrders.id, order.id));
    expect(await runUntilSettled(fresh, order.id)).toBe("paid");
    expect(await ownerOf(tokenId)).toBe(await embeddedWalletAddress(handle.db, order.userId!));
    const fills = await client().getContractEvents({ address: chain.deployment.marketplace, abi: marketplaceAbi, eventName: "OrderFilled", args: { orderHash: orderHash as Hex }, fromBlock: 0n });
    expect(fills).toHaveLength(1);
    expect((await orderBySession(sessionId)).txHash).toBe(fills[0]!.transactionHash);
  });

  /** A fan whose ticket TicketChain keeps (Alice buys one and sends it to the fan's kept wallet). */
  async function keptTicketFor(email: string) {
    const kept = await ensureBuyer(handle.db, email);
    const bought = await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "buy", args: [0n, 1n], value: PRICE }));
    const tokenId = parseEventLogs({ abi: concertTicketAbi, logs: bought.logs, eventName: "TicketsPurchased" })[0]!.args.firstTokenId;
    await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "transferFrom", args: [ALICE, kept.address, tokenId] }));
    const user = { id: kept.userId, email, displayName: email, walletAddress: null, role: "fan" as const };
    return { user, address: kept.address, tokenId };
  }

  it("one-click listing of a kept ticket: approval and cancel relayed for the kept wallet; a wallet fan fills the listing", async () => {
    const fan = await keptTicketFor(`kept-${randomBytes(3).toString("hex")}@example.com`);
    const approved = () => client().readContract({ address: show, abi: concertTicketAbi, functionName: "isApprovedForAll", args: [fan.address, chain.deployment.marketplace] });
    expect(await approved()).toBe(false);
    // Above the cap (11 coins): refused before anything is relayed.
    await expect(listEmbeddedTicket(handle, fan.user, { contract: show, tokenId: fan.tokenId.toString(), priceWei: parseEther("12").toString() })).rejects.toMatchObject({ status: 400 });
    expect(await approved()).toBe(false);
    const listed = await listEmbeddedTicket(handle, fan.user, { contract: show, tokenId: fan.tokenId.toString(), priceWei: PRICE.toString() });
    expect(await approved()).toBe(true);
    const [row] = await handle.db.select().from(listings).where(eq(listings.id, listed.id));
    expect(row).toMatchObject({ seller: fan.address.toLowerCase(), status: "open", priceWei: PRICE.toString() });
    // Cancel (relayed Marketplace.cancel from the kept wallet), then list again and let a wallet fan buy.
    const cancelled = await cancelEmbeddedListing(handle, fan.user, listed.id);
    expect(cancelled.status).toBe("cancelled");
    expect(await client().readContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "cancelled", args: [row!.orderHash as Hex] })).toBe(true);
    const again = await listEmbeddedTicket(handle, fan.user, { contract: show, tokenId: fan.tokenId.toString(), priceWei: PRICE.toString() });
    const [open] = await handle.db.select().from(listings).where(eq(listings.id, again.id));
    const order = { seller: fan.address, token: show, tokenId: fan.tokenId, amount: 1n, price: PRICE, currency: NATIVE_CURRENCY, expiry: BigInt(open!.expiry), nonce: BigInt(open!.nonce), salt: BigInt(open!.salt) };
    await send(as(OTHER).writeContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [order, open!.signature as Hex, 1n], value: PRICE }));
    expect(await ownerOf(fan.tokenId)).toBe(OTHER);
    // Someone else's listing cannot be cancelled through this account.
    const stranger = await ensureBuyer(handle.db, `stranger-${randomBytes(3).toString("hex")}@example.com`);
    await expect(cancelEmbeddedListing(handle, { ...fan.user, id: stranger.userId }, again.id)).rejects.toMatchObject({ status: 404 });
  });

  it("transfers a kept ticket to a friend's email (their kept wallet) or address; refuses bad input, own email and listed tickets", async () => {
    const email = `giver-${randomBytes(3).toString("hex")}@example.com`;
    const fan = await keptTicketFor(email);
    const ref = { contract: show, tokenId: fan.tokenId.toString() };
    await expect(transferEmbeddedTicket(handle, fan.user, { ...ref, to: "nobody" })).rejects.toMatchObject({ status: 400 });
    await expect(transferEmbeddedTicket(handle, fan.user, { ...ref, to: email.toUpperCase() })).rejects.toMatchObject({ status: 400 });
    const listed = await listEmbeddedTicket(handle, fan.user, { ...ref, priceWei: PRICE.toString() });
    await expect(transferEmbeddedTicket(handle, fan.user, { ...ref, to: "friend@example.com" })).rejects.toMatchObject({ status: 409 });
    await cancelEmbeddedListing(handle, fan.user, listed.id);
    expect(await ownerOf(fan.tokenId)).toBe(fan.address);
    const friendEmail = `friend-${randomBytes(3).toString("hex")}@example.com`;
    const sent = await transferEmbeddedTicket(handle, fan.user, { ...ref, to: friendEmail });
    const friend = await ensureBuyer(handle.db, friendEmail);
    expect(sent).toMatchObject({ ok: true, to: friend.address, message: `Ticket #${fan.tokenId} was sent to ${friendEmail}.` });
    expect(await ownerOf(fan.tokenId)).toBe(friend.address);
    // The friend sends it on to a wallet address.
    const friendUser = { id: friend.userId, email: friendEmail, displayName: "friend", walletAddress: null, role: "fan" as const };
    await transferEmbeddedTicket(handle, friendUser, { ...ref, to: OTHER });
    expect(await ownerOf(fan.tokenId)).toBe(OTHER);
  });

  it("face-value waitlist: sold only at face value and only when the event has one; the offered fan alone reserves it by card, pays and gets it", async () => {
    const fan = await keptTicketFor(`waitlist-seller-${randomBytes(3).toString("hex")}@example.com`);
    const ref = { contract: show, tokenId: fan.tokenId.toString() };
    // The waitlist is off: refused before anything is relayed (no approval sent).
    await expect(sellKeptToWaitlist(handle, fan.user, ref)).rejects.toMatchObject({ status: 409 });
    expect(await client().readContract({ address: show, abi: concertTicketAbi, functionName: "isApprovedForAll", args: [fan.address, chain.deployment.marketplace] })).toBe(false);
    await handle.db.update(events).set({ waitlistEnabled: true }).where(eq(events.id, eventId));
    try {
      // A wallet order for the waitlist at anything but the face value is refused (400, with the face value).
      const bought = await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "buy", args: [0n, 1n], value: PRICE }));
      const aliceToken = parseEventLogs({ abi: concertTicketAbi, logs: bought.logs, eventName: "TicketsPurchased" })[0]!.args.firstTokenId;
      const nonce = await client().readContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "nonces", args: [ALICE] });
      const order: Order = { seller: ALICE, token: show, tokenId: aliceToken, amount: 1n, price: PRICE + 1n, currency: NATIVE_CURRENCY, expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400), nonce, salt: randomSalt() };
      const signature = await as(ALICE).signTypedData({ account: ALICE, ...orderTypedData(order, 31337, chain.deployment.marketplace) });
      const wire = Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
      await expect(createListing(handle.db, alice, { order: wire, signature }, { waitlist: true })).rejects.toMatchObject({ status: 400, details: { faceValueWei: PRICE.toString() } });

      // The kept ticket is sold to the waitlist at face value (no price given), flagged, and not public.
      const listed = await sellKeptToWaitlist(handle, fan.user, ref);
      const [row] = await handle.db.select().from(listings).where(eq(listings.id, listed.id));
      expect(row).toMatchObject({ waitlist: true, priceWei: PRICE.toString(), status: "open", seller: fan.address.toLowerCase() });
      await expect(listingForFill(handle.db, listed.id)).rejects.toMatchObject({ status: 403 });

      // Two fans wait; the first is offered it. The second cannot reserve it by card, nor can a stranger.
      const first = await ensureBuyer(handle.db, `waiter-1-${randomBytes(3).toString("hex")}@example.com`);
      const second = await ensureBuyer(handle.db, `waiter-2-${randomBytes(3).toString("hex")}@example.com`);
      await joinWaitlist(handle.db, { id: first.userId }, eventId);
      await joinWaitlist(handle.db, { id: second.userId }, eventId);
      const [entry] = await handle.db.select().from(waitlistEntries).where(eq(waitlistEntries.userId, first.userId));
      expect(entry).toMatchObject({ status: "offered", listingId: listed.id });
      expect((await checkout(listed.id, "stranger@example.com")).status).toBe(403);
      await expect(startResaleCheckout(handle.db, stripe, listed.id, { publicUrl: app.url, userId: second.userId, email: "w2@example.com" })).rejects.toMatchObject({ status: 403 });
      // The offered fan pays by card: the ticket goes to their kept wallet; the offer settles as bought.
      const [firstUser] = await handle.db.select({ email: users.email }).from(users).where(eq(users.id, first.userId));
      const started = await startResaleCheckout(handle.db, stripe, listed.id, { publicUrl: app.url, userId: first.userId, email: firstUser!.email });
      const sessionId = await pay(started.url, firstUser!.email!);
      const order1 = await orderBySession(sessionId);
      expect(order1).toMatchObject({ status: "authorized", recipient: first.address, priceWei: PRICE.toString(), amountCents: CARD_CENTS });
      expect(await runUntilSettled(worker, order1.id)).toBe("paid");
      expect(await ownerOf(fan.tokenId)).toBe(first.address);
      await settleOffers(handle.db, eventId);
      const [done] = await handle.db.select().from(waitlistEntries).where(eq(waitlistEntries.id, entry!.id));
      expect(done!.status).toBe("bought");
      // The seller is credited the face value minus royalty and fee in the escrow.
      const [saleSeller, , saleAmount] = await client().readContract({ address: chain.deployment.escrow, abi: paymentEscrowAbi, functionName: "sale", args: [row!.orderHash as Hex] });
      expect(getAddress(saleSeller)).toBe(fan.address);
      expect(saleAmount).toBe(PRICE - (PRICE * 500n) / 10_000n - (PRICE * BigInt((await client().readContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "platformFee" }))[0])) / 10_000n);
    } finally {
      await handle.db.update(events).set({ waitlistEnabled: false }).where(eq(events.id, eventId));
    }
  });

  it("answers bad input with 4xx and changes nothing", async () => {
    const before = await handle.db.select({ id: resaleOrders.id }).from(resaleOrders);
    expect((await checkout("not-a-uuid", "x@example.com")).status).toBe(404);
    expect((await checkout("00000000-0000-4000-8000-000000000000", "x@example.com")).status).toBe(404);
    const { listingId } = await listTicket();
    const bad = await checkout(listingId, "not-an-email");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "Enter a valid email address." });
    expect((await checkout(listingId, "")).status).toBe(400);
    const after = await handle.db.select({ id: resaleOrders.id }).from(resaleOrders);
    expect(after).toHaveLength(before.length);
    const [listing] = await handle.db.select({ reservedBy: listings.reservedBy }).from(listings).where(eq(listings.id, listingId));
    expect(listing!.reservedBy).toBeNull();
  });
});
