import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { getAddress, isAddressEqual, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { concertTicketAbi, marketplaceAbi } from "~/contracts/abi";
import { hashOrder, NATIVE_CURRENCY, orderTypedData, type Order } from "~/lib/orders";
import { getDb, type Db } from "../../db/client.server";
import { events, listings, tickets, ticketTiers } from "../../db/schema";
import type { SessionUser } from "./session.server";
import { cache } from "./cache.server";
import { dropEventResponses } from "./response-cache.server";
import { currentDeployment, publicClient } from "./chain.server";

/**
 * Resale of whole tickets: an off-chain order book (the `listings` table) of EIP-712 orders signed by
 * sellers for the Marketplace contract, settled on chain by the buyer's `fill`. The chain is the
 * authority: a listing is accepted only when the seller owns the ticket, approved the marketplace, signed
 * exactly this order, and the price is within the promoter's cap; before it is shown and before a buyer
 * fills it, it is checked again (filled, cancelled, nonce moved, expired, owner changed → closed).
 */

const MAX_UINT = (1n << 256n) - 1n;
const uint = z.string().regex(/^\d{1,78}$/, "must be a whole number").transform((v) => BigInt(v));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address").transform((v) => getAddress(v));

/** The body of POST /resale/listings: the order exactly as signed, and the signature. */
export const ListingInput = z.object({
  order: z.object({
    seller: address,
    token: address,
    tokenId: uint,
    amount: uint,
    price: uint,
    currency: address,
    expiry: uint,
    nonce: uint,
    salt: uint,
  }),
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "must be a 65-byte signature"),
});
export type ListingInput = z.input<typeof ListingInput>;

/** A refusal with the HTTP status and message the API answers. */
export class ResaleError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

function setup() {
  const deployment = currentDeployment();
  if (!deployment) throw new ResaleError(503, "The marketplace is not deployed on this chain yet.");
  return { client: publicClient(), marketplace: deployment.marketplace, escrow: deployment.escrow, chainId: deployment.chainId };
}

/** What a seller sees before signing: cap, fee and royalty on a price, and what they need to do first. */
export interface ResaleQuote {
  contract: Address;
  tokenId: string;
  owner: Address;
  marketplace: Address;
  chainId: number;
  /** the ticket's resale cap in wei; null when the promoter set none */
  capWei: string | null;
  /** face value (tier price) in wei */
  faceValueWei: string;
  royaltyBps: number;
  feeBps: number;
  approved: boolean;
  nonce: string;
  /** latest expiry an order may carry: the show's start (unix seconds) */
  latestExpiry: number;
}

/** Reads the resale terms of one ticket from the chain (owner, approval, cap, royalty rate, fee, nonce). */
export async function resaleQuote(contract: Address, tokenId: bigint): Promise<ResaleQuote> {
  const { client, marketplace, chainId } = setup();
  const probe = 10_000n; // royalty on 10,000 wei = royalty in basis points
  const ticket = { address: contract, abi: concertTicketAbi } as const;
  let terms;
  try {
    terms = await client.readContract({ ...ticket, functionName: "resaleTerms", args: [tokenId, marketplace, probe] });
  } catch {
    throw new ResaleError(404, "This ticket does not exist on chain.");
  }
  const [fee, nonce, startsAt, data] = await Promise.all([
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "platformFee" }),
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "nonces", args: [terms.owner] }),
    client.readContract({ ...ticket, functionName: "startsAt" }),
    client.readContract({ ...ticket, functionName: "ticketData", args: [tokenId] }),
  ]);
  return {
    contract,
    tokenId: tokenId.toString(),
    owner: getAddress(terms.owner),
    marketplace,
    chainId,
    capWei: terms.cap === MAX_UINT ? null : terms.cap.toString(),
    faceValueWei: data.price.toString(),
    royaltyBps: Number(terms.royalty),
    feeBps: Number(fee[0]),
    approved: terms.operatorApproved,
    nonce: nonce.toString(),
    latestExpiry: Number(startsAt),
  };
}

/**
 * Accepts a signed order into the book. Refusals (ResaleError): 400 malformed, wrong currency/amount,
 * signature not the seller's, price above the cap (with the cap), not approved, stale nonce, bad expiry;
 * 403 when the seller is not the signed-in user's wallet or does not own the ticket; 409 already listed.
 */
