import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type Stripe from "stripe";
import { encodeFunctionData, getAddress, isAddressEqual, parseEventLogs, type Address, type Hex } from "viem";
import { z } from "zod";
import { concertTicketAbi, marketplaceAbi } from "~/contracts/abi";
import { RESERVATION_MINUTES } from "~/lib/checkout";
import { weiToCentsCeil } from "~/lib/prices";
import type { Db, DbHandle } from "../../db/client.server";
import { events, listings, resaleOrders, stripeEvents, tickets, waitlistEntries } from "../../db/schema";
import { currentDeployment, publicClient } from "./chain.server";
import { FORWARD_REQUEST_TYPES, forwarderAbi } from "./claim.server";
import { cancelAuthorization, completedSession, maskEmail } from "./orders.server";
import { coinPrice, isStale } from "./prices.server";
import { inTransaction, RESALE_FILL_QUEUE } from "./queue.server";

export { RESALE_FILL_QUEUE };
import { checkListing, forgetEventListings, orderOf, ResaleError } from "./resale.server";
import { serverAccount, withSigner } from "./signer.server";
import { MIN_EXPIRY_SECONDS } from "./stripe-double/double.server";
import { embeddedAccount, ensureBuyer } from "./wallets.server";
import { holdsOffer } from "./waitlist.server";

/**
 * Buying a resale listing by card (docs/decisions/013-resale.md, "Card resale"). The card is authorized
 * through Stripe Checkout (manual capture); then the platform fills the seller's order for the buyer's
 * embedded wallet in ONE transaction: the embedded key signs an ERC-2771 ForwardRequest for
 * `Marketplace.fill(order, signature, 1)` with `value = price`, and the server signer relays it through the
 * TrustedForwarder, paying the price from the platform's float (its own balance). The Marketplace sees the
 * embedded wallet as `_msgSender()`: the ticket lands there and the escrow credits seller, promoter and
 * platform exactly as in a wallet purchase. The card is captured only after the receipt shows the ticket
 * owned by the embedded wallet.
 *
 *   reserved ──completed──► authorized ──worker──► filling ──receipt + ownerOf──► filled ──capture──► paid ──► refunded
 *      └──expired / sweeper──► expired        └── fill impossible ──► voided (authorization cancelled, listing released)
 *
 * Exactly once: the Marketplace fills an order hash once and the forwarder consumes a request nonce once, and
 * `execute` reverts as a whole when the fill fails (the value goes back to the float). A crash after sending is
 * settled from the chain (`filled(orderHash)`, the OrderFilled log's buyer); a second copy can only revert.
 */

/** Gas forwarded to Marketplace.fill (a fill with escrow credits and the transfer uses ~180k). */
const FILL_GAS = 400_000n;
/** A signed fill request is valid for 5 minutes of chain time; an unfilled order is voided only after it lapsed. */
const DEADLINE_SEC = 300n;
/** Stripe's smallest USD charge. */
const MIN_CARD_CENTS = 50;
/** Failed relays of one order before it is voided (each after its request's deadline). */
const MAX_ATTEMPTS = 5;

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type ResaleOrderRow = typeof resaleOrders.$inferSelect;
type ListingRow = typeof listings.$inferSelect;

const Uuid = z.string().uuid();

/** The card price of `priceWei` at the feed's current rate (rounded up to the cent), or a 503 without a fresh rate. */
export async function cardQuote(priceWei: bigint) {
  const rate = await coinPrice();
  if (!rate || isStale(rate)) throw new ResaleError(503, "Card prices are unavailable right now (no fresh exchange rate). Try again in a minute or pay with a wallet.");
  const cents = weiToCentsCeil(priceWei, BigInt(rate.answer), rate.decimals);
  return { cents: Number(cents), answer: rate.answer, decimals: rate.decimals, description: rate.description };
}

