import { and, eq, sql } from "drizzle-orm";
import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import type { Order } from "~/lib/orders";
import { WAITLIST_OFFER_MINUTES } from "~/lib/waitlist";
import type { Db } from "../../db/client.server";
import { isUniqueViolation } from "../../db/errors";
import { events, listings, ticketTiers, tickets, users, waitlistEntries } from "../../db/schema";
import { sendMail } from "./mail.server";
import { checkListing, orderOf, reconcileListings, ResaleError } from "./resale.server";
import type { SessionUser } from "./session.server";

/**
 * The face-value waitlist (docs/decisions/013-resale.md, "Face-value waitlist"). A promoter turns it on for
 * an event; fans join (one entry per account and event) and wait in line by `joined_at`. A fan who sells a
 * ticket "to the waitlist" signs the usual Marketplace order at exactly the tier's face value; the listing is
 * flagged `waitlist`, never shown in the public resale section, and its order is handed only to the waiter it
 * is offered to:
 *
 *   waiting ──offer (listing held WAITLIST_OFFER_MINUTES)──► offered ──bought (listing filled for them)──► bought
 *      ▲                                                      │  └── not claimed in time ──► expired (next waiter is offered)
 *      └──── the listing closed (cancelled, moved, filled by someone else): back in line, same place ─┘
 *   waiting / offered ──leave──► left          left / expired / bought ──join──► waiting (at the back)
 *
 * Offers are made by one statement that picks the oldest unoffered open waitlist listing and the first waiting
 * fan, both `FOR UPDATE SKIP LOCKED`, and moves that entry `waiting → offered` only if it is still waiting; a
 * partial unique index (one `offered` entry per listing) is the last guard. So two sweeps or two joins never
 * offer one listing to two people, and an entry can hold one listing only.
 *
 * The contract cannot enforce the buyer (an order has no buyer field): anyone holding the signature could fill
 * it on chain. The app never hands the signature out except to the offered account (and the card path reserves
 * the listing for that account only).
 */

export { WAITLIST_OFFER_MINUTES };

const Uuid = z.string().uuid();
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export interface Offer {
  entryId: string;
  userId: string;
  listingId: string;
  offerExpiresAt: Date;
}

/** Turns the event's waitlist on or off (the promoter's dashboard; the caller checked ownership). */
export async function setWaitlistEnabled(db: Db, eventId: string, enabled: boolean) {
  await db.update(events).set({ waitlistEnabled: enabled }).where(eq(events.id, eventId));
}

async function eventForWaitlist(db: Db | Tx, eventId: string) {
  const [event] = await db
    .select({ id: events.id, slug: events.slug, name: events.name, status: events.status, startsAt: events.startsAt, waitlistEnabled: events.waitlistEnabled })
    .from(events)
    .where(eq(events.id, eventId));
  return event ?? null;
}

/**
 * Offers open, unoffered waitlist listings of the event to the first waiting fans, one guarded statement per
 * offer, until no listing or no waiter is left. Returns the offers made (to be mailed after commit).
 */
