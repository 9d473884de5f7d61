import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type Stripe from "stripe";
import { RESERVATION_MINUTES, type CheckoutInput } from "~/lib/checkout";
import type { Db } from "../../db/client.server";
import { invalidateEvent } from "./catalog.server";
import { events, orders, stripeEvents, ticketTiers } from "../../db/schema";
import { MIN_EXPIRY_SECONDS } from "./stripe-double/double.server";
import { enqueueMint } from "./queue.server";
import { ensureBuyer } from "./wallets.server";
import { handleResaleCheckoutEvent, markResaleRefunded, resaleOrderIdOf } from "./resale-card.server";

/**
 * Card orders: "charge only when the ticket exists". The order's state machine (db/schema.ts orderStatus)
 * is guarded in SQL: every transition is `update orders … where id = $1 and status in (<from>)`, so
 * duplicate, late or out-of-order webhooks and racing workers change nothing twice.
 *
 *   reserved ──completed──► authorized ──worker──► minting ──receipt──► minted ──capture──► paid ──► refunded
 *      └──expired / sweeper──► expired         └─────── minting impossible ──► voided (authorization cancelled)
 */

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
type Q = Db | Tx;

export class CheckoutError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: "not_found" | "sold_out" | "closed" | "payments_unavailable",
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Seats held by one reserved order, released once (the caller's guarded transition returned the order). */
async function releaseSeats(tx: Q, tierId: string, quantity: number) {
  await tx
    .update(ticketTiers)
    .set({ reserved: sql`${ticketTiers.reserved} - ${quantity}` })
    .where(eq(ticketTiers.id, tierId));
}

/**
 * Reserves seats (one UPDATE: no oversell under any concurrency), records the order, opens the Stripe
 * Checkout Session (manual capture) and returns where to send the buyer.
 */
export async function startCheckout(
  db: Db,
  stripe: Stripe,
  input: CheckoutInput,
  options: { publicUrl: string; userId?: string | null; email?: string | null },
): Promise<{ orderId: string; url: string }> {
  const [tier] = await db
    .select({
      id: ticketTiers.id,
      name: ticketTiers.name,
      priceCents: ticketTiers.priceCents,
      eventId: events.id,
      eventSlug: events.slug,
      eventName: events.name,
      status: events.status,
      startsAt: events.startsAt,
      contractAddress: events.contractAddress,
    })
    .from(ticketTiers)
    .innerJoin(events, eq(events.id, ticketTiers.eventId))
    .where(
      and(
        eq(ticketTiers.id, input.tierId),
        input.eventId ? eq(events.id, input.eventId) : eq(events.slug, input.eventSlug!),
      ),
    );
  if (!tier || tier.status === "draft") throw new CheckoutError(404, "This ticket type does not exist for this event.", "not_found");
  if (tier.status === "cancelled") throw new CheckoutError(409, "This event was cancelled: tickets are no longer sold.", "closed");
  if (!tier.contractAddress || tier.startsAt.getTime() <= Date.now()) {
    throw new CheckoutError(409, "Ticket sales for this event are closed.", "closed");
  }
  const quantity = input.quantity;
  const email = input.email ?? options.email ?? null;
  const reservedUntil = new Date(Date.now() + RESERVATION_MINUTES * 60_000);

  const order = await db.transaction(async (tx) => {
    const reserved = await tx.execute(
      sql`update ticket_tiers set reserved = reserved + ${quantity}
          where id = ${tier.id} and sold + reserved + ${quantity} <= supply
          returning id`,
    );
    const rows = Array.isArray(reserved) ? reserved : (reserved as unknown as { rows: unknown[] }).rows;
    if (rows.length === 0) return null;
    const [created] = await tx
      .insert(orders)
      .values({
        userId: options.userId ?? null,
        eventId: tier.eventId,
        tierId: tier.id,
        quantity,
        unitPriceCents: tier.priceCents,
        amountCents: tier.priceCents * quantity,
        status: "reserved",
        email,
        reservedUntil,
      })
      .returning({ id: orders.id, amountCents: orders.amountCents });
    return created!;
  });
  if (!order) {
    throw new CheckoutError(409, `Sold out: fewer than ${quantity} ${tier.name} ticket${quantity === 1 ? " is" : "s are"} left.`, "sold_out");
  }
  // Seats left changed: the event's cached public view (event page, /api/events/:slug) is dropped.
  await invalidateEvent(tier.eventSlug).catch(() => {});

  const base = options.publicUrl.replace(/\/$/, "");
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(
      {
        mode: "payment",
        line_items: [
          {
            quantity,
            price_data: { currency: "usd", unit_amount: tier.priceCents, product_data: { name: `${tier.eventName} — ${tier.name}` } },
          },
        ],
        payment_intent_data: { capture_method: "manual", metadata: { orderId: order.id } },
        metadata: { orderId: order.id },
        client_reference_id: order.id,
        ...(email ? { customer_email: email } : {}),
        success_url: `${base}/orders/${order.id}?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${base}/orders/${order.id}?cancelled=1`,
        // Stripe's floor is 30 minutes; our seats are held RESERVATION_MINUTES and the sweeper expires
        // the session itself when they lapse (docs/decisions/007-card-checkout.md).
        expires_at: Math.max(Math.floor(reservedUntil.getTime() / 1000), Math.floor(Date.now() / 1000) + MIN_EXPIRY_SECONDS + 60),
      },
      { idempotencyKey: `checkout:${order.id}` },
    );
  } catch (error) {
    await expireOrder(db, order.id, `payment page could not be opened: ${(error as Error).message}`);
    throw new CheckoutError(502, "Card payments are unavailable right now. Nothing was charged; please try again in a minute.", "payments_unavailable");
  }
  await db.update(orders).set({ stripeSessionId: session.id, updatedAt: new Date() }).where(eq(orders.id, order.id));
  return { orderId: order.id, url: session.url! };
}