/** Releases the listing held by a resale order (only if this order still holds it). */
async function releaseListing(tx: Db | Tx, listingId: string, orderId: string) {
  await tx.update(listings).set({ reservedBy: null }).where(and(eq(listings.id, listingId), eq(listings.reservedBy, orderId)));
}

/**
 * Reserves the listing for this buyer (one guarded UPDATE: a second buyer gets 409), records the order at
 * the card price of the moment and opens a Checkout Session with manual capture.
 */
export async function startResaleCheckout(
  db: Db,
  stripe: Stripe,
  listingId: string,
  options: { publicUrl: string; userId?: string | null; email?: string | null },
): Promise<{ orderId: string; url: string; amountCents: number }> {
  if (!Uuid.safeParse(listingId).success) throw new ResaleError(404, "No such listing.");
  const [row] = await db
    .select({ listing: listings, eventName: events.name, eventStatus: events.status, startsAt: events.startsAt })
    .from(listings)
    .innerJoin(events, eq(events.id, listings.eventId))
    .where(eq(listings.id, listingId));
  if (!row) throw new ResaleError(404, "No such listing.");
  if (row.eventStatus !== "published" || row.startsAt.getTime() <= Date.now()) throw new ResaleError(409, "Tickets of this event can no longer be bought.");
  if (row.listing.reservedBy) throw new ResaleError(409, "Another buyer is paying for this ticket right now.");
  // A waitlist listing is for the fan it is offered to, and only while the offer stands.
  const waiter = row.listing.waitlist ? (options.userId ?? null) : null;
  if (row.listing.waitlist && (!waiter || !(await holdsOffer(db, listingId, waiter)))) {
    throw new ResaleError(403, "This ticket is held for the event's waitlist: only the fan it is offered to can buy it.");
  }
  const status = await checkListing(db, row.listing);
  if (status !== "open") throw new ResaleError(409, `This listing is no longer available (${status}).`);
  const priceWei = BigInt(row.listing.priceWei);
  const quote = await cardQuote(priceWei);
  if (quote.cents < MIN_CARD_CENTS) throw new ResaleError(400, "This ticket is too cheap to pay by card (under $0.50): pay with a wallet.");
  const email = options.email?.trim().toLowerCase() || null;
  const reservedUntil = new Date(Date.now() + RESERVATION_MINUTES * 60_000);
  const orderId = randomUUID();

  const reserved = await db.transaction(async (tx) => {
    const held = await tx
      .update(listings)
      .set({ reservedBy: orderId })
      .where(
        and(
          eq(listings.id, listingId),
          eq(listings.status, "open"),
          sql`${listings.reservedBy} is null`,
          // Guarded with the offer itself: an offer that expired or moved on meanwhile reserves nothing.
          waiter
            ? sql`exists (select 1 from ${waitlistEntries} e where e.listing_id = ${listingId} and e.user_id = ${waiter} and e.status = 'offered' and e.offer_expires_at > now())`
            : sql`not ${listings.waitlist}`,
        ),
      )
      .returning({ id: listings.id });
    if (!held.length) return false;
    await tx.insert(resaleOrders).values({
      id: orderId,
      listingId,
      eventId: row.listing.eventId,
      userId: options.userId ?? null,
      email,
      priceWei: priceWei.toString(),
      rateAnswer: quote.answer,
      rateDecimals: quote.decimals,
      amountCents: quote.cents,
      reservedUntil,
    });
    return true;
  });
  if (!reserved) throw new ResaleError(409, "Another buyer is paying for this ticket right now.");
  await forgetEventListings(row.listing.eventId, db);

  const base = options.publicUrl.replace(/\/$/, "");
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [
          {
            quantity: 1,
            price_data: { currency: "usd", unit_amount: quote.cents, product_data: { name: `${row.eventName} — resale ticket #${row.listing.tokenId}` } },
          },
        ],
        payment_intent_data: { capture_method: "manual", metadata: { resaleOrderId: orderId } },
        metadata: { resaleOrderId: orderId },
        client_reference_id: orderId,
        ...(email ? { customer_email: email } : {}),
        success_url: `${base}/resale/orders/${orderId}?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${base}/resale/orders/${orderId}?cancelled=1`,
        expires_at: Math.max(Math.floor(reservedUntil.getTime() / 1000), Math.floor(Date.now() / 1000) + MIN_EXPIRY_SECONDS + 60),
      },
      { idempotencyKey: `resale-checkout:${orderId}` },
    );
  } catch (error) {
    await expireResaleOrder(db, orderId, `payment page could not be opened: ${(error as Error).message}`);
    throw new ResaleError(502, "Card payments are unavailable right now. Nothing was charged; please try again in a minute.");
  }
  await db.update(resaleOrders).set({ stripeSessionId: session.id, updatedAt: new Date() }).where(eq(resaleOrders.id, orderId));
  return { orderId, url: session.url!, amountCents: quote.cents };
}

