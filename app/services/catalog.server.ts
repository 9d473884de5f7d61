import { asc, eq, inArray } from "drizzle-orm";
import { getDb } from "../../db/client.server";
import { events, ticketTiers } from "../../db/schema";

/** Read side of the event catalogue: explicit columns, one query per table (no N+1). */

export interface TierView {
  id: string;
  position: number;
  name: string;
  priceCents: number;
  priceWei: string;
  supply: number;
  remaining: number;
}

export interface EventSummary {
  id: string;
  slug: string;
  name: string;
  venue: string;
  city: string;
  startsAt: string;
  imageUrl: string | null;
  status: "draft" | "published" | "cancelled";
  fromPriceCents: number | null;
  remaining: number;
}

const eventColumns = {
  id: events.id,
  slug: events.slug,
  name: events.name,
  venue: events.venue,
  city: events.city,
  startsAt: events.startsAt,
  imageUrl: events.imageUrl,
  status: events.status,
};

async function tiersOf(eventIds: string[]) {
  if (eventIds.length === 0) return [];
  const db = await getDb();
  return db
    .select({
      id: ticketTiers.id,
      eventId: ticketTiers.eventId,
      position: ticketTiers.position,
      name: ticketTiers.name,
      priceCents: ticketTiers.priceCents,
      priceWei: ticketTiers.priceWei,
      supply: ticketTiers.supply,
      sold: ticketTiers.sold,
    })
    .from(ticketTiers)
    .where(inArray(ticketTiers.eventId, eventIds))
    .orderBy(asc(ticketTiers.eventId), asc(ticketTiers.position));
}

export async function listPublishedEvents(): Promise<EventSummary[]> {
  const db = await getDb();
  const rows = await db.select(eventColumns).from(events).where(eq(events.status, "published")).orderBy(asc(events.startsAt));
  const tiersByEvent = new Map<string, Awaited<ReturnType<typeof tiersOf>>>();
  for (const tier of await tiersOf(rows.map((r) => r.id))) {
    tiersByEvent.set(tier.eventId, [...(tiersByEvent.get(tier.eventId) ?? []), tier]);
  }
  return rows.map((row) => {
    const own = tiersByEvent.get(row.id) ?? [];
    return {
      ...row,
      startsAt: row.startsAt.toISOString(),
      fromPriceCents: own.length ? Math.min(...own.map((t) => t.priceCents)) : null,
      remaining: own.reduce((sum, t) => sum + (t.supply - t.sold), 0),
    };
  });
}

export async function getEventBySlug(slug: string) {
  const db = await getDb();
  const [row] = await db
    .select({
      ...eventColumns,
      description: events.description,
      chainId: events.chainId,
      contractAddress: events.contractAddress,
      onChainId: events.onChainId,
    })
    .from(events)
    .where(eq(events.slug, slug));
  if (!row || row.status === "draft") return null;
  const tiers: TierView[] = (await tiersOf([row.id])).map((t) => ({
    id: t.id,
    position: t.position,
    name: t.name,
    priceCents: t.priceCents,
    priceWei: t.priceWei,
    supply: t.supply,
    remaining: t.supply - t.sold,
  }));
  return { ...row, startsAt: row.startsAt.toISOString(), tiers };
}
