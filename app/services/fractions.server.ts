import { and, asc, eq, sql } from "drizzle-orm";
import { getAddress, isAddress, isHex, type Address, type Hex, type PublicClient } from "viem";
import { z } from "zod";
import { fractionalTicketOwnershipAbi, marketplaceAbi } from "~/contracts/abi";
import type { FractionState } from "~/lib/fractions";
import { hashOrder, NATIVE_CURRENCY, type Order } from "~/lib/orders";
import type { Db } from "../../db/client.server";
import { chainLogs, shareListings } from "../../db/schema";

/**
 * Fractional ownership, read side and share order book (docs/decisions/014-fractions-ui.md).
 *
 * Everything about a fraction is computed from the indexer's `chain_logs` (the vault's Fractionalized /
 * Redeemed / BoughtOut / RefundCollected / SharesCashedOut and its ERC-1155 TransferSingle / TransferBatch),
 * so a reorg that deletes logs is reflected on the next read with no derived table to rebuild.
 * Share listings are signed marketplace orders kept in `share_listings`; their remaining amount and status
 * are recomputed from the marketplace's OrderFilled / OrderCancelled / NonceIncremented logs.
 */

const ZERO = "0x0000000000000000000000000000000000000000";
/** Longest a share listing may stay open. */
export const MAX_LISTING_DAYS = 90;


export interface FractionView {
  id: string;
  ticket: string;
  tokenId: string;
  fractionalizer: string;
  totalShares: string;
  buyoutPrice: string;
  state: FractionState;
  /** shares still outstanding (minted − burned) */
  outstanding: string;
  /** redeemer or buyout buyer */
  attendee: string | null;
  /** buyout deposit or collected refund, wei (settled states) */
  payout: string | null;
  fractionalizedBlock: number;
}

export interface Holding {
  holder: string;
  balance: string;
}

const isId = (id: string) => /^\d{1,78}$/.test(id) && BigInt(id) < 2n ** 256n;

/** The latest round of fraction `id` (an id can be fractionalized again once every share is burned). */
export async function getFraction(db: Db, chainId: number, fractions: string, id: string): Promise<FractionView | null> {
  if (!isId(id)) return null;
  const vault = fractions.toLowerCase();
  const [start] = await db
    .select({ blockNumber: chainLogs.blockNumber, logIndex: chainLogs.logIndex, args: chainLogs.args })
    .from(chainLogs)
    .where(and(eq(chainLogs.chainId, chainId), eq(chainLogs.address, vault), eq(chainLogs.eventName, "Fractionalized"), sql`${chainLogs.args}->>'id' = ${id}`))
    .orderBy(sql`${chainLogs.blockNumber} desc`, sql`${chainLogs.logIndex} desc`)
    .limit(1);
  if (!start) return null;
  const after = await db
    .select({ eventName: chainLogs.eventName, args: chainLogs.args })
    .from(chainLogs)
    .where(
      and(
        eq(chainLogs.chainId, chainId),
        eq(chainLogs.address, vault),
        sql`${chainLogs.eventName} in ('Redeemed', 'BoughtOut', 'RefundCollected', 'SharesCashedOut')`,
        sql`${chainLogs.args}->>'id' = ${id}`,
        sql`(${chainLogs.blockNumber}, ${chainLogs.logIndex}) > (${start.blockNumber}, ${start.logIndex})`,
      ),
    )
    .orderBy(asc(chainLogs.blockNumber), asc(chainLogs.logIndex));
  const a = start.args;
  const total = BigInt(String(a.shares));
  let state: FractionState = "active";
  let attendee: string | null = null;
  let payout: string | null = null;
  let burned = 0n;
  for (const log of after) {
    const b = log.args;
    if (log.eventName === "Redeemed") {
      state = "redeemed";
      attendee = String(b.holder);
      burned = total;
    } else if (log.eventName === "BoughtOut") {
      state = "bought-out";
      attendee = String(b.buyer);
      payout = String(b.price);
    } else if (log.eventName === "RefundCollected") {
      state = "refunded";
      payout = String(b.amount);
    } else if (log.eventName === "SharesCashedOut") {
      burned += BigInt(String(b.shares));
    }
  }
  return {
    id,
    ticket: String(a.ticket),
    tokenId: String(a.tokenId),
    fractionalizer: String(a.owner),
    totalShares: total.toString(),
    buyoutPrice: String(a.buyoutPrice),
    state,
    outstanding: (total - burned).toString(),
    attendee,
    payout,
    fractionalizedBlock: start.blockNumber,
  };
}