/** reserved → expired, listing released (no-op unless still reserved). */
export async function expireResaleOrder(db: Db | Tx, orderId: string, reason: string | null = null): Promise<boolean> {
  return (db as Db).transaction(async (tx) => {
    const [order] = await tx
      .update(resaleOrders)
      .set({ status: "expired", failureReason: reason, updatedAt: new Date() })
      .where(and(eq(resaleOrders.id, orderId), eq(resaleOrders.status, "reserved")))
      .returning({ listingId: resaleOrders.listingId });
    if (order) await releaseListing(tx, order.listingId, orderId);
    return Boolean(order);
  });
}

/**
 * The fill is impossible: the authorization is cancelled first (nobody pays without a ticket), then the
 * order is voided and the listing released. Only from `authorized`, or from `filling` when the caller
 * established that no signed request can still execute.
 */
export async function voidResaleOrder(db: Db, stripe: Stripe, orderId: string, reason: string): Promise<boolean> {
  const [order] = await db.select().from(resaleOrders).where(eq(resaleOrders.id, orderId));
  if (!order || !["authorized", "filling"].includes(order.status)) return false;
  if (order.stripePaymentIntentId) await cancelAuthorization(stripe, order.stripePaymentIntentId, `resale:${orderId}`);
  return db.transaction(async (tx) => {
    const [voided] = await tx
      .update(resaleOrders)
      .set({ status: "voided", failureReason: reason, updatedAt: new Date() })
      .where(and(eq(resaleOrders.id, orderId), inArray(resaleOrders.status, ["authorized", "filling"])))
      .returning({ listingId: resaleOrders.listingId });
    if (voided) await releaseListing(tx, voided.listingId, orderId);
    return Boolean(voided);
  });
}

// ---------------------------------------------------------------------------------------------------
// Webhooks (dispatched from handleStripeEvent for sessions carrying metadata.resaleOrderId)
// ---------------------------------------------------------------------------------------------------

export function resaleOrderIdOf(object: { metadata?: Stripe.Metadata | null }): string | null {
  const id = object.metadata?.resaleOrderId;
  return id && Uuid.safeParse(id).success ? id : null;
}

/**
 * A completed resale checkout: in ONE transaction the event is recorded, the order becomes authorized with
 * its buyer and the fill job is enqueued. A completion for an order no longer reserved cancels the
 * authorization (its listing was released or went to someone else).
 */
