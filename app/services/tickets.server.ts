import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { CHAINS, env } from "~/env.server";
import { ticketStatus, type TicketStatus } from "~/lib/tickets";
import { getDb, type Db } from "../../db/client.server";
import { chainCursors, events, tickets, ticketTiers } from "../../db/schema";
import type { SessionUser } from "./session.server";
import { embeddedWalletAddress } from "./wallets.server";

/**
 * Read side of the indexed tickets (app/services/indexer.server.ts keeps `tickets` in step with the chain).
 * Addresses are compared lower-case; token ids travel as decimal strings.
 */

export interface TicketView {
  chainId: number;
  contractAddress: string;
  tokenId: string;
  owner: string;
  originalOwner: string;
  paidWei: string;
  checkedIn: boolean;
  fractionalized: boolean;
  refunded: boolean;
  mintedBlock: number;
  event: { id: string; slug: string; name: string; venue: string; city: string; startsAt: string; status: string; imageUrl: string | null } | null;
  tier: { position: number; name: string } | null;
}

function query(db: Db) {
  return db
    .select({
      chainId: tickets.chainId,
      contractAddress: tickets.contractAddress,
      tokenId: tickets.tokenId,
      owner: tickets.owner,
      originalOwner: tickets.originalOwner,
      paidWei: tickets.paidWei,
      checkedIn: tickets.checkedIn,
      fractionalized: tickets.fractionalized,
      refunded: tickets.refunded,
      mintedBlock: tickets.mintedBlock,
      tierPosition: tickets.tierPosition,
      eventId: events.id,
      slug: events.slug,
      eventName: events.name,
      venue: events.venue,
      city: events.city,
      startsAt: events.startsAt,
      status: events.status,
      imageUrl: events.imageUrl,
      tierName: ticketTiers.name,
    })
    .from(tickets)
    .leftJoin(events, and(eq(events.chainId, tickets.chainId), sql`lower(${events.contractAddress}) = ${tickets.contractAddress}`))
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, events.id), eq(ticketTiers.position, tickets.tierPosition)));
}

type Row = Awaited<ReturnType<ReturnType<typeof query>["execute"]>>[number];

function view(row: Row): TicketView {
  return {
    chainId: row.chainId,
    contractAddress: row.contractAddress,
    tokenId: row.tokenId,
    owner: row.owner,
    originalOwner: row.originalOwner,
    paidWei: row.paidWei,
    checkedIn: row.checkedIn,
    fractionalized: row.fractionalized,
    refunded: row.refunded,
    mintedBlock: row.mintedBlock,
    event: row.eventId
      ? {
          id: row.eventId,
          slug: row.slug!,
          name: row.eventName!,
          venue: row.venue!,
          city: row.city!,
          startsAt: row.startsAt!.toISOString(),
          status: row.status!,
          imageUrl: row.imageUrl,
        }
      : null,
    tier: row.tierPosition === null ? null : { position: row.tierPosition, name: row.tierName ?? `Tier ${row.tierPosition + 1}` },
  };
}

const byToken = [asc(tickets.contractAddress), sql`${tickets.tokenId} asc`] as const;

/** Tickets held by any of `addresses` (a fan's own wallet and embedded wallet), oldest first. */
export async function ticketsOwnedBy(addresses: string[], db?: Db): Promise<TicketView[]> {
  const owners = [...new Set(addresses.filter((a) => /^0x[0-9a-fA-F]{40}$/.test(a)).map((a) => a.toLowerCase()))];
  if (owners.length === 0) return [];
  const rows = await query(db ?? (await getDb()))
    .where(inArray(tickets.owner, owners))
    .orderBy(...byToken);
  return rows.map(view);
}

/** Every ticket of one event (by its `events.id`). */
export async function ticketsOfEvent(eventId: string, db?: Db): Promise<TicketView[]> {
  const rows = await query(db ?? (await getDb()))
    .where(eq(events.id, eventId))
    .orderBy(...byToken);
  return rows.map(view);
}

/** One ticket, or null when it is not indexed (yet). */
export async function ticket(chainId: number, contract: string, tokenId: string | bigint, db?: Db): Promise<TicketView | null> {
  if (!/^0x[0-9a-fA-F]{40}$/.test(contract) || !/^\d{1,78}$/.test(String(tokenId))) return null;
  const [row] = await query(db ?? (await getDb())).where(
    and(eq(tickets.chainId, chainId), eq(tickets.contractAddress, contract.toLowerCase()), eq(tickets.tokenId, String(tokenId))),
  );
  return row ? view(row) : null;
}