/** reserved → expired, seats released (one transaction; a no-op unless the order is still reserved). */
export async function expireOrder(db: Q, orderId: string, reason: string | null = null): Promise<boolean> {
  const run = async (tx: Q) => {
    const [order] = await tx
      .update(orders)
      .set({ status: "expired", failureReason: reason, updatedAt: new Date() })
      .where(and(eq(orders.id, orderId), eq(orders.status, "reserved")))
      .returning({ tierId: orders.tierId, quantity: orders.quantity });
    if (order) await releaseSeats(tx, order.tierId, order.quantity);
    return Boolean(order);
  };
  // On a transaction this is a savepoint; on the database handle, a transaction of its own.
  return (db as Db).transaction(run);
}

/** Cancels an authorization (idempotent: an already-cancelled PaymentIntent is fine). */
export async function cancelAuthorization(stripe: Stripe, paymentIntentId: string, orderId: string): Promise<void> {
  try {
    await stripe.paymentIntents.cancel(paymentIntentId, { cancellation_reason: "abandoned" }, { idempotencyKey: `void:${orderId}` });
  } catch (error) {
    const e = error as Stripe.errors.StripeError;
    if (e.type === "StripeInvalidRequestError" && /status of canceled/.test(e.message)) return;
    throw error;
  }
}

/**
 * Minting is impossible (event cancelled, sold out on chain, sales closed): the authorization is cancelled
 * first (nothing is ever charged without a ticket), then the order is voided and its seats released.
 */