async function applyResaleCompleted(db: Db, boss: PgBoss, stripe: Stripe, sessionId: string, eventId: string | null): Promise<"processed" | "duplicate" | "ignored"> {
  const { session, orderId, intent, email, buyer } = await completedSession(db, stripe, sessionId, resaleOrderIdOf);
  let stray = false;
  const outcome = await db.transaction(async (tx) => {
    if (eventId) {
      const recorded = await tx.insert(stripeEvents).values({ id: eventId, type: "checkout.session.completed" }).onConflictDoNothing().returning({ id: stripeEvents.id });
      if (!recorded.length) return "duplicate" as const;
    }
    if (!orderId || !intent || !buyer) return "ignored" as const;
    const [order] = await tx
      .update(resaleOrders)
      .set({
        status: "authorized",
        userId: sql`coalesce(${resaleOrders.userId}, ${buyer.userId}::uuid)`,
        email: email!.toLowerCase(),
        recipient: buyer.address,
        stripeSessionId: session.id,
        stripePaymentIntentId: intent.id,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(resaleOrders.id, orderId),
          eq(resaleOrders.status, "reserved"),
          eq(resaleOrders.amountCents, session.amount_total ?? -1),
          eq(resaleOrders.currency, session.currency ?? ""),
        ),
      )
      .returning({ id: resaleOrders.id });
    if (order) {
      await boss.send(RESALE_FILL_QUEUE, { resaleOrderId: order.id }, { db: inTransaction(tx) });
      return "processed" as const;
    }
    const [current] = await tx.select({ status: resaleOrders.status, pi: resaleOrders.stripePaymentIntentId }).from(resaleOrders).where(eq(resaleOrders.id, orderId));
    if (!current || ["expired", "voided"].includes(current.status) || (current.status === "reserved" && current.pi !== intent.id)) stray = true;
    return "ignored" as const;
  });
  if (stray && intent) await cancelAuthorization(stripe, intent.id, `resale:${orderId ?? intent.id}`);
  return outcome;
}

/** Checkout events of resale sessions (completed, async succeeded, expired). Idempotent by event id. */
export async function handleResaleCheckoutEvent(db: Db, boss: PgBoss, stripe: Stripe, event: Stripe.Event): Promise<"processed" | "duplicate" | "ignored"> {
  const object = event.data.object as Stripe.Checkout.Session;
  if (event.type === "checkout.session.completed" || event.type === "checkout.session.async_payment_succeeded") {
    return applyResaleCompleted(db, boss, stripe, object.id, event.id);
  }
  const session = await stripe.checkout.sessions.retrieve(object.id);
  if (session.status === "complete") {
    const outcome = await applyResaleCompleted(db, boss, stripe, session.id, null);
    await db.insert(stripeEvents).values({ id: event.id, type: event.type }).onConflictDoNothing();
    return outcome === "processed" ? "processed" : "ignored";
  }
  const orderId = resaleOrderIdOf(session);
  return db.transaction(async (tx) => {
    const recorded = await tx.insert(stripeEvents).values({ id: event.id, type: event.type }).onConflictDoNothing().returning({ id: stripeEvents.id });
    if (!recorded.length) return "duplicate" as const;
    if (orderId && session.status === "expired") await expireResaleOrder(tx, orderId, "the checkout expired");
    return "processed" as const;
  });
}

/** A refund of a captured resale charge (charge.refunded): paid → refunded. The ticket stays with the buyer. */
export async function markResaleRefunded(tx: Tx, paymentIntentId: string): Promise<void> {
  await tx
    .update(resaleOrders)
    .set({ status: "refunded", updatedAt: new Date() })
    .where(and(eq(resaleOrders.stripePaymentIntentId, paymentIntentId), eq(resaleOrders.status, "paid")));
}

/** Expires resale reservations past reservedUntil (Stripe decides the race with a late payment). */
export async function sweepResaleReservations(db: Db, boss: PgBoss, stripe: Stripe, now = new Date()): Promise<number> {
  const stale = await db
    .select({ id: resaleOrders.id, sessionId: resaleOrders.stripeSessionId })
    .from(resaleOrders)
    .where(and(eq(resaleOrders.status, "reserved"), lt(resaleOrders.reservedUntil, now)))
    .limit(100);
  let expired = 0;
  for (const order of stale) {
    if (order.sessionId) {
      try {
        await stripe.checkout.sessions.expire(order.sessionId, {}, { idempotencyKey: `expire:resale:${order.id}` });
      } catch (error) {
        if ((error as Stripe.errors.StripeError).type !== "StripeInvalidRequestError") throw error;
        const session = await stripe.checkout.sessions.retrieve(order.sessionId);
        if (session.status === "complete") {
          await applyResaleCompleted(db, boss, stripe, session.id, null);
          continue;
        }
      }
    }
    if (await expireResaleOrder(db, order.id, "reservation timed out")) expired++;
  }
  return expired;
}