export async function createListing(db: Db, user: SessionUser, body: unknown, options: { embedded?: Address | null; waitlist?: boolean } = {}) {
  const parsed = ListingInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ResaleError(400, `Invalid listing: ${issue.path.join(".")} ${issue.message}.`);
  }
  const { order: o, signature } = parsed.data;
  const order: Order = o;
  const { client, marketplace, chainId } = setup();

  if (order.amount !== 1n) throw new ResaleError(400, "A ticket listing offers exactly one ticket (amount 1).");
  if (!isAddressEqual(order.currency, NATIVE_CURRENCY)) {
    throw new ResaleError(400, "Tickets are resold for the chain's native coin only (the resale cap is in wei).");
  }
  const [event] = await db
    .select({ id: events.id, status: events.status, startsAt: events.startsAt, waitlistEnabled: events.waitlistEnabled })
    .from(events)
    .where(and(eq(events.chainId, chainId), sql`lower(${events.contractAddress}) = ${order.token.toLowerCase()}`));
  if (!event) throw new ResaleError(400, "This is not a TicketChain ticket contract on this chain.");
  if (event.status !== "published") throw new ResaleError(400, "Tickets of this event cannot be resold (it is not on sale or was cancelled).");
  if (options.waitlist && !event.waitlistEnabled) throw new ResaleError(409, "This event has no waitlist: list the ticket for resale instead.");

  // The signature must be the seller's, over exactly this order for this marketplace.
  const signer = await recoverTypedDataAddress({ ...orderTypedData(order, chainId, marketplace), signature: signature as Hex }).catch(() => null);
  if (!signer || !isAddressEqual(signer, order.seller)) {
    throw new ResaleError(400, "The signature does not match the seller of this order.");
  }
  // The seller is the signed-in user's own wallet, or (one-click listing) the wallet TicketChain keeps for them.
  const ownWallet = Boolean(user.walletAddress && isAddressEqual(user.walletAddress as Address, order.seller));
  const keptWallet = Boolean(options.embedded && isAddressEqual(options.embedded, order.seller));
  if (!ownWallet && !keptWallet) {
    throw new ResaleError(403, "You can only list tickets held by the wallet you are signed in with.");
  }

  const ticket = { address: order.token, abi: concertTicketAbi } as const;
  let terms;
  try {
    terms = await client.readContract({ ...ticket, functionName: "resaleTerms", args: [order.tokenId, marketplace, order.price] });
  } catch {
    throw new ResaleError(400, `Ticket #${order.tokenId} does not exist.`);
  }
  if (!isAddressEqual(terms.owner, order.seller)) throw new ResaleError(403, `You do not own ticket #${order.tokenId}.`);
  if (terms.cap !== MAX_UINT && order.price > terms.cap) {
    throw new ResaleError(400, `The price is above the promoter's resale cap of ${terms.cap} wei.`, { capWei: terms.cap.toString() });
  }
  const [[feeBps], nonce, checkedIn, data] = await Promise.all([
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "platformFee" }),
    client.readContract({ address: marketplace, abi: marketplaceAbi, functionName: "nonces", args: [order.seller] }),
    client.readContract({ ...ticket, functionName: "isCheckedIn", args: [order.tokenId] }),
    client.readContract({ ...ticket, functionName: "ticketData", args: [order.tokenId] }),
  ]);
  if (checkedIn) throw new ResaleError(400, "A checked-in ticket cannot be resold.");
  // The waitlist sells at face value, no other price: that is its point.
  if (options.waitlist && order.price !== data.price) {
    throw new ResaleError(400, `A ticket sold to the waitlist is priced at its face value (${data.price} wei).`, { faceValueWei: data.price.toString() });
  }
  if (terms.royalty + (order.price * BigInt(feeBps)) / 10_000n > order.price) {
    throw new ResaleError(400, "The price does not cover the royalty and platform fee.");
  }
  if (!terms.operatorApproved) {
    throw new ResaleError(400, "Allow the marketplace to transfer your tickets first (one approval per event).");
  }
  if (order.nonce !== nonce) throw new ResaleError(400, `The order's nonce is ${order.nonce}; your current marketplace nonce is ${nonce}.`);
  const now = BigInt(Math.floor(Date.now() / 1000));
  const startsAt = BigInt(Math.floor(event.startsAt.getTime() / 1000));
  if (order.expiry <= now + 60n || order.expiry > startsAt) {
    throw new ResaleError(400, "The listing must expire in the future and no later than the start of the show.");
  }

  const orderHash = hashOrder(order, chainId, marketplace).toLowerCase();
  const contract = order.token.toLowerCase();
  const created = await db.transaction(async (tx) => {
    // One open listing per ticket: a second one would only confuse buyers (the first fill closes both).
    const open = await tx
      .select({ id: listings.id })
      .from(listings)
      .where(and(eq(listings.chainId, chainId), eq(listings.contractAddress, contract), eq(listings.tokenId, order.tokenId.toString()), eq(listings.status, "open")))
      .for("update");
    if (open.length) throw new ResaleError(409, `Ticket #${order.tokenId} is already listed. Cancel that listing first.`);
    const [row] = await tx
      .insert(listings)
      .values({
        chainId,
        marketplace: marketplace.toLowerCase(),
        eventId: event.id,
        contractAddress: contract,
        tokenId: order.tokenId.toString(),
        seller: order.seller.toLowerCase(),
        sellerUserId: user.id,
        priceWei: order.price.toString(),
        capWei: terms.cap === MAX_UINT ? null : terms.cap.toString(),
        currency: order.currency.toLowerCase(),
        expiry: Number(order.expiry),
        nonce: order.nonce.toString(),
        salt: order.salt.toString(),
        signature: signature.toLowerCase(),
        orderHash,
        waitlist: Boolean(options.waitlist),
      })
      .onConflictDoNothing()
      .returning({ id: listings.id, orderHash: listings.orderHash, eventId: listings.eventId, waitlist: listings.waitlist });
    if (!row) throw new ResaleError(409, "This exact order is already in the book.");
    return row;
  });
  await forgetEventListings(event.id, db);
  return created;
}

