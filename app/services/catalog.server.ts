import { and, asc, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "../../db/client.server";
import { cache } from "./cache.server";
import { dropEventResponses } from "./response-cache.server";
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
      reserved: ticketTiers.reserved,
    })
    .from(ticketTiers)
    .where(inArray(ticketTiers.eventId, eventIds))
    .orderBy(asc(ticketTiers.eventId), asc(ticketTiers.position));
}

export async function listPublishedEvents(): Promise<EventSummary[]> {
  return searchEvents({});
}

/** The search form of the home page; one schema for the loader and the form's constraints. */
export const eventSearchSchema = z.object({
  q: z.string().trim().max(100, "Search for at most 100 characters.").optional().transform((v) => v || undefined),
  city: z.string().trim().max(80, "Pick a city from the list.").optional().transform((v) => v || undefined),
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2027-03-14.")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2027-03-14.")
    .optional()
    .or(z.literal("").transform(() => undefined)),
});
export type EventSearch = z.infer<typeof eventSearchSchema>;

/**
 * Published events, soonest first; with `q`, PostgreSQL full-text search (websearch syntax: words,
 * "quoted phrases", -exclusions; prefix matching on the last word) ranked by relevance, then date.
 * `city` is case-insensitive; `from` / `to` are inclusive calendar dates (UTC).
 */
export async function searchEvents(search: EventSearch): Promise<EventSummary[]> {
  const db = await getDb();
  const where: SQL[] = [eq(events.status, "published")];
  let rank: SQL | null = null;
  if (search.q) {
    // websearch_to_tsquery for the words as typed, plus a prefix query so "auro" finds "Aurora".
    // (Not when the query uses websearch operators — "phrases" or -exclusions — which the prefix form would lose.)
    const words = search.q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const operators = /"|(^|\s)-/.test(search.q);
    const prefix = words.length && !operators ? words.map((w) => `${w}:*`).join(" & ") : null;
    const query = prefix
      ? sql`(websearch_to_tsquery('simple', ${search.q}) || to_tsquery('simple', ${prefix}))`
      : sql`websearch_to_tsquery('simple', ${search.q})`;
    where.push(sql`${events.searchVector} @@ ${query}`);
    rank = sql`ts_rank(${events.searchVector}, ${query})`;
  }
  if (search.city) where.push(sql`lower(${events.city}) = lower(${search.city})`);
  if (search.from) where.push(gte(events.startsAt, new Date(`${search.from}T00:00:00Z`)));
  if (search.to) where.push(lt(events.startsAt, new Date(new Date(`${search.to}T00:00:00Z`).getTime() + 86_400_000)));
  const rows = await db
    .select(eventColumns)
    .from(events)
    .where(and(...where))
    .orderBy(...(rank ? [desc(rank), asc(events.startsAt)] : [asc(events.startsAt)]))
    .limit(100);
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
      remaining: own.reduce((sum, t) => sum + Math.max(0, t.supply - t.sold - t.reserved), 0),
    };
  });
}

/** Cities with published events, for the search form. */
export async function eventCities(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.selectDistinct({ city: events.city }).from(events).where(eq(events.status, "published")).orderBy(asc(events.city));
  return rows.map((r) => r.city);
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

/** How long an event's public view (event, tiers, seats left) is reused from the shared cache. */
export const EVENT_CACHE_MS = 2_000;
const eventKey = (slug: string) => `event-view:${slug}`;

export interface PublicTier {
  id: string;
  position: number;
  name: string;
  /** card price (the promoter's list price), integer cents */
  priceCents: number;
  /** face value on chain, integer wei as a decimal string */
  priceWei: string;
  supply: number;
  /** seats neither sold nor held by a checkout */
  remaining: number;
}

export interface PublicEvent {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  venue: string;
  city: string;
  startsAt: string;
  imageUrl: string | null;
  status: "published" | "cancelled";
  chainId: number;
  contractAddress: string | null;
  onChainId: string | null;
  tiers: PublicTier[];
  salesOpen: boolean;
}

/**
 * An event's public view from the database (two queries: event, tiers), cached for EVENT_CACHE_MS in the
 * shared cache (Redis when REDIS_URL is set). Seats left = supply − sold − reserved; a checkout's
 * reservation drops the entry at once (invalidateEvent), other changes show within EVENT_CACHE_MS. The
 * checkout never trusts this view: the reservation's conditional UPDATE is the guard against overselling.
 */
export async function publicEvent(slug: string): Promise<PublicEvent | null> {
  const c = await cache();
  return c.wrap(eventKey(slug), EVENT_CACHE_MS, async () => {
    const db = await getDb();
    const [row] = await db
      .select({ ...eventColumns, description: events.description, chainId: events.chainId, contractAddress: events.contractAddress, onChainId: events.onChainId })
      .from(events)
      .where(eq(events.slug, slug));
    if (!row || row.status === "draft") return null;
    const tiers = (await tiersOf([row.id])).map((t) => ({
      id: t.id,
      position: t.position,
      name: t.name,
      priceCents: t.priceCents,
      priceWei: t.priceWei,
      supply: t.supply,
      remaining: Math.max(0, t.supply - t.sold - t.reserved),
    }));
    const salesOpen = row.status === "published" && Boolean(row.contractAddress) && row.startsAt.getTime() > Date.now();
    return { ...row, status: row.status as "published" | "cancelled", startsAt: row.startsAt.toISOString(), tiers, salesOpen };
  });
}

/**
 * Drops an event's cached public view (after seats were reserved or released), and the micro-cached
 * anonymous responses built from it (its page and JSON; app/services/response-cache.server.ts).
 */
export async function invalidateEvent(slug: string): Promise<void> {
  await dropEventResponses(slug);
  await (await cache()).del(eventKey(slug));
  // A request that read the old view while it was being dropped may have stored a page from it.
  await dropEventResponses(slug);
}
