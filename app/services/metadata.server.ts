import { and, eq } from "drizzle-orm";
import { CID } from "multiformats/cid";
import * as jsonCodec from "multiformats/codecs/json";
import { sha256 } from "multiformats/hashes/sha2";
import { getDb, type Db } from "../../db/client.server";
import { ticketMetadata } from "../../db/schema";
import { env } from "~/env.server";
import { seatNumber, ticket as findTicket, type TicketView } from "./tickets.server";

/**
 * Ticket metadata (docs/decisions/009-ticket-metadata.md): one ERC-721 / OpenSea-shaped JSON document per
 * ticket, content-addressed by a CIDv1 (codec `json` 0x0200, sha2-256, base32 — `bagaaiera…`) over its
 * canonical bytes (keys sorted, no whitespace). Served at /metadata/<chainId>/<contract>/<tokenId> (the
 * contract's tokenURI) and, immutably, at /ipfs/<cid>; pinned through an IPFS Pinning Service API when
 * IPFS_PINNING_URL + IPFS_PINNING_TOKEN are set. A ticket's document changes when its status does
 * (checked in, cancelled, refunded): the row then holds the new CID.
 */

export type MetadataDocument = {
  name: string;
  description: string;
  image: string | null;
  external_url: string | null;
  attributes: Array<{ trait_type: string; value: string | number; display_type?: string }>;
};

/** JSON with object keys sorted at every level: the same document always gives the same bytes (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function documentBytes(document: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(document));
}

/** CIDv1 of the canonical bytes: json codec, sha2-256, base32 (the default string form of v1). */
export async function cidOf(bytes: Uint8Array): Promise<string> {
  return CID.create(1, jsonCodec.code, await sha256.digest(bytes)).toString();
}

/** Parses a CID string; null when malformed. Returns the v1 base32 form used as the key. */
export function parseCid(text: string): string | null {
  if (text.length > 200) return null;
  try {
    return CID.parse(text).toV1().toString();
  } catch {
    return null;
  }
}