type ListingRow = typeof listings.$inferSelect;

/** The order a listing row stands for (what the seller signed). */
export function orderOf(row: ListingRow): Order {
  return {
    seller: getAddress(row.seller),
    token: getAddress(row.contractAddress),
    tokenId: BigInt(row.tokenId),
    amount: 1n,
    price: BigInt(row.priceWei),
    currency: getAddress(row.currency),
    expiry: BigInt(row.expiry),
    nonce: BigInt(row.nonce),
    salt: BigInt(row.salt),
  };
}

/**
 * Closes open listings from the indexer's chain_logs: OrderFilled → filled (with the buyer),
 * OrderCancelled → cancelled, NonceIncremented past the order's nonce → cancelled; expiry → expired.
 */
export async function reconcileListings(db: Db, chainId: number) {
  await db.execute(sql`
    update ${listings} l set status = 'filled', buyer = c.args->>'buyer', closed_tx = c.tx_hash, closed_at = now()
    from chain_logs c
    where l.status = 'open' and l.chain_id = ${chainId} and c.chain_id = l.chain_id and c.address = l.marketplace
      and c.event_name = 'OrderFilled' and lower(c.args->>'orderHash') = l.order_hash`);
  await db.execute(sql`
    update ${listings} l set status = 'cancelled', closed_tx = c.tx_hash, closed_at = now()
    from chain_logs c
    where l.status = 'open' and l.chain_id = ${chainId} and c.chain_id = l.chain_id and c.address = l.marketplace
      and c.event_name = 'OrderCancelled' and lower(c.args->>'orderHash') = l.order_hash`);
  await db.execute(sql`
    update ${listings} l set status = 'cancelled', closed_tx = c.tx_hash, closed_at = now()
    from chain_logs c
    where l.status = 'open' and l.chain_id = ${chainId} and c.chain_id = l.chain_id and c.address = l.marketplace
      and c.event_name = 'NonceIncremented' and c.args->>'seller' = l.seller
      and (c.args->>'newNonce')::numeric > l.nonce`);
  await db.execute(sql`
    update ${listings} set status = 'expired', closed_at = now()
    where status = 'open' and chain_id = ${chainId} and expiry < extract(epoch from now())`);
}

/**
 * Checks one open listing against the chain and closes it when it can no longer be filled. Returns the
 * listing's status after the check.
 */