export async function offerNext(db: Db, eventId: string): Promise<Offer[]> {
  const made: Offer[] = [];
  for (let i = 0; i < 100; i++) {
    let rows: Array<{ id: string; user_id: string; listing_id: string; offer_expires_at: string | Date }>;
    try {
      rows = rowsOf(
        await db.execute(sql`
          with l as (
            select id, seller_user_id from ${listings}
            where event_id = ${eventId} and waitlist and status = 'open' and reserved_by is null
              and not exists (select 1 from ${waitlistEntries} o where o.listing_id = ${listings.id} and o.status = 'offered')
            order by created_at, id
            limit 1
            for update skip locked
          ), w as (
            select w.id from ${waitlistEntries} w, l
            where w.event_id = ${eventId} and w.status = 'waiting' and w.user_id is distinct from l.seller_user_id
            order by w.joined_at, w.id
            limit 1
            for update of w skip locked
          )
          update ${waitlistEntries} e
          set status = 'offered', listing_id = l.id, offered_at = now(),
              offer_expires_at = now() + make_interval(mins => ${WAITLIST_OFFER_MINUTES}), updated_at = now()
          from l, w
          where e.id = w.id and e.status = 'waiting'
          returning e.id, e.user_id, e.listing_id, e.offer_expires_at`),
      );
    } catch (error) {
      // Another offer of the same listing committed first (the partial unique index): nothing was changed
      // here; look for the next listing and waiter. (Two sweeps can both lock the listing in turn: the second
      // statement's snapshot does not see the first one's offer yet.)
      if (isUniqueViolation(error, "waitlist_entries_offered_listing_key")) continue;
      throw error;
    }
    if (!rows.length) break;
    const r = rows[0]!;
    made.push({ entryId: r.id, userId: r.user_id, listingId: r.listing_id, offerExpiresAt: new Date(r.offer_expires_at) });
  }
  return made;
}

/** Emails each offered fan the link to their offer page (the dev mailbox shows it on the embedded defaults). */
export async function notifyOffers(db: Db, offers: Offer[], publicUrl: string) {
  const base = publicUrl.replace(/\/$/, "");
  for (const offer of offers) {
    const [row] = await db
      .select({ email: users.email, eventName: events.name, tokenId: listings.tokenId })
      .from(waitlistEntries)
      .innerJoin(users, eq(users.id, waitlistEntries.userId))
      .innerJoin(events, eq(events.id, waitlistEntries.eventId))
      .innerJoin(listings, eq(listings.id, offer.listingId))
      .where(eq(waitlistEntries.id, offer.entryId));
    if (!row?.email) continue; // a wallet-only account sees the offer on the event page
    const link = `${base}/waitlist/offers/${offer.entryId}`;
    const until = offer.offerExpiresAt.toISOString().slice(11, 16);
    await sendMail(db, {
      to: row.email,
      subject: `A ticket to ${row.eventName} is held for you`,
      text: [
        `You are first in line for ${row.eventName}.`,
        `Ticket #${row.tokenId} is held for you at face value for ${WAITLIST_OFFER_MINUTES} minutes (until ${until} UTC).`,
        `Buy it here: ${link}`,
        "If you do not buy it in time, it is offered to the next fan in line.",
      ].join("\n\n"),
      link,
    });
  }
}

/** Offers the event's held listings to waiters, then mails them (after the offers committed). */
export async function offerAndNotify(db: Db, eventId: string, publicUrl: string): Promise<Offer[]> {
  const offers = await offerNext(db, eventId);
  await notifyOffers(db, offers, publicUrl);
  return offers;
}

/**
 * Offers whose listing closed: filled for the waiter (their own or kept wallet, or a buyer not yet known) →
 * bought; closed any other way → back to waiting with the same place in line.
 */
export async function settleOffers(db: Db | Tx, eventId?: string): Promise<number> {
  const scope = eventId ? sql`and e.event_id = ${eventId}` : sql``;
  const bought = rowsOf<{ id: string }>(
    await db.execute(sql`
      update ${waitlistEntries} e set status = 'bought', updated_at = now()
      from ${listings} l, ${users} u
      where e.status = 'offered' and l.id = e.listing_id and u.id = e.user_id ${scope}
        and l.status = 'filled'
        and (l.buyer is null or l.buyer = lower(u.wallet_address)
             or exists (select 1 from embedded_wallets w where w.user_id = e.user_id and lower(w.address) = l.buyer))
      returning e.id`),
  );
  const back = rowsOf<{ id: string }>(
    await db.execute(sql`
      update ${waitlistEntries} e set status = 'waiting', listing_id = null, offered_at = null, offer_expires_at = null, updated_at = now()
      from ${listings} l
      where e.status = 'offered' and l.id = e.listing_id and l.status <> 'open' ${scope}
      returning e.id`),
  );
  return bought.length + back.length;
}

