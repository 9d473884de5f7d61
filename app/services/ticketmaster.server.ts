import { z } from "zod";

/**
 * Import an event from Ticketmaster's Discovery API v2 (`GET /discovery/v2/events/{id}.json`). With
 * TICKETMASTER_API_KEY the promoter types a Ticketmaster event id or URL and the app fetches it; without a
 * key the promoter pastes the event's JSON (as the API returns it). Either way the response is turned into
 * a draft (name, venue, city, start, image, tiers from the price ranges) that the promoter reviews before
 * publishing. Prices arrive as JSON numbers in major units; they become integer cents by decimal string
 * arithmetic, never by float multiplication.
 */

export const DEFAULT_TICKETMASTER_API_URL = "https://app.ticketmaster.com";

export class TicketmasterError extends Error {
  override name = "TicketmasterError";
  constructor(
    message: string,
    /** HTTP status to answer our own client with */
    readonly status: 400 | 404 | 502 | 503,
  ) {
    super(message);
  }
}

const image = z.object({ ratio: z.string().optional(), url: z.string().url(), width: z.number().int(), height: z.number().int() });
const venue = z.object({
  name: z.string().min(1),
  city: z.object({ name: z.string().min(1) }).optional(),
  state: z.object({ stateCode: z.string().optional(), name: z.string().optional() }).optional(),
  country: z.object({ countryCode: z.string().optional() }).optional(),
  address: z.object({ line1: z.string().optional() }).optional(),
  timezone: z.string().optional(),
});
const priceRange = z.object({ type: z.string().optional(), currency: z.string().length(3), min: z.number().nonnegative(), max: z.number().nonnegative() });

/** The part of a Discovery API event we use (the API sends much more; unknown fields are ignored). */
export const discoveryEventSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  type: z.literal("event").optional(),
  url: z.string().url().optional(),
  info: z.string().optional(),
  pleaseNote: z.string().optional(),
  images: z.array(image).default([]),
  dates: z.object({
    start: z.object({
      localDate: z.string().optional(),
      localTime: z.string().optional(),
      dateTime: z.string().datetime().optional(),
      dateTBA: z.boolean().optional(),
      timeTBA: z.boolean().optional(),
    }),
    timezone: z.string().optional(),
    status: z.object({ code: z.string() }).optional(),
  }),
  priceRanges: z.array(priceRange).optional(),
  _embedded: z.object({ venues: z.array(venue).min(1) }).optional(),
});
export type DiscoveryEvent = z.infer<typeof discoveryEventSchema>;

export interface ImportedTier {
  name: string;
  priceCents: number;
  currency: string;
}

export interface ImportedEvent {
  externalId: string;
  externalUrl: string | null;
  name: string;
  description: string;
  venue: string;
  city: string;
  startsAt: Date;
  timezone: string | null;
  imageUrl: string | null;
  tiers: ImportedTier[];
}

/** "49.5" -> 4950, "249.99" -> 24999, "10" -> 1000; more than two decimals is refused. */
export function majorUnitsToCents(value: number): number {
  const text = String(value);
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) throw new TicketmasterError(`Price ${text} is not an amount in cents`, 400);
  const cents = BigInt(match[1]!) * 100n + BigInt((match[2] ?? "").padEnd(2, "0"));
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new TicketmasterError(`Price ${text} is too large`, 400);
  return Number(cents);
}

const TIER_NAMES: Record<string, string> = { standard: "General admission", vip: "VIP" };

/** The draft of our event from a Discovery API event body. */
export function eventFromDiscovery(body: unknown): ImportedEvent {
  const parsed = discoveryEventSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TicketmasterError(`Not a Ticketmaster event: ${issue.path.join(".") || "body"} ${issue.message}`, 400);
  }
  const event = parsed.data;
  if (!event.dates.start.dateTime || event.dates.start.dateTBA || event.dates.start.timeTBA) {
    throw new TicketmasterError("This Ticketmaster event has no fixed start time yet (TBA): import it once the date is set", 400);
  }
  const place = event._embedded?.venues[0];
  if (!place) throw new TicketmasterError("This Ticketmaster event has no venue", 400);
  // The widest 16:9 picture, else the widest of any ratio.
  const pictures = [...event.images].sort((a, b) => b.width - a.width);
  const picture = pictures.find((p) => p.ratio === "16_9") ?? pictures[0];
  const tiers: ImportedTier[] = (event.priceRanges ?? []).map((range) => ({
    name: TIER_NAMES[range.type ?? ""] ?? (range.type ? range.type[0]!.toUpperCase() + range.type.slice(1) : "General admission"),
    priceCents: majorUnitsToCents(range.min),
    currency: range.currency.toLowerCase(),
  }));
  return {
    externalId: event.id,
    externalUrl: event.url ?? null,
    name: event.name,
    description: [event.info, event.pleaseNote].filter(Boolean).join("\n\n"),
    venue: place.name,
    city: place.city?.name ?? "",
    startsAt: new Date(event.dates.start.dateTime),
    timezone: event.dates.timezone ?? place.timezone ?? null,
    imageUrl: picture?.url ?? null,
    tiers,
  };
}

/** Accepts an event id ("G5vYZ9aKxQ2Lm") or a ticketmaster.com URL ending in the id. */
export function parseTicketmasterId(input: string): string {
  const trimmed = input.trim();
  const fromUrl = /\/event\/([A-Za-z0-9_-]{1,64})\/?(?:[?#].*)?$/.exec(trimmed)?.[1];
  const id = fromUrl ?? trimmed;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new TicketmasterError("Enter a Ticketmaster event id (letters and digits) or the event's URL", 400);
  return id;
}

export interface DiscoveryClientOptions {
  apiKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** Fetches one event from the Discovery API and maps its errors to ours. */
export async function fetchDiscoveryEvent(id: string, options: DiscoveryClientOptions): Promise<ImportedEvent> {
  const url = new URL(`/discovery/v2/events/${encodeURIComponent(parseTicketmasterId(id))}.json`, options.baseUrl ?? DEFAULT_TICKETMASTER_API_URL);
  url.searchParams.set("apikey", options.apiKey);
  url.searchParams.set("locale", "*");
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch {
    throw new TicketmasterError("Ticketmaster did not answer; try again in a minute", 503);
  }
  if (response.status === 404) throw new TicketmasterError("Ticketmaster has no event with that id", 404);
  if (response.status === 401 || response.status === 403) throw new TicketmasterError("Ticketmaster refused the API key (TICKETMASTER_API_KEY)", 502);
  if (response.status === 429) throw new TicketmasterError("Ticketmaster's rate limit was reached; try again in a minute", 503);
  if (!response.ok) throw new TicketmasterError(`Ticketmaster answered ${response.status}`, 502);
  const body = await response.json().catch(() => {
    throw new TicketmasterError("Ticketmaster sent a response that is not JSON", 502);
  });
  return eventFromDiscovery(body);
}

/** Parses pasted JSON (the no-API-key path). */
export function eventFromPastedJson(text: string): ImportedEvent {
  if (text.length > 1_000_000) throw new TicketmasterError("That JSON is too large for one event", 400);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new TicketmasterError("That is not valid JSON: paste the event as the Discovery API returns it", 400);
  }
  return eventFromDiscovery(body);
}
