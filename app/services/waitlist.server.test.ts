import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseEnv } from "~/env.server";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { embeddedWallets, events, listings, mailOutbox, users, waitlistEntries } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { startResaleCheckout } from "./resale-card.server";
import { listingForFill } from "./resale.server";
import {
  expireOffers,
  holdsOffer,
  joinWaitlist,
  leaveWaitlist,
  offerNext,
  offerOrder,
  offerView,
  settleOffers,
  sweepWaitlist,
  waitlistState,
  WAITLIST_OFFER_MINUTES,
} from "./waitlist.server";

/**
 * The face-value waitlist's bookkeeping on the database alone (both backends): joining and leaving, places in
 * line, offers to the first waiter, expiry passing the ticket to the next, concurrent sweeps and joins never
 * offering one listing twice nor one fan two listings, and who may read a held order. The chain side (signing,
 * filling, card payment) is the resale path's, covered by resale-card.server.test.ts and the browser test.
 */

const ENV_KEY = Symbol.for("ticketchain.env");
const URL_BASE = "http://localhost:3000";

describe.each(databaseBackends())("face-value waitlist (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let promoterId: string;
  let eventId: string;
  let fans: Array<{ id: string; email: string; walletAddress: null }>;
  let seller: { id: string };
  let n = 0;

  const db = () => handle.db;
  const user = (i: number) => fans[i]!;

  async function newFan(label: string) {
    const email = `${label}-${randomBytes(3).toString("hex")}@example.com`;
    const [row] = await db().insert(users).values({ displayName: label, email }).returning({ id: users.id });
    return { id: row!.id, email, walletAddress: null };
  }

  /** A waitlist listing of `eventId` as createListing stores it (the chain checks are the resale path's). */
  async function heldListing(sellerUserId = seller.id, event = eventId) {
    n++;
    const [row] = await db()
      .insert(listings)
      .values({
        chainId: 31337,
        marketplace: "0x" + "11".repeat(20),
        eventId: event,
        contractAddress: "0x" + "22".repeat(20),
        tokenId: String(1000 + n),
        seller: "0x" + "33".repeat(20),
        sellerUserId,
        priceWei: "180000000000000000000",
        currency: "0x0000000000000000000000000000000000000000",
        expiry: Math.floor(Date.now() / 1000) + 86_400,
        nonce: "0",
        salt: String(n),
        signature: "0x" + "ab".repeat(65),
        orderHash: "0x" + randomBytes(32).toString("hex"),
        waitlist: true,
      })
      .returning({ id: listings.id });
    return row!.id;
  }

  const entryOf = async (userId: string) => {
    const [row] = await db().select().from(waitlistEntries).where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.userId, userId)));
    return row!;
  };

  beforeAll(async () => {
    (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, SMTP_URL: "", APP_URL: "" });
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const [p] = await db().insert(users).values({ displayName: "Promoter", role: "promoter" }).returning({ id: users.id });
    promoterId = p!.id;
  });

  beforeEach(async () => {
    // A fresh published event with the waitlist on, four fans and a seller for every test.
    const [ev] = await db()
      .insert(events)
      .values({
        slug: `waitlist-${randomBytes(4).toString("hex")}`,
        promoterId,
        name: "Waitlist Show",
        venue: "Hall",
        city: "Porto",
        startsAt: new Date(Date.now() + 7 * 86_400_000),
        status: "published",
        chainId: 31337,
        contractAddress: "0x" + randomBytes(20).toString("hex"),
        waitlistEnabled: true,
      })
      .returning({ id: events.id });
    eventId = ev!.id;
    fans = [await newFan("ann"), await newFan("ben"), await newFan("cat"), await newFan("dan")];
    seller = await newFan("seller");
  });

  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  it("joins in order, shows each fan's place, leaves and rejoins at the back; one entry per account", async () => {
    for (const i of [0, 1, 2]) await joinWaitlist(db(), user(i), eventId);
    expect((await waitlistState(db(), eventId, user(0).id)).entry).toMatchObject({ status: "waiting", position: 1 });
    expect((await waitlistState(db(), eventId, user(2).id)).entry).toMatchObject({ status: "waiting", position: 3 });
    // Joining again changes nothing (still #2, one row).
    await joinWaitlist(db(), user(1), eventId);
    expect((await waitlistState(db(), eventId, user(1).id)).entry?.position).toBe(2);
    expect(await db().select().from(waitlistEntries).where(eq(waitlistEntries.userId, user(1).id))).toHaveLength(1);
    // Ben leaves: Cat moves up to #2; Ben rejoins at the back (#3).
    expect((await leaveWaitlist(db(), user(1), eventId)).state.entry?.status).toBe("left");
    expect((await waitlistState(db(), eventId, user(2).id)).entry?.position).toBe(2);
    expect((await joinWaitlist(db(), user(1), eventId)).state.entry).toMatchObject({ status: "waiting", position: 3 });
    const state = await waitlistState(db(), eventId, null);
    expect(state).toEqual({ enabled: true, waiting: 3, entry: null });
    // The unique index: a second row for the same account and event is refused by the database itself.
    await expect(db().insert(waitlistEntries).values({ eventId, userId: user(0).id })).rejects.toThrow();
    // Leaving twice, or a waitlist that is off, or an unknown event: 409 / 409 / 404.
    await expect(leaveWaitlist(db(), user(3), eventId)).rejects.toMatchObject({ status: 409, message: "You are not on this event's waitlist." });
    await db().update(events).set({ waitlistEnabled: false }).where(eq(events.id, eventId));
    await expect(joinWaitlist(db(), user(3), eventId)).rejects.toMatchObject({ status: 409, message: "This event has no waitlist." });
    await expect(joinWaitlist(db(), user(3), "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ status: 404 });
  });

  it("offers a held listing to the first waiter only (not to its seller), mails them, and hides it from everyone else", async () => {
    await joinWaitlist(db(), seller, eventId);
    for (const i of [0, 1]) await joinWaitlist(db(), user(i), eventId);
    const listingId = await heldListing();
    const offers = await sweepWaitlist(db(), URL_BASE);
    expect(offers).toBe(1);
    // The seller joined first but is not offered their own ticket; Ann (next) is.
    expect(await entryOf(seller.id)).toMatchObject({ status: "waiting", listingId: null });
    const ann = await entryOf(user(0).id);
    expect(ann).toMatchObject({ status: "offered", listingId });
    const held = ann.offerExpiresAt!.getTime() - ann.offeredAt!.getTime();
    expect(held).toBe(WAITLIST_OFFER_MINUTES * 60_000);
    expect(await entryOf(user(1).id)).toMatchObject({ status: "waiting", listingId: null });
    const [mail] = await db().select().from(mailOutbox).where(eq(mailOutbox.to, user(0).email));
    expect(mail!.subject).toBe("A ticket to Waitlist Show is held for you");
    expect(mail!.text).toContain(`${URL_BASE}/waitlist/offers/${ann.id}`);
    expect(await db().select().from(mailOutbox).where(eq(mailOutbox.to, user(1).email))).toHaveLength(0);
    // The event page state of Ann and Ben.
    expect((await waitlistState(db(), eventId, user(0).id)).entry).toMatchObject({ status: "offered", position: null });
    expect((await waitlistState(db(), eventId, user(1).id)).entry?.position).toBe(2);
    // Another sweep offers nothing more (the listing is already offered).
    expect(await sweepWaitlist(db(), URL_BASE)).toBe(0);
    // The public order endpoint refuses the held listing (403 before any chain read) except to its seller's wallet.
    await expect(listingForFill(db(), listingId)).rejects.toMatchObject({ status: 403 });
    await expect(listingForFill(db(), listingId, { walletAddress: "0x" + "44".repeat(20) })).rejects.toMatchObject({ status: 403 });
  });

  it("an offer that expires passes to the next waiter; a fan paying by card keeps it until the payment ends", async () => {
    for (const i of [0, 1, 2]) await joinWaitlist(db(), user(i), eventId);
    const listingId = await heldListing();
    await offerNext(db(), eventId);
    expect((await entryOf(user(0).id)).status).toBe("offered");
    // Ann is paying by card (the listing is reserved): her lapsed offer is kept.
    await db().update(waitlistEntries).set({ offerExpiresAt: new Date(Date.now() - 1000) }).where(eq(waitlistEntries.userId, user(0).id));
    await db().update(listings).set({ reservedBy: "00000000-0000-4000-8000-00000000000a" }).where(eq(listings.id, listingId));
    expect(await expireOffers(db())).toEqual([]);
    expect(await sweepWaitlist(db(), URL_BASE)).toBe(0);
    expect((await entryOf(user(0).id)).status).toBe("offered");
    // The payment lapsed (the listing is released): the next sweep expires Ann and offers Ben.
    await db().update(listings).set({ reservedBy: null }).where(eq(listings.id, listingId));
    expect(await sweepWaitlist(db(), URL_BASE)).toBe(1);
    expect(await entryOf(user(0).id)).toMatchObject({ status: "expired" });
    expect(await entryOf(user(1).id)).toMatchObject({ status: "offered", listingId });
    expect((await waitlistState(db(), eventId, user(2).id)).entry?.position).toBe(1);
    expect(await db().select().from(mailOutbox).where(eq(mailOutbox.to, user(1).email))).toHaveLength(1);
    // Ann rejoins at the back; Ben gives up the offer by leaving: Cat gets it.
    expect((await joinWaitlist(db(), user(0), eventId)).state.entry).toMatchObject({ status: "waiting", position: 2 });
    const { offers } = await leaveWaitlist(db(), user(1), eventId);
    expect(offers.map((o) => o.userId)).toEqual([user(2).id]);
    // Nobody left after Cat but Ann: Cat's offer expires, Ann is offered; hers expires, nobody waits: the listing stays held.
    await db().update(waitlistEntries).set({ offerExpiresAt: new Date(Date.now() - 1000) }).where(eq(waitlistEntries.userId, user(2).id));
    expect(await sweepWaitlist(db(), URL_BASE)).toBe(1);
    expect((await entryOf(user(0).id)).status).toBe("offered");
    await db().update(waitlistEntries).set({ offerExpiresAt: new Date(Date.now() - 1000) }).where(eq(waitlistEntries.userId, user(0).id));
    expect(await sweepWaitlist(db(), URL_BASE)).toBe(0);
    const [listing] = await db().select({ status: listings.status }).from(listings).where(eq(listings.id, listingId));
    expect(listing!.status).toBe("open");
    // Dan joins: he is offered the held listing at once.
    const joined = await joinWaitlist(db(), user(3), eventId);
    expect(joined.offers.map((o) => [o.userId, o.listingId])).toEqual([[user(3).id, listingId]]);
    expect(joined.state.entry?.status).toBe("offered");
  });

  it("a closed listing settles the offer: bought when filled for the waiter, back in line (same place) when the seller withdrew it", async () => {
    for (const i of [0, 1]) await joinWaitlist(db(), user(i), eventId);
    const first = await heldListing();
    await offerNext(db(), eventId);
    // Filled for Ann's kept wallet: bought.
    const wallet = "0x" + randomBytes(20).toString("hex");
    await db().insert(embeddedWallets).values({ userId: user(0).id, address: wallet, sealedKey: "x", wrappedDataKey: "x", kekId: "k" });
    await db().update(listings).set({ status: "filled", buyer: wallet }).where(eq(listings.id, first));
    expect(await settleOffers(db(), eventId)).toBe(1);
    expect(await entryOf(user(0).id)).toMatchObject({ status: "bought", listingId: first });
    // A second listing goes to Ben; the seller cancels it: Ben is back in line, first again.
    const second = await heldListing();
    await offerNext(db(), eventId);
    expect((await entryOf(user(1).id)).listingId).toBe(second);
    await db().update(listings).set({ status: "cancelled" }).where(eq(listings.id, second));
    await settleOffers(db());
    expect((await waitlistState(db(), eventId, user(1).id)).entry).toMatchObject({ status: "waiting", position: 1, offerExpiresAt: null });
  });

  it("concurrent sweeps and joins never offer one listing to two fans nor two listings to one fan", async () => {
    for (const i of [0, 1, 2]) await joinWaitlist(db(), user(i), eventId);
    const held = [await heldListing(), await heldListing()];
    // Ten offer passes at once (sweeps, and joins/leaves that offer too).
    await Promise.all([
      ...Array.from({ length: 6 }, () => offerNext(db(), eventId)),
      sweepWaitlist(db(), URL_BASE),
      sweepWaitlist(db(), URL_BASE),
      joinWaitlist(db(), user(3), eventId),
      joinWaitlist(db(), user(3), eventId),
    ]);
    const offered = await db().select().from(waitlistEntries).where(and(eq(waitlistEntries.eventId, eventId), eq(waitlistEntries.status, "offered")));
    expect(offered.map((e) => e.listingId).sort()).toEqual([...held].sort());
    expect(new Set(offered.map((e) => e.userId)).size).toBe(2);
    // First come, first served: Ann and Ben hold them; Cat and Dan wait.
    expect(offered.map((e) => e.userId).sort()).toEqual([user(0).id, user(1).id].sort());
    // The database refuses a second offered entry for one listing even if the code tried.
    await expect(
      db().update(waitlistEntries).set({ status: "offered", listingId: held[0] }).where(eq(waitlistEntries.userId, user(2).id)),
    ).rejects.toThrow();
    // One listing, many fans joining at once: exactly one offer.
    const [ev] = await db().select().from(events).where(eq(events.id, eventId));
    const [other] = await db()
      .insert(events)
      .values({ ...ev!, id: undefined, slug: `${ev!.slug}-b`, contractAddress: "0x" + randomBytes(20).toString("hex"), searchVector: undefined } as typeof events.$inferInsert)
      .returning({ id: events.id });
    const single = await heldListing(seller.id, other!.id);
    const results = await Promise.all(fans.map((f) => joinWaitlist(db(), f, other!.id)));
    expect(results.flatMap((r) => r.offers).map((o) => o.listingId)).toEqual([single]);
    const offeredB = await db().select().from(waitlistEntries).where(and(eq(waitlistEntries.eventId, other!.id), eq(waitlistEntries.status, "offered")));
    expect(offeredB).toHaveLength(1);
  });

  it("hands the held order and the card reservation to the offered fan only", async () => {
    for (const i of [0, 1]) await joinWaitlist(db(), user(i), eventId);
    const listingId = await heldListing();
    await offerNext(db(), eventId);
    const ann = await entryOf(user(0).id);
    const ben = await entryOf(user(1).id);
    // Someone else's offer: 403, for the page and for the order; unknown or malformed id: 404.
    await expect(offerOrder(db(), user(1), ann.id)).rejects.toMatchObject({ status: 403 });
    await expect(offerView(db(), user(1), ann.id)).rejects.toMatchObject({ status: 403 });
    await expect(offerOrder(db(), user(0), "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({ status: 404 });
    await expect(offerOrder(db(), user(0), "nope")).rejects.toMatchObject({ status: 404 });
    // Ben's own entry is not offered anything: 409.
    await expect(offerOrder(db(), user(1), ben.id)).rejects.toMatchObject({ status: 409 });
    expect(await holdsOffer(db(), listingId, user(0).id)).toBe(true);
    expect(await holdsOffer(db(), listingId, user(1).id)).toBe(false);
    // The card path refuses anyone but Ann (before any Stripe or chain call), and a signed-out buyer.
    const stripe = {} as Stripe;
    await expect(startResaleCheckout(db(), stripe, listingId, { publicUrl: URL_BASE, userId: user(1).id, email: user(1).email })).rejects.toMatchObject({ status: 403 });
    await expect(startResaleCheckout(db(), stripe, listingId, { publicUrl: URL_BASE, userId: null, email: "x@example.com" })).rejects.toMatchObject({ status: 403 });
    // Ann's offer lapses: her order is refused (409), and so is her card reservation.
    await db().update(waitlistEntries).set({ offerExpiresAt: new Date(Date.now() - 1000) }).where(eq(waitlistEntries.id, ann.id));
    await expect(offerOrder(db(), user(0), ann.id)).rejects.toMatchObject({ status: 409 });
    expect(await holdsOffer(db(), listingId, user(0).id)).toBe(false);
    await expect(startResaleCheckout(db(), stripe, listingId, { publicUrl: URL_BASE, userId: user(0).id, email: user(0).email })).rejects.toMatchObject({ status: 403 });
    // Her offer page shows it expired (and Ben got it).
    const view = await offerView(db(), user(0), ann.id);
    expect(view.status).toBe("expired");
    expect((await entryOf(user(1).id)).status).toBe("waiting");
    await offerNext(db(), eventId);
    expect((await entryOf(user(1).id)).status).toBe("offered");
    const rows = await db().execute(sql`select count(*)::int as n from waitlist_entries where listing_id = ${listingId} and status = 'offered'`);
    expect(((Array.isArray(rows) ? rows : (rows as unknown as { rows: unknown[] }).rows) as Array<{ n: number }>)[0]!.n).toBe(1);
  });
});