/** Balance-carrying ERC-1155 moves of the vault, one row per (from, to, id, value). */
function moves(chainId: number, vault: string) {
  return sql`
    select l.args->>'from' as sender, l.args->>'to' as receiver, l.args->>'id' as id, (l.args->>'value')::numeric as v
      from ${chainLogs} l
      where l.chain_id = ${chainId} and l.address = ${vault} and l.event_name = 'TransferSingle'
    union all
    select l.args->>'from', l.args->>'to', l.args->'ids'->>k, (l.args->'values'->>k)::numeric
      from ${chainLogs} l
      cross join lateral generate_series(0, jsonb_array_length(l.args->'ids') - 1) as k
      where l.chain_id = ${chainId} and l.address = ${vault} and l.event_name = 'TransferBatch'`;
}

/** Current holders of fraction `id` with their balances, largest first (from the vault's transfer logs). */
export async function fractionHolders(db: Db, chainId: number, fractions: string, id: string): Promise<Holding[]> {
  if (!isId(id)) return [];
  const result = await db.execute(sql`
    with m as (${moves(chainId, fractions.toLowerCase())}),
    d as (
      select receiver as holder, v from m where id = ${id}
      union all
      select sender as holder, -v from m where id = ${id}
    )
    select holder, sum(v)::text as balance from d where holder <> ${ZERO}
    group by holder having sum(v) > 0 order by sum(v) desc, holder`);
  return rows(result).map((r) => ({ holder: String(r.holder), balance: String(r.balance) }));
}

/** Every fraction in which one of `addresses` holds shares, with the balance (for My tickets). */
export async function sharesHeldBy(db: Db, chainId: number, fractions: string, addresses: string[]): Promise<Array<{ id: string; holder: string; balance: string }>> {
  const owners = [...new Set(addresses.filter((a) => isAddress(a)).map((a) => a.toLowerCase()))];
  if (!owners.length) return [];
  const list = sql.join(owners.map((o) => sql`${o}`), sql`, `);
  const result = await db.execute(sql`
    with m as (${moves(chainId, fractions.toLowerCase())}),
    d as (
      select receiver as holder, id, v from m where receiver in (${list})
      union all
      select sender as holder, id, -v from m where sender in (${list})
    )
    select id, holder, sum(v)::text as balance from d group by id, holder having sum(v) > 0 order by id, holder`);
  return rows(result).map((r) => ({ id: String(r.id), holder: String(r.holder), balance: String(r.balance) }));
}

function rows(result: unknown): Array<Record<string, unknown>> {
  // postgres.js returns an array; PGlite returns { rows }.
  return (Array.isArray(result) ? result : (result as { rows: Array<Record<string, unknown>> }).rows) ?? [];
}

// ---------------------------------------------------------------------------------------------------
// Share listings
// ---------------------------------------------------------------------------------------------------

const uint = z.string().regex(/^\d{1,78}$/, "must be a whole number");
const address = z.string().refine((v) => isAddress(v), "must be an address");

/** A signed order as the browser posts it (bigints as decimal strings). */
export const ShareListingInput = z.object({
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
  signature: z.string().refine((v) => isHex(v) && v.length >= 132 && v.length <= 2 + 2 * 4096, "must be a hex signature"),
});

export class ListingError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface ListingContext {
  db: Db;
  client: PublicClient;
  chainId: number;
  marketplace: Address;
  fractions: Address;
  now?: Date;
}

/** Parses the posted order into the contract's shape. */
export function toOrder(input: z.infer<typeof ShareListingInput>["order"]): Order {
  return {
    seller: getAddress(input.seller),
    token: getAddress(input.token),
    tokenId: BigInt(input.tokenId),
    amount: BigInt(input.amount),
    price: BigInt(input.price),
    currency: getAddress(input.currency),
    expiry: BigInt(input.expiry),
    nonce: BigInt(input.nonce),
    salt: BigInt(input.salt),
  };
}

/**
 * Records a share listing after checking everything a fill would check that can be known now: the order
 * sells shares of this active fraction for the native coin, the signature is the seller's (EOA or ERC-1271,
 * through viem's verifyTypedData), the nonce is current, the seller holds the shares and has approved the
 * marketplace, and the price per share respects the ticket's resale cap. Returns the order hash.
 * Throws ListingError (4xx) otherwise; nothing is written then.
 */