export async function checkListing(db: Db, row: ListingRow): Promise<ListingRow["status"]> {
  if (row.status !== "open") return row.status;
  const { client, marketplace } = setup();
  const hash = row.orderHash as Hex;
  const market = { address: marketplace, abi: marketplaceAbi } as const;
  const [filled, cancelled, nonce, terms] = await Promise.all([
    client.readContract({ ...market, functionName: "filled", args: [hash] }),
    client.readContract({ ...market, functionName: "cancelled", args: [hash] }),
    client.readContract({ ...market, functionName: "nonces", args: [getAddress(row.seller)] }),
    client
      .readContract({ address: getAddress(row.contractAddress), abi: concertTicketAbi, functionName: "resaleTerms", args: [BigInt(row.tokenId), marketplace, BigInt(row.priceWei)] })
      .catch(() => null),
  ]);
  let status: ListingRow["status"] = "open";
  if (filled > 0n) status = "filled";
  else if (cancelled || nonce !== BigInt(row.nonce)) status = "cancelled";
  else if (row.expiry * 1000 < Date.now()) status = "expired";
  else if (!terms || !isAddressEqual(terms.owner, getAddress(row.seller)) || !terms.operatorApproved) status = "invalid";
  if (status !== "open") {
    await db
      .update(listings)
      .set({ status, closedAt: new Date() })
      .where(and(eq(listings.id, row.id), eq(listings.status, "open")));
  }
  return status;
}

export interface ListingView {
  id: string;
  contractAddress: Address;
  tokenId: string;
  tierName: string | null;
  seller: Address;
  priceWei: string;
  capWei: string | null;
  expiry: number;
  orderHash: string;
  /** held for the event's face-value waitlist (never shown publicly) */
  waitlist: boolean;
}

function view(row: ListingRow, tierName: string | null): ListingView {
  return {
    id: row.id,
    contractAddress: getAddress(row.contractAddress),
    tokenId: row.tokenId,
    tierName,
    seller: getAddress(row.seller),
    priceWei: row.priceWei,
    capWei: row.capWei,
    expiry: row.expiry,
    orderHash: row.orderHash,
    waitlist: row.waitlist,
  };
}

/** Open listings of an event, cheapest first, each checked against the chain (closed ones drop out). */
export async function openListings(db: Db, eventId: string, limit = 50): Promise<ListingView[]> {
  const rows = await db
    .select({ listing: listings, tierName: ticketTiers.name })
    .from(listings)
    .leftJoin(tickets, and(eq(tickets.chainId, listings.chainId), eq(tickets.contractAddress, listings.contractAddress), eq(tickets.tokenId, listings.tokenId)))
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, listings.eventId), eq(ticketTiers.position, tickets.tierPosition)))
    // A listing held for a card buyer (reservedBy) is not offered to anyone else meanwhile.
    .where(and(eq(listings.eventId, eventId), eq(listings.status, "open"), sql`${listings.reservedBy} is null`, eq(listings.waitlist, false)))
    .orderBy(asc(sql`${listings.priceWei}`), asc(listings.createdAt))
    .limit(limit);
  if (rows.length === 0) return [];
  await reconcileListings(db, rows[0]!.listing.chainId);
  const out: ListingView[] = [];
  for (const { listing, tierName } of rows) {
    if ((await checkListing(db, listing)) === "open") out.push(view(listing, tierName));
  }
  return out;
}

/** How long the event page's listings and the listings reconciliation are reused. */
export const LISTINGS_CACHE_MS = 5_000;

/** reconcileListings at most once per LISTINGS_CACHE_MS per chain (it is four UPDATEs over chain_logs). */
async function reconcileThrottled(db: Db, chainId: number) {
  const c = await cache();
  await c.wrap(`listings-reconciled:${chainId}`, LISTINGS_CACHE_MS, async () => {
    await reconcileListings(db, chainId);
    return true;
  });
}

/**
 * Open listings for display, from the database only: closed by the indexer's logs (reconcileListings) and
 * kept only while the indexer says the seller still owns the ticket. No chain read per listing; a buyer's
 * fill is still checked on chain (listingForFill).
 */
async function indexedOpenListings(db: Db, where: SQL, limit: number) {
  return db
    .select({ listing: listings, tierName: ticketTiers.name })
    .from(listings)
    .innerJoin(tickets, and(eq(tickets.chainId, listings.chainId), eq(tickets.contractAddress, listings.contractAddress), eq(tickets.tokenId, listings.tokenId)))
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, listings.eventId), eq(ticketTiers.position, tickets.tierPosition)))
    .where(and(where, eq(listings.status, "open"), eq(tickets.owner, listings.seller), sql`${listings.expiry} > extract(epoch from now())`))
    .orderBy(asc(sql`${listings.priceWei}`), asc(listings.createdAt))
    .limit(limit);
}