/** 1-based seat within its tier: seats are issued in token order within a tier. */
export async function seatNumber(t: Pick<TicketView, "chainId" | "contractAddress" | "tokenId" | "tier">, db?: Db): Promise<number | null> {
  if (!t.tier) return null;
  const [row] = await (db ?? (await getDb()))
    .select({ n: sql<number>`count(*)::int` })
    .from(tickets)
    .where(
      and(
        eq(tickets.chainId, t.chainId),
        eq(tickets.contractAddress, t.contractAddress),
        eq(tickets.tierPosition, t.tier.position),
        sql`${tickets.tokenId} <= ${t.tokenId}::numeric`,
      ),
    );
  return row?.n ?? null;
}

/** Seats per tier of an event: sold (kept in step with the chain by the indexer) and held by open card checkouts. */
export async function tierAvailability(eventId: string, db?: Db) {
  const rows = await (db ?? (await getDb()))
    .select({ position: ticketTiers.position, supply: ticketTiers.supply, sold: ticketTiers.sold, reserved: ticketTiers.reserved })
    .from(ticketTiers)
    .where(eq(ticketTiers.eventId, eventId));
  return new Map(rows.map((r) => [r.position, { ...r, remaining: Math.max(0, r.supply - r.sold - r.reserved) }]));
}

/** The last block the indexer applied on `chainId` (null before the first). */
export async function indexedBlock(chainId: number, db?: Db): Promise<number | null> {
  const [row] = await (db ?? (await getDb())).select({ n: chainCursors.blockNumber }).from(chainCursors).where(eq(chainCursors.chainId, chainId));
  return row?.n ?? null;
}

// ---------------------------------------------------------------------------------------------------
// My tickets (the signed-in user's page)
// ---------------------------------------------------------------------------------------------------

export interface MyTicket {
  contractAddress: string;
  tokenId: string;
  eventName: string | null;
  eventSlug: string | null;
  startsAt: string | null;
  venue: string | null;
  city: string | null;
  tierName: string | null;
  status: TicketStatus;
  /** held in the TicketChain-kept (embedded) wallet: it can be claimed to the fan's own wallet */
  heldByPlatform: boolean;
  claimable: boolean;
}

/**
 * The signed-in user's tickets on the configured chain, from the indexer's `tickets` table: those of
 * their own wallet (SIWE) and of the wallet TicketChain keeps for them (card purchases).
 */
export async function listMyTickets(db: Db, user: SessionUser) {
  const embedded = await embeddedWalletAddress(db, user.id);
  const owners = [user.walletAddress, embedded].filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase());
  if (!owners.length) return { tickets: [] as MyTicket[], embeddedAddress: null, walletAddress: user.walletAddress };
  const rows = await db
    .select({
      contractAddress: tickets.contractAddress,
      tokenId: tickets.tokenId,
      owner: tickets.owner,
      checkedIn: tickets.checkedIn,
      fractionalized: tickets.fractionalized,
      refunded: tickets.refunded,
      eventName: events.name,
      eventSlug: events.slug,
      eventStatus: events.status,
      startsAt: events.startsAt,
      venue: events.venue,
      city: events.city,
      tierName: ticketTiers.name,
    })
    .from(tickets)
    .leftJoin(events, eq(events.id, tickets.eventId))
    .leftJoin(ticketTiers, and(eq(ticketTiers.eventId, tickets.eventId), eq(ticketTiers.position, tickets.tierPosition)))
    .where(and(eq(tickets.chainId, CHAINS[env().chain].id), inArray(sql`lower(${tickets.owner})`, owners)))
    .orderBy(asc(events.startsAt), asc(tickets.contractAddress), asc(sql`${tickets.tokenId}`));
  const embeddedLower = embedded?.toLowerCase();
  return {
    embeddedAddress: embedded,
    walletAddress: user.walletAddress ? getAddress(user.walletAddress) : null,
    tickets: rows.map((row): MyTicket => {
      const status = ticketStatus(row);
      const heldByPlatform = row.owner.toLowerCase() === embeddedLower;
      return {
        contractAddress: getAddress(row.contractAddress),
        tokenId: row.tokenId,
        eventName: row.eventName,
        eventSlug: row.eventSlug,
        startsAt: row.startsAt?.toISOString() ?? null,
        venue: row.venue,
        city: row.city,
        tierName: row.tierName,
        status,
        heldByPlatform,
        claimable: heldByPlatform && status === "valid",
      };
    }),
  };
}