/**
 * Offers past their time become `expired` (the fan must join again), unless the fan is paying by card for the
 * held listing right now (its reservation is the card path's own 15 minutes; a release lets this expire them).
 */
export async function expireOffers(db: Db | Tx): Promise<string[]> {
  const rows = rowsOf<{ event_id: string }>(
    await db.execute(sql`
      update ${waitlistEntries} e set status = 'expired', updated_at = now()
      where e.status = 'offered' and e.offer_expires_at < now()
        and not exists (select 1 from ${listings} l where l.id = e.listing_id and l.reserved_by is not null and l.status = 'open')
      returning e.event_id`),
  );
  return [...new Set(rows.map((r) => r.event_id))];
}

/**
 * The sweeper's pass (payments runtime, every 30 s): closes listings from the indexer's logs, settles and
 * expires offers, then offers every held listing to the next waiter and mails them. Returns offers made.
 */
export async function sweepWaitlist(db: Db, publicUrl: string, chainId?: number): Promise<number> {
  if (chainId !== undefined) await reconcileListings(db, chainId);
  await settleOffers(db);
  await expireOffers(db);
  const pending = rowsOf<{ event_id: string }>(
    await db.execute(sql`
      select distinct l.event_id from ${listings} l
      where l.waitlist and l.status = 'open' and l.reserved_by is null
        and not exists (select 1 from ${waitlistEntries} o where o.listing_id = l.id and o.status = 'offered')
        and exists (select 1 from ${waitlistEntries} w where w.event_id = l.event_id and w.status = 'waiting')`),
  );
  let made = 0;
  for (const { event_id } of pending) made += (await offerAndNotify(db, event_id, publicUrl)).length;
  return made;
}

export interface WaitlistState {
  enabled: boolean;
  /** fans waiting now */
  waiting: number;
  entry: null | {
    id: string;
    status: "waiting" | "offered" | "bought" | "left" | "expired";
    /** 1-based place in line while waiting */
    position: number | null;
    offerExpiresAt: string | null;
  };
}

/** What the event page shows: is the waitlist on, how many wait, and this fan's place or offer. */
export async function waitlistState(db: Db, eventId: string, userId: string | null): Promise<WaitlistState> {
  const event = await eventForWaitlist(db, eventId);
  if (!event) throw new ResaleError(404, "We could not find this event.");
  if (!event.waitlistEnabled && !userId) return { enabled: false, waiting: 0, entry: null };
  // Off: only a fan with an entry from when it was on (an offer may still be open) needs the rest.
  const [mine] = userId
    ? await db.select({ id: waitlistEntries.id }).from(waitlistEntries).where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.userId, userId)))
    : [];
  if (!event.waitlistEnabled && !mine) return { enabled: false, waiting: 0, entry: null };
  const [{ waiting }] = rowsOf<{ waiting: number }>(
    await db.execute(sql`select count(*)::int as waiting from ${waitlistEntries} where event_id = ${eventId} and status = 'waiting'`),
  ) as [{ waiting: number }];
  if (!userId) return { enabled: event.waitlistEnabled, waiting: Number(waiting), entry: null };
  await settleOffers(db, eventId);
  const [entry] = await db.select().from(waitlistEntries).where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.userId, userId)));
  if (!entry) return { enabled: event.waitlistEnabled, waiting: Number(waiting), entry: null };
  let position: number | null = null;
  if (entry.status === "waiting") {
    const [row] = rowsOf<{ n: number }>(
      await db.execute(sql`
        select count(*)::int as n from ${waitlistEntries} w, ${waitlistEntries} me
        where me.id = ${entry.id} and w.event_id = me.event_id and w.status = 'waiting' and (w.joined_at, w.id) <= (me.joined_at, me.id)`),
    );
    position = Number(row!.n);
  }
  return {
    enabled: event.waitlistEnabled,
    waiting: Number(waiting),
    entry: { id: entry.id, status: entry.status, position, offerExpiresAt: entry.offerExpiresAt?.toISOString() ?? null },
  };
}