export async function createShareListing(ctx: ListingContext, fractionId: string, raw: unknown): Promise<{ hash: Hex }> {
  const parsed = ShareListingInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ListingError(`Invalid listing: ${issue.path.join(".")} ${issue.message}`);
  }
  const order = toOrder(parsed.data.order);
  const signature = parsed.data.signature as Hex;
  if (order.token.toLowerCase() !== ctx.fractions.toLowerCase()) throw new ListingError("A share listing must sell shares of the fractions vault.");
  if (order.tokenId.toString() !== fractionId) throw new ListingError("The order sells shares of another fraction.");
  if (order.currency !== NATIVE_CURRENCY) throw new ListingError("Shares are listed in the chain's native coin only.");
  if (order.amount < 1n) throw new ListingError("List at least one share.");
  if (order.price < 1n) throw new ListingError("The price per share must be more than zero.");
  const nowSec = BigInt(Math.floor((ctx.now ?? new Date()).getTime() / 1000));
  if (order.expiry <= nowSec) throw new ListingError("The listing has already expired.");
  if (order.expiry > nowSec + BigInt(MAX_LISTING_DAYS * 86400)) throw new ListingError(`A listing can stay open at most ${MAX_LISTING_DAYS} days.`);

  const fraction = await getFraction(ctx.db, ctx.chainId, ctx.fractions, fractionId);
  if (!fraction) throw new ListingError("This fraction does not exist (yet).", 404);
  if (fraction.state !== "active") throw new ListingError("This fraction is closed: its shares can no longer be sold.", 409);
  if (order.amount > BigInt(fraction.totalShares)) throw new ListingError(`There are only ${fraction.totalShares} shares.`);

  const hash = hashOrder(order, ctx.chainId, ctx.marketplace).toLowerCase() as Hex;
  const valid = await ctx.client.verifyHash({ address: order.seller, hash, signature });
  if (!valid) throw new ListingError("The signature is not the seller's.");

  const [nonce, balance, approved, capPerShare] = await Promise.all([
    ctx.client.readContract({ address: ctx.marketplace, abi: marketplaceAbi, functionName: "nonces", args: [order.seller] }),
    ctx.client.readContract({ address: ctx.fractions, abi: fractionalTicketOwnershipAbi, functionName: "balanceOf", args: [order.seller, order.tokenId] }),
    ctx.client.readContract({ address: ctx.fractions, abi: fractionalTicketOwnershipAbi, functionName: "isApprovedForAll", args: [order.seller, ctx.marketplace] }),
    resaleCapPerShare(ctx, fraction),
  ]);
  if (order.nonce !== nonce) throw new ListingError("The order's nonce is out of date: sign the listing again.");
  if (balance < order.amount) throw new ListingError(`You hold ${balance} shares; you cannot list ${order.amount}.`);
  if (!approved) throw new ListingError("Allow the marketplace to transfer your shares first.");
  if (capPerShare !== null && order.price > capPerShare) {
    throw new ListingError(`The price per share is above the resale cap (${capPerShare} wei per share).`);
  }

  await ctx.db
    .insert(shareListings)
    .values({
      hash,
      chainId: ctx.chainId,
      marketplace: ctx.marketplace.toLowerCase(),
      fractionId,
      seller: order.seller.toLowerCase(),
      token: order.token.toLowerCase(),
      amount: order.amount.toString(),
      price: order.price.toString(),
      currency: order.currency.toLowerCase(),
      expiry: Number(order.expiry),
      nonce: order.nonce.toString(),
      salt: order.salt.toString(),
      signature,
      remaining: order.amount.toString(),
    })
    .onConflictDoNothing();
  await reconcileShareListings(ctx.db, ctx.chainId, ctx.now);
  return { hash };
}

const resaleCapAbi = [
  {
    type: "function",
    name: "resaleCap",
    stateMutability: "view",
    inputs: [{ name: "tokenId", type: "uint256" }],
    outputs: [{ name: "", type: "uint256" }],
  },
] as const;

/** The ticket's resale cap per share in wei (null when uncapped): the marketplace checks price ≤ ⌊cap / totalShares⌋. */
async function resaleCapPerShare(ctx: ListingContext, fraction: FractionView): Promise<bigint | null> {
  const cap = await ctx.client.readContract({ address: fraction.ticket as Address, abi: resaleCapAbi, functionName: "resaleCap", args: [BigInt(fraction.tokenId)] });
  if (cap === 2n ** 256n - 1n) return null;
  return cap / BigInt(fraction.totalShares);
}

/**
 * Recomputes every share listing of `chainId` from the marketplace's logs: remaining = amount − Σ filled;
 * status = cancelled (OrderCancelled, or the seller moved to a later nonce) / filled (nothing remains) /
 * expired / open. A recomputation rather than a decrement, so after a reorg deleted a fill the listing
 * opens again by itself.
 */
export async function reconcileShareListings(db: Db, chainId: number, now = new Date()) {
  const nowSec = Math.floor(now.getTime() / 1000);
  await db.execute(sql`
    update ${shareListings} s set
      remaining = greatest(s.amount - f.filled, 0),
      status = case
        when f.cancelled then 'cancelled'
        when s.amount - f.filled <= 0 then 'filled'
        when s.expiry < ${nowSec} then 'expired'
        else 'open' end
    from (
      select s2.hash,
        coalesce((select sum((l.args->>'amount')::numeric) from ${chainLogs} l
          where l.chain_id = s2.chain_id and l.address = s2.marketplace and l.event_name = 'OrderFilled'
            and l.args->>'orderHash' = s2.hash), 0) as filled,
        exists (select 1 from ${chainLogs} l
          where l.chain_id = s2.chain_id and l.address = s2.marketplace
            and ((l.event_name = 'OrderCancelled' and l.args->>'orderHash' = s2.hash)
              or (l.event_name = 'NonceIncremented' and l.args->>'seller' = s2.seller and (l.args->>'newNonce')::numeric > s2.nonce))) as cancelled
      from ${shareListings} s2 where s2.chain_id = ${chainId}
    ) f
    where s.hash = f.hash`);
}