export function appBaseUrl(): string {
  const e = env();
  return (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
}

export function ticketStatus(t: Pick<TicketView, "checkedIn" | "fractionalized" | "refunded" | "event">): string {
  if (t.refunded) return "Refunded";
  if (t.event?.status === "cancelled") return "Event cancelled";
  if (t.checkedIn) return "Checked in";
  if (t.fractionalized) return "Fractionalized";
  return "Valid";
}

export function buildDocument(t: TicketView, seat: number | null, baseUrl: string): MetadataDocument {
  const tierName = t.tier?.name ?? "Ticket";
  const eventName = t.event?.name ?? `Event ticket ${t.contractAddress}`;
  const absolute = (url: string | null | undefined) => (url ? (/^https?:\/\//.test(url) ? url : `${baseUrl}${url}`) : null);
  const attributes: MetadataDocument["attributes"] = [];
  if (t.event) {
    attributes.push({ trait_type: "Event", value: t.event.name });
    attributes.push({ trait_type: "Date", display_type: "date", value: Math.floor(new Date(t.event.startsAt).getTime() / 1000) });
    attributes.push({ trait_type: "Venue", value: t.event.venue });
    attributes.push({ trait_type: "City", value: t.event.city });
  }
  attributes.push({ trait_type: "Tier", value: tierName });
  if (seat !== null) attributes.push({ trait_type: "Seat", display_type: "number", value: seat });
  attributes.push({ trait_type: "Status", value: ticketStatus(t) });
  return {
    name: `${eventName} — ${tierName} #${t.tokenId}`,
    description: t.event
      ? `${tierName} ticket for ${t.event.name} at ${t.event.venue}, ${t.event.city}. Sold on TicketChain; show it at the door from your wallet.`
      : `TicketChain ticket #${t.tokenId}.`,
    image: absolute(t.event?.imageUrl),
    external_url: t.event ? `${baseUrl}/events/${t.event.slug}` : null,
    attributes,
  };
}

export interface PinningConfig {
  url: string;
  token: string;
}

export function pinningConfig(): PinningConfig | null {
  const e = env();
  return e.IPFS_PINNING_URL && e.IPFS_PINNING_TOKEN ? { url: e.IPFS_PINNING_URL.replace(/\/$/, ""), token: e.IPFS_PINNING_TOKEN } : null;
}

export interface PinStatus {
  requestid: string;
  status: "queued" | "pinning" | "pinned" | "failed";
}

/**
 * Asks an IPFS Pinning Service API (https://ipfs.github.io/pinning-services-api-spec/) to pin `cid`:
 * POST /pins {cid, name} with a bearer token; 202 answers a PinStatus. Throws with the service's reason.
 */
export async function requestPin(config: PinningConfig, cid: string, name: string, timeoutMs = 10_000): Promise<PinStatus> {
  const response = await fetch(`${config.url}/pins`, {
    method: "POST",
    headers: { authorization: `Bearer ${config.token}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ cid, name }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => null)) as
    | { requestid?: string; status?: string; error?: { reason?: string; details?: string } }
    | null;
  if (!response.ok) {
    throw new Error(`pinning service answered ${response.status}: ${body?.error?.reason ?? "no reason"}${body?.error?.details ? ` (${body.error.details})` : ""}`);
  }
  if (!body?.requestid || !["queued", "pinning", "pinned", "failed"].includes(String(body.status))) {
    throw new Error("pinning service answered without a PinStatus (requestid, status)");
  }
  return { requestid: body.requestid, status: body.status as PinStatus["status"] };
}

export interface StoredMetadata {
  cid: string;
  document: MetadataDocument;
  bytes: Uint8Array;
  /** a new CID for this ticket (first document, or its status changed) */
  created: boolean;
  pinnedAt: Date | null;
}

/**
 * Builds the ticket's current document, stores it under its CID (replacing the ticket's previous one) and,
 * when pinning is configured and the CID is new, pins it. Null when the ticket is not indexed.
 */
export async function refreshTicketMetadata(
  chainId: number,
  contract: string,
  tokenId: string,
  options: { db?: Db; baseUrl?: string; pinning?: PinningConfig | null; log?: (m: string) => void } = {},
): Promise<StoredMetadata | null> {
  const db = options.db ?? (await getDb());
  const t = await findTicket(chainId, contract, tokenId, db);
  if (!t) return null;
  const seat = await seatNumber(t, db);
  const document = buildDocument(t, seat, options.baseUrl ?? appBaseUrl());
  const bytes = documentBytes(document);
  const cid = await cidOf(bytes);
  const key = and(eq(ticketMetadata.chainId, chainId), eq(ticketMetadata.contractAddress, t.contractAddress), eq(ticketMetadata.tokenId, t.tokenId));
  const [existing] = await db.select({ cid: ticketMetadata.cid, pinnedAt: ticketMetadata.pinnedAt }).from(ticketMetadata).where(key);
  if (existing?.cid === cid) return { cid, document, bytes, created: false, pinnedAt: existing.pinnedAt };

  await db.transaction(async (tx) => {
    await tx.delete(ticketMetadata).where(key);
    await tx
      .insert(ticketMetadata)
      .values({ cid, chainId, contractAddress: t.contractAddress, tokenId: t.tokenId, document })
      .onConflictDoNothing();
  });
  let pinnedAt: Date | null = null;
  const pinning = options.pinning === undefined ? pinningConfig() : options.pinning;
  if (pinning) {
    try {
      const status = await requestPin(pinning, cid, `ticket-${chainId}-${t.contractAddress}-${t.tokenId}`);
      if (status.status !== "failed") {
        pinnedAt = new Date();
        await db.update(ticketMetadata).set({ pinnedAt }).where(eq(ticketMetadata.cid, cid));
      } else {
        options.log?.(`pinning ${cid}: the service reports "failed" (request ${status.requestid})`);
      }
    } catch (error) {
      (options.log ?? console.warn)(`pinning ${cid}: ${(error as Error).message}`);
    }
  }
  return { cid, document, bytes, created: true, pinnedAt };
}

/** The stored document with this CID (any ticket), as its canonical bytes; null when unknown. */
export async function metadataByCid(cid: string, db?: Db): Promise<Uint8Array | null> {
  const [row] = await (db ?? (await getDb())).select({ document: ticketMetadata.document }).from(ticketMetadata).where(eq(ticketMetadata.cid, cid));
  if (!row) return null;
  const bytes = documentBytes(row.document);
  // Content addressing is the promise: never serve bytes that do not hash to the CID asked for.
  return (await cidOf(bytes)) === cid ? bytes : null;
}