// ---------------------------------------------------------------------------------------------------
// The fill worker
// ---------------------------------------------------------------------------------------------------

export interface ResaleFillWorkerOptions {
  handle: DbHandle;
  boss: PgBoss;
  stripe: () => Promise<Stripe>;
  pollMs?: number;
  log?: (message: string) => void;
}

/**
 * Fills authorized card resale orders (one relayed transaction each), settles unfinished ones from the
 * chain after a crash, and captures filled ones. One worker at a time across app servers (a named lock);
 * every relay under the signer lock.
 */
export class ResaleFillWorker {
  private readonly log: (message: string) => void;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: ResaleFillWorkerOptions) {
    this.log = options.log ?? ((m) => console.log(`[resale] ${m}`));
  }

  private get db(): Db {
    return this.options.handle.db;
  }

  /** Right after the relay was handed to the node, before its hash is recorded (the crash tests' hook). */
  protected async afterSend(_orderId: string, _hash: Hex): Promise<void> {}

  start(): void {
    const tick = async () => {
      if (this.stopping) return;
      this.running = this.runOnce().catch((error) => this.log(`pass failed: ${(error as Error).message.split("\n")[0]}`));
      await this.running;
      this.running = null;
      if (!this.stopping) this.timer = setTimeout(tick, this.options.pollMs ?? 1000);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: settle unfinished fills, fill queued orders, capture filled ones. Returns jobs handled. */
  async runOnce(): Promise<number> {
    const lock = await this.options.handle.tryLock("resale-fill-worker");
    if (!lock) return 0;
    try {
      await this.reconcile();
      const jobs = await this.options.boss.fetch<{ resaleOrderId: string }>(RESALE_FILL_QUEUE, { batchSize: 10 });
      for (const job of jobs) {
        try {
          await this.fill(job.data.resaleOrderId);
          await this.options.boss.complete(RESALE_FILL_QUEUE, job.id);
        } catch (error) {
          await this.options.boss.fail(RESALE_FILL_QUEUE, job.id);
          this.log(`order ${job.data.resaleOrderId}: ${(error as Error).message.split("\n")[0]}`);
        }
      }
      await this.captureFilled();
      return jobs.length;
    } finally {
      await lock.release();
    }
  }

  private async load(orderId: string): Promise<{ order: ResaleOrderRow; listing: ListingRow } | null> {
    const [row] = await this.db.select({ order: resaleOrders, listing: listings }).from(resaleOrders).innerJoin(listings, eq(listings.id, resaleOrders.listingId)).where(eq(resaleOrders.id, orderId));
    return row ?? null;
  }

  /** Why the listing cannot be filled for this order any more, or null when it still can. */
  private async impossible(listing: ListingRow, orderId: string): Promise<string | null> {
    if (listing.reservedBy !== orderId) return "the listing is no longer held for you";
    const status = await checkListing(this.db, listing);
    if (status === "open") return null;
    return {
      filled: "someone else bought this ticket first",
      cancelled: "the seller cancelled the listing",
      expired: "the listing expired",
      invalid: "the seller no longer holds the ticket or no longer lets the marketplace move it",
      open: "",
    }[status];
  }

  /** authorized → filling → (relay) → filled; impossible fills are voided before anything is signed. */
  async fill(orderId: string): Promise<void> {
    const loaded = await this.load(orderId);
    if (!loaded || loaded.order.status !== "authorized") return;
    const why = await this.impossible(loaded.listing, orderId);
    if (why) {
      await this.voidOrder(orderId, why);
      return;
    }
    await this.relay(loaded.order, loaded.listing);
  }

  private async voidOrder(orderId: string, reason: string) {
    if (await voidResaleOrder(this.db, await this.options.stripe(), orderId, reason)) this.log(`order ${orderId} voided: ${reason}`);
  }

  /** Signs the buyer's ForwardRequest for Marketplace.fill and relays it with the price (under the signer lock). */
  private async relay(order: ResaleOrderRow, listing: ListingRow): Promise<void> {
    const deployment = currentDeployment();
    if (!deployment) throw new Error("the marketplace is not deployed on this chain");
    if (!order.userId || !order.recipient) throw new Error("authorized resale order without a buyer");
    const client = publicClient();
    const buyer = getAddress(order.recipient);
    const price = BigInt(order.priceWei);
    const data = encodeFunctionData({ abi: marketplaceAbi, functionName: "fill", args: [orderOf(listing), listing.signature as Hex, 1n] });
    const signer = await embeddedAccount(this.db, order.userId);
    if (!isAddressEqual(signer.address, buyer)) throw new Error("the buyer's embedded wallet does not match the order");

    const sent = await withSigner(this.options.handle, async (wallet): Promise<boolean> => {
      const balance = await client.getBalance({ address: wallet.account.address });
      if (balance < price + 10n ** 16n) throw new Error(`platform float too low: ${balance} wei for a ${price} wei fill (top up ${wallet.account.address})`);
      const [nonce, block, domain] = await Promise.all([
        client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "nonces", args: [buyer] }),
        client.getBlock(),
        client.readContract({ address: deployment.forwarder, abi: forwarderAbi, functionName: "eip712Domain" }),
      ]);
      const deadline = Number(block.timestamp + DEADLINE_SEC);
      const message = { from: buyer, to: deployment.marketplace, value: price, gas: FILL_GAS, nonce, deadline, data };
      const signature = await signer.signTypedData({
        domain: { name: domain[1], version: domain[2], chainId: Number(domain[3]), verifyingContract: domain[4] },
        types: FORWARD_REQUEST_TYPES,
        primaryType: "ForwardRequest",
        message,
      });
      // Written BEFORE sending: after a crash, reconcile() knows a request may be on its way until `deadline`.
      const moved = await this.db
        .update(resaleOrders)
        .set({ status: "filling", forwardNonce: nonce.toString(), forwardDeadline: deadline, txHash: null, attempts: sql`${resaleOrders.attempts} + 1`, updatedAt: new Date() })
        .where(and(eq(resaleOrders.id, order.id), inArray(resaleOrders.status, ["authorized", "filling"])))
        .returning({ id: resaleOrders.id });
      if (!moved.length) return false;
      let hash: Hex;
      try {
        hash = await wallet.writeContract({
          address: deployment.forwarder,
          abi: forwarderAbi,
          functionName: "execute",
          args: [{ from: buyer, to: deployment.marketplace, value: price, gas: FILL_GAS, deadline, data, signature }],
          value: price,
        });
      } catch (error) {
        // Refused at estimation (the fill would revert): nothing was sent; settled below from the chain.
        this.log(`order ${order.id}: relay refused: ${(error as Error).message.split("\n")[0]}`);
        await this.db.update(resaleOrders).set({ forwardDeadline: 0, updatedAt: new Date() }).where(and(eq(resaleOrders.id, order.id), eq(resaleOrders.status, "filling")));
        return false;
      }
      await this.afterSend(order.id, hash);
      await this.db.update(resaleOrders).set({ txHash: hash, updatedAt: new Date() }).where(and(eq(resaleOrders.id, order.id), eq(resaleOrders.status, "filling")));
      return true;
    });
    // A refused relay is settled by reconcile() with backoff (and voided once it is clearly impossible).
    if (!sent) return;
    const [current] = await this.db.select().from(resaleOrders).where(eq(resaleOrders.id, order.id));
    if (current?.txHash) await client.waitForTransactionReceipt({ hash: current.txHash as Hex, timeout: 120_000 }).catch(() => null);
    await this.settle(order.id);
  }

  /**
   * What does the chain say about a `filling` order? Filled for our buyer → filled (capture next); filled for
   * someone else or no longer fillable → voided once no signed request of ours can still execute (its
   * deadline passed); "retry" when it may be relayed again (a second copy can only revert: the order hash
   * fills once and the forwarder consumes a nonce once).
   */
  async settle(orderId: string): Promise<"filled" | "voided" | "pending" | "retry"> {
    const loaded = await this.load(orderId);
    if (!loaded || loaded.order.status !== "filling") return "pending";
    const { order, listing } = loaded;
    const client = publicClient();
    const deployment = currentDeployment();
    if (!deployment) throw new Error("the marketplace is not deployed on this chain");
    const buyer = getAddress(order.recipient!);
    if (order.txHash) {
      const receipt = await client.getTransactionReceipt({ hash: order.txHash as Hex }).catch(() => null);
      if (!receipt) {
        const pending = await client.getTransaction({ hash: order.txHash as Hex }).catch(() => null);
        if (pending) return "pending";
      }
    }
    const filled = await client.readContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "filled", args: [listing.orderHash as Hex] });
    if (filled > 0n) {
      const [log] = await client.getContractEvents({
        address: deployment.marketplace,
        abi: marketplaceAbi,
        eventName: "OrderFilled",
        args: { orderHash: listing.orderHash as Hex },
        fromBlock: 0n,
      });
      const owner = await client.readContract({ address: getAddress(listing.contractAddress), abi: concertTicketAbi, functionName: "ownerOf", args: [BigInt(listing.tokenId)] });
      if (log && isAddressEqual(log.args.buyer!, buyer) && isAddressEqual(owner, buyer)) {
        await this.confirm(order, listing, log.transactionHash, Number(log.blockNumber));
        return "filled";
      }
      if (log && !isAddressEqual(log.args.buyer!, buyer)) {
        await this.voidOrder(order.id, "someone else bought this ticket first");
        return "voided";
      }
      return "pending";
    }
    // Not filled. A signed request of ours may still execute until its deadline (chain time).
    const block = await client.getBlock();
    const lapsed = order.forwardDeadline === null || Number(block.timestamp) > order.forwardDeadline;
    const why = await this.impossible(listing, order.id);
    if (why || order.attempts >= MAX_ATTEMPTS) {
      if (!lapsed) return "pending";
      await this.voidOrder(order.id, why ?? "the ticket could not be transferred to you");
      return "voided";
    }
    return "retry";
  }

  /** filling → filled; the listing closes as filled for the buyer; My tickets shows it at once. */
  private async confirm(order: ResaleOrderRow, listing: ListingRow, txHash: Hex, blockNumber: number) {
    await this.db.transaction(async (tx) => {
      const [done] = await tx
        .update(resaleOrders)
        .set({ status: "filled", txHash, failureReason: null, updatedAt: new Date() })
        .where(and(eq(resaleOrders.id, order.id), eq(resaleOrders.status, "filling")))
        .returning({ id: resaleOrders.id });
      if (!done) return;
      await tx
        .update(listings)
        .set({ status: "filled", buyer: order.recipient!.toLowerCase(), closedTx: txHash, closedAt: new Date() })
        .where(and(eq(listings.id, listing.id), inArray(listings.status, ["open", "invalid", "filled"])));
      await tx
        .update(tickets)
        .set({ owner: order.recipient!.toLowerCase(), updatedBlock: blockNumber })
        .where(and(eq(tickets.chainId, listing.chainId), eq(sql`lower(${tickets.contractAddress})`, listing.contractAddress), eq(tickets.tokenId, listing.tokenId)));
    });
    this.log(`order ${order.id} filled (${txHash})`);
  }

  /** Orders left in `filling` (a crash, a pending transaction, a refused relay): settle them from the chain. */
  async reconcile(): Promise<void> {
    const open = await this.db.select({ id: resaleOrders.id, attempts: resaleOrders.attempts, updatedAt: resaleOrders.updatedAt }).from(resaleOrders).where(eq(resaleOrders.status, "filling")).orderBy(asc(resaleOrders.createdAt));
    for (const order of open) {
      const wait = Math.min(2 ** order.attempts, 60) * 1000;
      if (Date.now() - order.updatedAt.getTime() < wait) continue;
      try {
        if ((await this.settle(order.id)) === "retry") {
          const loaded = await this.load(order.id);
          if (loaded) await this.relay(loaded.order, loaded.listing);
        }
      } catch (error) {
        await this.db.update(resaleOrders).set({ failureReason: (error as Error).message.split("\n")[0]!.slice(0, 500), updatedAt: new Date() }).where(eq(resaleOrders.id, order.id));
        this.log(`order ${order.id}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }

  /** Filled orders: capture (the fan pays only now that the ticket is in their wallet). */
  async captureFilled(): Promise<void> {
    const filled = await this.db
      .select({ id: resaleOrders.id, pi: resaleOrders.stripePaymentIntentId })
      .from(resaleOrders)
      .where(and(eq(resaleOrders.status, "filled"), sql`(${resaleOrders.failureReason} is null or ${resaleOrders.updatedAt} < now() - interval '60 seconds')`))
      .limit(100);
    if (!filled.length) return;
    const stripe = await this.options.stripe();
    for (const order of filled) {
      if (!order.pi) continue;
      let paid = false;
      let problem: string | null = null;
      try {
        await stripe.paymentIntents.capture(order.pi, {}, { idempotencyKey: `capture:resale:${order.id}` });
        paid = true;
      } catch (error) {
        const e = error as Stripe.errors.StripeError;
        if (e.type === "StripeInvalidRequestError" && /status of succeeded/.test(e.message)) paid = true;
        else problem = `capture failed: ${e.message}`;
      }
      await this.db
        .update(resaleOrders)
        .set(paid ? { status: "paid", failureReason: null, updatedAt: new Date() } : { failureReason: problem, updatedAt: new Date() })
        .where(and(eq(resaleOrders.id, order.id), eq(resaleOrders.status, "filled")));
      if (problem) this.log(`order ${order.id}: ${problem}`);
    }
  }
}

/** The status page's view of a resale order (no secrets; the email masked). */
export async function resaleOrderView(db: Db, id: string) {
  if (!Uuid.safeParse(id).success) return null;
  const [row] = await db
    .select({
      id: resaleOrders.id,
      status: resaleOrders.status,
      amountCents: resaleOrders.amountCents,
      priceWei: resaleOrders.priceWei,
      rateAnswer: resaleOrders.rateAnswer,
      rateDecimals: resaleOrders.rateDecimals,
      email: resaleOrders.email,
      recipient: resaleOrders.recipient,
      txHash: resaleOrders.txHash,
      failureReason: resaleOrders.failureReason,
      reservedUntil: resaleOrders.reservedUntil,
      tokenId: listings.tokenId,
      contractAddress: listings.contractAddress,
      eventName: events.name,
      eventSlug: events.slug,
    })
    .from(resaleOrders)
    .innerJoin(listings, eq(listings.id, resaleOrders.listingId))
    .innerJoin(events, eq(events.id, resaleOrders.eventId))
    .where(eq(resaleOrders.id, id));
  if (!row) return null;
  return { ...row, email: maskEmail(row.email), reservedUntil: row.reservedUntil.toISOString(), contractAddress: getAddress(row.contractAddress) as Address };
}