/**
 * Joins the line (at the back): a new entry, or the fan's old one after they left, let an offer expire or
 * bought. Already waiting or offered: unchanged. Then any held listing is offered (the caller mails).
 */
export async function joinWaitlist(db: Db, user: Pick<SessionUser, "id">, eventId: string): Promise<{ state: WaitlistState; offers: Offer[] }> {
  const event = await eventForWaitlist(db, eventId);
  if (!event) throw new ResaleError(404, "We could not find this event.");
  if (!event.waitlistEnabled) throw new ResaleError(409, "This event has no waitlist.");
  if (event.status !== "published" || event.startsAt.getTime() <= Date.now()) throw new ResaleError(409, "This event's waitlist is closed.");
  await db.execute(sql`
    insert into ${waitlistEntries} (event_id, user_id) values (${eventId}, ${user.id})
    on conflict (event_id, user_id) do update
      set status = 'waiting', joined_at = now(), listing_id = null, offered_at = null, offer_expires_at = null, updated_at = now()
      where ${waitlistEntries.status} in ('left', 'expired', 'bought')`);
  const offers = await offerNext(db, eventId);
  return { state: await waitlistState(db, eventId, user.id), offers };
}

/** Leaves the line (or gives up an offer, which then goes to the next waiter). */
export async function leaveWaitlist(db: Db, user: Pick<SessionUser, "id">, eventId: string): Promise<{ state: WaitlistState; offers: Offer[] }> {
  const event = await eventForWaitlist(db, eventId);
  if (!event) throw new ResaleError(404, "We could not find this event.");
  const left = rowsOf<{ id: string }>(
    await db.execute(sql`
      update ${waitlistEntries} e set status = 'left', listing_id = null, offered_at = null, offer_expires_at = null, updated_at = now()
      where e.event_id = ${eventId} and e.user_id = ${user.id} and e.status in ('waiting', 'offered')
        and not exists (select 1 from ${listings} l where l.id = e.listing_id and l.reserved_by is not null and l.status = 'open')
      returning e.id`),
  );
  if (!left.length) {
    const [entry] = await db.select({ status: waitlistEntries.status }).from(waitlistEntries).where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.userId, user.id)));
    if (entry?.status === "offered") throw new ResaleError(409, "You are paying for the ticket held for you right now; wait for the payment to finish.");
    throw new ResaleError(409, "You are not on this event's waitlist.");
  }
  const offers = await offerNext(db, eventId);
  return { state: await waitlistState(db, eventId, user.id), offers };
}

async function offerRow(db: Db, user: Pick<SessionUser, "id">, entryId: string) {
  if (!Uuid.safeParse(entryId).success) throw new ResaleError(404, "We could not find this offer.");
  const [entry] = await db.select().from(waitlistEntries).where(eq(waitlistEntries.id, entryId));
  if (!entry) throw new ResaleError(404, "We could not find this offer.");
  if (entry.userId !== user.id) throw new ResaleError(403, "This offer is for another fan on the waitlist.");
  return entry;
}

