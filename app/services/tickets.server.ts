import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { getAddress } from "viem";
import { CHAINS, env } from "~/env.server";
import { ticketStatus, type TicketStatus } from "~/lib/tickets";
import type { Db } from "../../db/client.server";
import { events, tickets, ticketTiers } from "../../db/schema";
import type { SessionUser } from "./session.server";
import { embeddedWalletAddress } from "./wallets.server";

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