export interface ShareListingView {
  hash: string;
  seller: string;
  amount: string;
  remaining: string;
  /** what the seller can still deliver: min(remaining, seller's share balance) */
  available: string;
  price: string;
  expiry: number;
  order: { seller: string; token: string; tokenId: string; amount: string; price: string; currency: string; expiry: string; nonce: string; salt: string };
  signature: string;
}

/** Open listings of a fraction, cheapest first, capped to what each seller still holds. */
export async function openShareListings(db: Db, chainId: number, fractionId: string, holders: Holding[]): Promise<ShareListingView[]> {
  if (!isId(fractionId)) return [];
  const list = await db
    .select()
    .from(shareListings)
    .where(and(eq(shareListings.chainId, chainId), eq(shareListings.fractionId, fractionId), eq(shareListings.status, "open")))
    .orderBy(sql`${shareListings.price} asc`, asc(shareListings.createdAt));
  const balances = new Map(holders.map((h) => [h.holder, BigInt(h.balance)]));
  return list
    .map((l) => {
      const remaining = BigInt(l.remaining);
      const held = balances.get(l.seller) ?? 0n;
      return {
        hash: l.hash,
        seller: l.seller,
        amount: l.amount,
        remaining: l.remaining,
        available: (remaining < held ? remaining : held).toString(),
        price: l.price,
        expiry: l.expiry,
        order: {
          seller: getAddress(l.seller),
          token: getAddress(l.token),
          tokenId: l.fractionId,
          amount: l.amount,
          price: l.price,
          currency: getAddress(l.currency),
          expiry: String(l.expiry),
          nonce: l.nonce,
          salt: l.salt,
        },
        signature: l.signature,
      };
    })
    .filter((l) => BigInt(l.available) > 0n);
}

/** Resale cap per share (wei) for the fraction's ticket, or null when uncapped or unreadable. */
export async function capPerShare(client: PublicClient, fraction: FractionView): Promise<bigint | null> {
  try {
    const cap = await client.readContract({ address: fraction.ticket as Address, abi: resaleCapAbi, functionName: "resaleCap", args: [BigInt(fraction.tokenId)] });
    return cap === 2n ** 256n - 1n ? null : cap / BigInt(fraction.totalShares);
  } catch {
    return null;
  }
}

/** Face value (wei) of the ticket behind fraction `id`, from the vault; null when the chain cannot be read. */
export async function faceValue(client: PublicClient, fractions: Address, id: string): Promise<bigint | null> {
  try {
    return await client.readContract({ address: fractions, abi: fractionalTicketOwnershipAbi, functionName: "ticketPrice", args: [BigInt(id)] });
  } catch {
    return null;
  }
}

export interface MyShares {
  id: string;
  balance: string;
  totalShares: string;
  state: FractionState;
  tokenId: string;
  eventName: string | null;
  tierName: string | null;
}

/** Shares held by any of `addresses` (a fan's wallet and the wallet TicketChain keeps), for My tickets. */
export async function mySharesSummary(db: Db, chainId: number, fractions: string, addresses: string[]): Promise<MyShares[]> {
  const held = await sharesHeldBy(db, chainId, fractions, addresses);
  const byId = new Map<string, bigint>();
  for (const h of held) byId.set(h.id, (byId.get(h.id) ?? 0n) + BigInt(h.balance));
  const out: MyShares[] = [];
  for (const [id, balance] of byId) {
    const f = await getFraction(db, chainId, fractions, id);
    if (!f) continue;
    const [row] = await db.execute(sql`
      select e.name as event_name, tt.name as tier_name from tickets t
      left join events e on e.id = t.event_id
      left join ticket_tiers tt on tt.event_id = t.event_id and tt.position = t.tier_position
      where t.chain_id = ${chainId} and t.contract_address = ${f.ticket} and t.token_id = ${f.tokenId}::numeric`).then(rows);
    out.push({
      id,
      balance: balance.toString(),
      totalShares: f.totalShares,
      state: f.state,
      tokenId: f.tokenId,
      eventName: (row?.event_name as string | undefined) ?? null,
      tierName: (row?.tier_name as string | undefined) ?? null,
    });
  }
  return out;
}