/**
 * Drops the event page's cached listings (a listing was reserved, released, created or closed), and the
 * micro-cached anonymous page that shows them.
 */
export async function forgetEventListings(eventId: string, db?: Db) {
  const [event] = await (db ?? (await getDb())).select({ slug: events.slug }).from(events).where(eq(events.id, eventId));
  if (event) await dropEventResponses(event.slug);
  await (await cache()).del(`event-listings:${eventId}`);
  if (event) await dropEventResponses(event.slug);
}

/** The event page's resale section: indexed open listings, cached for LISTINGS_CACHE_MS (shared cache). */
export async function listingsForEventPage(db: Db, eventId: string, chainId: number, limit = 50): Promise<ListingView[]> {
  const c = await cache();
  return c.wrap(`event-listings:${eventId}`, LISTINGS_CACHE_MS, async () => {
    await reconcileThrottled(db, chainId);
    // A listing held for a card buyer (reservedBy) is not offered to anyone else meanwhile.
    // A waitlist listing is handed only to the waiter it is offered to (app/services/waitlist.server.ts).
    const rows = await indexedOpenListings(db, and(eq(listings.eventId, eventId), sql`${listings.reservedBy} is null`, eq(listings.waitlist, false))!, limit);
    return rows.map(({ listing, tierName }) => view(listing, tierName));
  });
}

/** Open listings by these sellers (a fan's own wallet), from the database and the indexer (no chain reads). */
export async function listingsOfSellers(db: Db, sellers: string[], chainId?: number) {
  const lower = sellers.map((s) => s.toLowerCase());
  if (!lower.length) return [];
  if (chainId !== undefined) await reconcileThrottled(db, chainId);
  const rows = await indexedOpenListings(db, inArray(listings.seller, lower), 500);
  return rows.map(({ listing }) => view(listing, null));
}

/**
 * What a buyer needs to fill a listing: the order and signature, after checking it is still open on
 * chain. Throws 404 for an unknown id, 409 when it closed.
 */
export async function listingForFill(db: Db, id: string, viewer: { walletAddress: string | null } | null = null) {
  if (!z.string().uuid().safeParse(id).success) throw new ResaleError(404, "No such listing.");
  const [row] = await db.select().from(listings).where(eq(listings.id, id));
  if (!row) throw new ResaleError(404, "No such listing.");
  // The seller reads their own order (to cancel it); nobody else gets a waitlist listing's signature here.
  const seller = Boolean(viewer?.walletAddress && viewer.walletAddress.toLowerCase() === row.seller);
  if (row.waitlist && !seller) throw new ResaleError(403, "This ticket is held for the event's waitlist: only the fan it is offered to can buy it.");
  const status = await checkListing(db, row);
  if (status !== "open") throw new ResaleError(409, `This listing is no longer available (${status}).`);
  if (row.reservedBy) throw new ResaleError(409, "Another buyer is paying for this ticket right now.");
  const order = orderOf(row);
  return {
    id: row.id,
    marketplace: getAddress(row.marketplace),
    chainId: row.chainId,
    signature: row.signature as Hex,
    order: Object.fromEntries(Object.entries(order).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])) as Record<keyof Order, string>,
  };
}

/** Re-reads a listing's state from the chain (after a fill or cancel the browser just sent). */
export async function refreshListing(db: Db, id: string) {
  if (!z.string().uuid().safeParse(id).success) throw new ResaleError(404, "No such listing.");
  const [row] = await db.select().from(listings).where(eq(listings.id, id));
  if (!row) throw new ResaleError(404, "No such listing.");
  const status = await checkListing(db, row);
  // The browser just filled or cancelled it: the event page must not show it from its cache.
  if (status !== "open") await forgetEventListings(row.eventId, db);
  return { id: row.id, status };
}

/** Runs an API handler; a ResaleError becomes a JSON answer with its status (and details such as the cap). */
export async function resaleResponse(run: () => Promise<unknown>, status = 200): Promise<Response> {
  try {
    return Response.json(await run(), { status });
  } catch (error) {
    if (error instanceof ResaleError) return Response.json({ error: error.message, ...error.details }, { status: error.status });
    throw error;
  }
}