/** The offer page: the held ticket (event, tier, number, face value) and until when; owner only (403). */
export async function offerView(db: Db, user: Pick<SessionUser, "id">, entryId: string) {
  let entry = await offerRow(db, user, entryId);
  if (entry.status === "offered" && entry.listingId) {
    const [row] = await db.select().from(listings).where(eq(listings.id, entry.listingId));
    // A listing the seller cancelled or moved away is closed now, and the fan goes back in line.
    if (row && row.status === "open") await checkListing(db, row).catch(() => null);
    await settleOffers(db, entry.eventId);
    entry = await offerRow(db, user, entryId);
  }
  if (entry.status === "offered" && entry.offerExpiresAt && entry.offerExpiresAt.getTime() < Date.now()) {
    await expireOffers(db);
    entry = await offerRow(db, user, entryId);
  }
  const [event] = await db.select({ name: events.name, slug: events.slug, startsAt: events.startsAt, venue: events.venue, city: events.city }).from(events).where(eq(events.id, entry.eventId));
  let ticket: null | { listingId: string; tokenId: string; tierName: string | null; priceWei: string; reserved: boolean; contractAddress: Address } = null;
  if (entry.listingId && (entry.status === "offered" || entry.status === "bought")) {
    const [row] = await db
      .select({ listing: listings, tierName: ticketTiers.name })
      .from(listings)
      .leftJoin(tickets, and(eq(tickets.chainId, listings.chainId), eq(tickets.contractAddress, listings.contractAddress), eq(tickets.tokenId, listings.tokenId)))
      .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, listings.eventId), eq(ticketTiers.position, tickets.tierPosition)))
      .where(eq(listings.id, entry.listingId));
    if (row) {
      ticket = {
        listingId: row.listing.id,
        tokenId: row.listing.tokenId,
        tierName: row.tierName,
        priceWei: row.listing.priceWei,
        reserved: Boolean(row.listing.reservedBy),
        contractAddress: getAddress(row.listing.contractAddress),
      };
    }
  }
  return {
    id: entry.id,
    status: entry.status,
    offerExpiresAt: entry.offerExpiresAt?.toISOString() ?? null,
    event: { ...event!, startsAt: event!.startsAt.toISOString() },
    ticket,
  };
}

/**
 * The signed order of the listing held for this fan, for their wallet to fill: only to the offered account
 * (403 for anyone else), only while the offer stands (409), checked open on chain first (409).
 */
export async function offerOrder(db: Db, user: Pick<SessionUser, "id">, entryId: string) {
  const entry = await offerRow(db, user, entryId);
  if (entry.status !== "offered" || !entry.listingId) throw new ResaleError(409, `This offer is no longer open (${entry.status}).`);
  if (!entry.offerExpiresAt || entry.offerExpiresAt.getTime() < Date.now()) throw new ResaleError(409, "This offer has expired; the ticket goes to the next fan in line.");
  const [row] = await db.select().from(listings).where(eq(listings.id, entry.listingId));
  if (!row) throw new ResaleError(409, "This offer is no longer open.");
  if (row.reservedBy) throw new ResaleError(409, "A card payment for this ticket is in progress.");
  const status = await checkListing(db, row);
  if (status !== "open") throw new ResaleError(409, `This ticket is no longer available (${status}).`);
  const order = orderOf(row);
  return {
    id: row.id,
    marketplace: getAddress(row.marketplace),
    chainId: row.chainId,
    signature: row.signature as Hex,
    order: Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])) as Record<keyof Order, string>,
  };
}

/** Whether `userId` holds the current, unexpired offer of this waitlist listing (the card path's check). */
export async function holdsOffer(db: Db | Tx, listingId: string, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: waitlistEntries.id })
    .from(waitlistEntries)
    .where(
      and(
        eq(waitlistEntries.listingId, listingId),
        eq(waitlistEntries.userId, userId),
        eq(waitlistEntries.status, "offered"),
        sql`${waitlistEntries.offerExpiresAt} > now()`,
      ),
    );
  return Boolean(row);
}

/** Ids of the events among `eventIds` whose waitlist is on (My tickets shows "Sell to the waitlist"). */
export async function waitlistEvents(db: Db, slugs: string[]): Promise<string[]> {
  if (!slugs.length) return [];
  const rows = await db
    .select({ slug: events.slug })
    .from(events)
    .where(and(eq(events.waitlistEnabled, true), eq(events.status, "published"), sql`${events.slug} in (${sql.join(slugs.map((s) => sql`${s}`), sql`, `)})`));
  return rows.map((r) => r.slug);
}