export async function voidOrders(db: Db, stripe: Stripe, orderIds: string[], reason: string): Promise<void> {
  for (const id of orderIds) {
    const [order] = await db.select({ pi: orders.stripePaymentIntentId, status: orders.status }).from(orders).where(eq(orders.id, id));
    if (!order || !["authorized", "minting"].includes(order.status)) continue;
    if (order.pi) await cancelAuthorization(stripe, order.pi, id);
    await db.transaction(async (tx) => {
      const [voided] = await tx
        .update(orders)
        .set({ status: "voided", failureReason: reason, mintBatchId: null, updatedAt: new Date() })
        .where(and(eq(orders.id, id), inArray(orders.status, ["authorized", "minting"])))
        .returning({ tierId: orders.tierId, quantity: orders.quantity });
      if (voided) await releaseSeats(tx, voided.tierId, voided.quantity);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------------

export type WebhookOutcome = "processed" | "duplicate" | "ignored";

function orderIdOf(session: Stripe.Checkout.Session): string | null {
  const id = session.metadata?.orderId ?? session.client_reference_id;
  return id && UUID.test(id) ? id : null;
}

/**
 * A completed checkout: the card is authorized (the PaymentIntent, retrieved from Stripe, is in
 * requires_capture). In ONE transaction: the event is recorded, the order becomes authorized with its
 * buyer, and the mint job is enqueued. A completion for an order that is no longer reserved (expired
 * meanwhile) cancels the authorization instead: nobody pays without a ticket.
 */
/**
 * A completed Checkout Session as the webhook handlers need it: re-read from Stripe with its PaymentIntent,
 * its PaymentIntent only when the card is held (requires_capture), and the buyer's account and embedded wallet
 * ensured for the email then. Shared by primary orders and resale orders.
 */
export async function completedSession(db: Db, stripe: Stripe, sessionId: string, orderIdOf: (session: Stripe.Checkout.Session) => string | null) {
  const session = await stripe.checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
  const orderId = orderIdOf(session);
  const intent = session.payment_intent as Stripe.PaymentIntent | null;
  const email = session.customer_details?.email ?? session.customer_email ?? null;
  // The PaymentIntent only when the card is held; null otherwise.
  const held = session.status === "complete" && intent && typeof intent === "object" && intent.status === "requires_capture" ? intent : null;
  const buyer = held && email && orderId ? await ensureBuyer(db, email) : null;
  return { session, orderId, intent: held, email, buyer };
}

async function applyCompleted(db: Db, boss: PgBoss, stripe: Stripe, sessionId: string, eventId: string | null): Promise<WebhookOutcome> {
  const { session, orderId, intent, email, buyer } = await completedSession(db, stripe, sessionId, orderIdOf);
  let cancelStrayAuthorization = false;
  const outcome = await db.transaction(async (tx) => {
    if (eventId) {
      const recorded = await tx.insert(stripeEvents).values({ id: eventId, type: "checkout.session.completed" }).onConflictDoNothing().returning({ id: stripeEvents.id });
      if (!recorded.length) return "duplicate" as const;
    }
    if (!orderId || !intent || !buyer) return "ignored" as const;
    const [order] = await tx
      .update(orders)
      .set({
        status: "authorized",
        userId: sql`coalesce(${orders.userId}, ${buyer.userId}::uuid)`,
        email,
        recipient: buyer.address,
        stripeSessionId: session.id,
        stripePaymentIntentId: intent.id,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(orders.id, orderId),
          eq(orders.status, "reserved"),
          eq(orders.amountCents, session.amount_total ?? -1),
          eq(orders.currency, session.currency ?? ""),
        ),
      )
      .returning({ id: orders.id });
    if (order) {
      await enqueueMint(boss, tx, order.id);
      return "processed" as const;
    }
    const [current] = await tx.select({ status: orders.status, pi: orders.stripePaymentIntentId }).from(orders).where(eq(orders.id, orderId));
    // The seats were already given back (or the amount does not match): never capture this authorization.
    if (!current || ["expired", "voided"].includes(current.status) || (current.status === "reserved" && current.pi !== intent.id)) {
      cancelStrayAuthorization = true;
    }
    return "ignored" as const;
  });
  if (cancelStrayAuthorization && intent) await cancelAuthorization(stripe, intent.id, orderId ?? intent.id);
  return outcome;
}

async function recordOnly(db: Q, eventId: string, type: string, apply: (tx: Tx) => Promise<void>): Promise<WebhookOutcome> {
  return (db as Db).transaction(async (tx) => {
    const recorded = await tx.insert(stripeEvents).values({ id: eventId, type }).onConflictDoNothing().returning({ id: stripeEvents.id });
    if (!recorded.length) return "duplicate";
    await apply(tx);
    return "processed";
  });
}

/** Applies one verified Stripe event. Idempotent by event id; every effect is guarded by the order's state. */
export async function handleStripeEvent(db: Db, boss: PgBoss, stripe: Stripe, event: Stripe.Event): Promise<WebhookOutcome> {
  const [seen] = await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id));
  if (seen) return "duplicate";
  // Card purchases of resale listings have their own orders (app/services/resale-card.server.ts).
  if (event.type.startsWith("checkout.session.") && resaleOrderIdOf(event.data.object as Stripe.Checkout.Session)) {
    return handleResaleCheckoutEvent(db, boss, stripe, event);
  }
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return applyCompleted(db, boss, stripe, event.data.object.id, event.id);
    case "checkout.session.expired": {
      // Stripe is asked, not the event: a late or replayed "expired" for a session that in fact completed
      // must not give the paid seats away (the completion is applied instead).
      const session = await stripe.checkout.sessions.retrieve(event.data.object.id);
      if (session.status === "complete") {
        const outcome = await applyCompleted(db, boss, stripe, session.id, null);
        await recordOnly(db, event.id, event.type, async () => {});
        return outcome === "processed" ? "processed" : "ignored";
      }
      const orderId = orderIdOf(session);
      return recordOnly(db, event.id, event.type, async (tx) => {
        if (orderId && session.status === "expired") await expireOrder(tx, orderId, "the checkout expired");
      });
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const pi = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
      return recordOnly(db, event.id, event.type, async (tx) => {
        if (pi && charge.refunded && charge.captured) {
          await markResaleRefunded(tx, pi);
          await tx
            .update(orders)
            .set({ status: "refunded", updatedAt: new Date() })
            .where(and(eq(orders.stripePaymentIntentId, pi), eq(orders.status, "paid")));
        }
      });
    }
    default:
      return recordOnly(db, event.id, event.type, async () => {});
  }
}

// ---------------------------------------------------------------------------------------------------
// Sweeper: reservations whose checkout never completed
// ---------------------------------------------------------------------------------------------------

/**
 * Expires reservations past reservedUntil. Stripe decides the race with a late payment: the session is
 * expired through the API first; if Stripe says it already completed, the completion is applied instead.
 */
export async function sweepReservations(db: Db, boss: PgBoss, stripe: Stripe, now = new Date()): Promise<number> {
  const stale = await db
    .select({ id: orders.id, sessionId: orders.stripeSessionId })
    .from(orders)
    .where(and(eq(orders.status, "reserved"), lt(orders.reservedUntil, now)))
    .limit(100);
  let expired = 0;
  for (const order of stale) {
    if (order.sessionId) {
      try {
        await stripe.checkout.sessions.expire(order.sessionId, {}, { idempotencyKey: `expire:${order.id}` });
      } catch (error) {
        if ((error as Stripe.errors.StripeError).type !== "StripeInvalidRequestError") throw error;
        const session = await stripe.checkout.sessions.retrieve(order.sessionId);
        if (session.status === "complete") {
          await applyCompleted(db, boss, stripe, session.id, null);
          continue;
        }
      }
    }
    if (await expireOrder(db, order.id, "reservation timed out")) expired++;
  }
  return expired;
}

/** The order page's view of an order (no secrets). */
export async function orderView(db: Db, id: string) {
  if (!UUID.test(id)) return null;
  const [row] = await db
    .select({
      id: orders.id,
      status: orders.status,
      quantity: orders.quantity,
      amountCents: orders.amountCents,
      currency: orders.currency,
      email: orders.email,
      recipient: orders.recipient,
      firstTokenId: orders.firstTokenId,
      txHash: orders.txHash,
      failureReason: orders.failureReason,
      reservedUntil: orders.reservedUntil,
      eventName: events.name,
      eventSlug: events.slug,
      contractAddress: events.contractAddress,
      tierName: ticketTiers.name,
    })
    .from(orders)
    .innerJoin(events, eq(events.id, orders.eventId))
    .innerJoin(ticketTiers, eq(ticketTiers.id, orders.tierId))
    .where(eq(orders.id, id));
  if (!row) return null;
  const tokenIds =
    row.firstTokenId !== null && ["minted", "paid", "refunded"].includes(row.status)
      ? Array.from({ length: row.quantity }, (_, i) => (BigInt(row.firstTokenId!) + BigInt(i)).toString())
      : [];
  // Whoever holds the link sees the order, so the email is shown masked (f•••@example.com).
  return { ...row, email: maskEmail(row.email), reservedUntil: row.reservedUntil.toISOString(), tokenIds };
}

export function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email[0]}•••${email.slice(at)}`;
}


// ---------------------------------------------------------------------------------------------------
// Cancelled events: nobody keeps paying for a show that will not happen
// ---------------------------------------------------------------------------------------------------

/**
 * Settles the card orders of cancelled events (events.status = 'cancelled', set by the indexer when it
 * sees EventCancelled). Idempotent, run by the payments sweeper:
 *   paid                → refunded through Stripe (idempotency key refund:<order>)
 *   minted (not captured) / authorized → authorization cancelled, order voided: never charged
 *   reserved            → expired
 * Orders in a batch being minted are left to the mint worker (the mint reverts TicketEventCancelled and
 * it voids them). Card tickets carry no on-chain payment (primaryPaid 0), so the escrow never refunds
 * them a second time. Returns how many orders changed.
 */
export async function settleCancelledEvents(db: Db, stripe: Stripe): Promise<number> {
  const open = await db
    .select({ id: orders.id, status: orders.status, pi: orders.stripePaymentIntentId })
    .from(orders)
    .innerJoin(events, eq(events.id, orders.eventId))
    .where(and(eq(events.status, "cancelled"), inArray(orders.status, ["paid", "minted", "authorized", "reserved"])))
    .limit(200);
  let changed = 0;
  for (const order of open) {
    if (order.status === "reserved") {
      if (await expireOrder(db, order.id, "the event was cancelled")) changed++;
    } else if (order.status === "authorized") {
      await voidOrders(db, stripe, [order.id], "the event was cancelled");
      changed++;
    } else if (order.status === "minted" && order.pi) {
      await cancelAuthorization(stripe, order.pi, order.id);
      const done = await db
        .update(orders)
        .set({ status: "voided", failureReason: "the event was cancelled", updatedAt: new Date() })
        .where(and(eq(orders.id, order.id), eq(orders.status, "minted")))
        .returning({ id: orders.id });
      changed += done.length;
    } else if (order.status === "paid" && order.pi) {
      await stripe.refunds.create(
        { payment_intent: order.pi, reason: "requested_by_customer", metadata: { orderId: order.id, cause: "event_cancelled" } },
        { idempotencyKey: `refund:${order.id}` },
      );
      const done = await db
        .update(orders)
        .set({ status: "refunded", failureReason: "the event was cancelled", updatedAt: new Date() })
        .where(and(eq(orders.id, order.id), eq(orders.status, "paid")))
        .returning({ id: orders.id });
      changed += done.length;
    }
  }
  return changed;
}
