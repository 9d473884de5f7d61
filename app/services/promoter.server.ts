import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { decodeEventLog, getAddress, isAddress, isHash, type Address, type Hash, type PublicClient } from "viem";
import { concertTicketAbi, paymentEscrowAbi, ticketFactoryAbi } from "~/contracts/abi";
import type { EventInput, FieldErrors } from "~/lib/promoter-event";
import { centsToWei, weiToCents } from "~/lib/prices";
import type { Db } from "../../db/client.server";
import { chainCursors, chainLogs, events, eventStaff, eventTerms, orders, tickets, ticketTiers, users } from "../../db/schema";
import { invalidateEvent } from "./catalog.server";
import type { SessionUser } from "./session.server";
import { ensureBuyer } from "./wallets.server";

/**
 * Promoter tools (docs/decisions/012-promoter-tools.md): drafts in PostgreSQL, publishing verified from
 * the chain (the promoter's own wallet sends createEvent; the server only believes the receipt), the
 * dashboard's aggregates, the attendees export and door staff.
 */

export class PromoterError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors?: FieldErrors,
  ) {
    super(message);
  }
}

export interface Rate {
  answer: bigint;
  decimals: number;
}

function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return base || "event";
}

/**
 * Saves a draft (events.status = draft, tiers, terms). A tier priced in one unit only gets the other
 * from the feed's rate (rounded so the coin price is never below the dollar price); without a rate both
 * are required. Returns the new event's slug.
 */
export async function createDraft(db: Db, promoterId: string, input: EventInput, chainId: number, rate: Rate | null): Promise<{ id: string; slug: string }> {
  const errors: FieldErrors = {};
  const tiers = input.tiers.map((tier, i) => {
    let { priceCents, priceWei } = tier;
    if (priceCents === null || priceWei === null) {
      if (!rate) {
        errors[`tiers.${i}.${priceCents === null ? "price" : "coin"}`] = "No live exchange rate right now: give both prices.";
        return null;
      }
      if (priceWei === null) priceWei = centsToWei(BigInt(priceCents!), rate.answer, rate.decimals);
      else priceCents = Number(weiToCents(priceWei, rate.answer, rate.decimals));
    }
    if (priceWei > 2n ** 128n - 1n) {
      errors[`tiers.${i}.coin`] = "Too large.";
      return null;
    }
    return { name: tier.name, priceCents: priceCents!, priceWei: priceWei.toString(), supply: tier.supply, position: i };
  });
  if (Object.keys(errors).length) throw new PromoterError(400, "Check the highlighted fields.", errors);

  const base = slugify(input.name);
  return db.transaction(async (tx) => {
    const taken = await tx
      .select({ slug: events.slug })
      .from(events)
      .where(sql`${events.slug} = ${base} or ${events.slug} like ${`${base}-%`}`);
    const used = new Set(taken.map((t) => t.slug));
    let slug = base;
    for (let n = 2; used.has(slug); n++) slug = `${base}-${n}`;
    const [row] = await tx
      .insert(events)
      .values({
        slug,
        promoterId,
        name: input.name,
        description: input.description,
        venue: input.venue,
        city: input.city,
        startsAt: input.startsAt,
        imageUrl: input.imageUrl ?? null,
        status: "draft",
        chainId,
      })
      .returning({ id: events.id });
    await tx.insert(ticketTiers).values(tiers.map((t) => ({ ...t!, eventId: row!.id })));
    await tx.insert(eventTerms).values({ eventId: row!.id, royaltyBps: input.royaltyPercent, resaleCapBps: input.resaleCapPercent });
    return { id: row!.id, slug };
  });
}

export interface PromoterEventRow {
  id: string;
  slug: string;
  name: string;
  venue: string;
  city: string;
  startsAt: Date;
  status: "draft" | "published" | "cancelled";
  sold: number;
  supply: number;
}

/** The promoter's events (an admin sees every event), soonest first. */
export async function listPromoterEvents(db: Db, user: Pick<SessionUser, "id" | "role">): Promise<PromoterEventRow[]> {
  return db
    .select({
      id: events.id,
      slug: events.slug,
      name: events.name,
      venue: events.venue,
      city: events.city,
      startsAt: events.startsAt,
      status: events.status,
      sold: sql<number>`coalesce(sum(${ticketTiers.sold}), 0)::int`,
      supply: sql<number>`coalesce(sum(${ticketTiers.supply}), 0)::int`,
    })
    .from(events)
    .leftJoin(ticketTiers, eq(ticketTiers.eventId, events.id))
    .where(user.role === "admin" ? undefined : eq(events.promoterId, user.id))
    .groupBy(events.id)
    .orderBy(asc(events.startsAt), asc(events.createdAt), asc(events.slug));
}

export type OwnedEvent = NonNullable<Awaited<ReturnType<typeof findEvent>>>;

async function findEvent(db: Db, slug: string) {
  const [row] = await db
    .select({
      id: events.id,
      slug: events.slug,
      promoterId: events.promoterId,
      promoterWallet: users.walletAddress,
      name: events.name,
      description: events.description,
      venue: events.venue,
      city: events.city,
      startsAt: events.startsAt,
      imageUrl: events.imageUrl,
      status: events.status,
      chainId: events.chainId,
      onChainId: events.onChainId,
      contractAddress: events.contractAddress,
      waitlistEnabled: events.waitlistEnabled,
      royaltyBps: eventTerms.royaltyBps,
      resaleCapBps: eventTerms.resaleCapBps,
      publishTxHash: eventTerms.publishTxHash,
    })
    .from(events)
    .innerJoin(users, eq(users.id, events.promoterId))
    .leftJoin(eventTerms, eq(eventTerms.eventId, events.id))
    .where(eq(events.slug, slug));
  if (!row) return null;
  const tiers = await db
    .select({
      id: ticketTiers.id,
      position: ticketTiers.position,
      name: ticketTiers.name,
      priceCents: ticketTiers.priceCents,
      priceWei: ticketTiers.priceWei,
      supply: ticketTiers.supply,
      sold: ticketTiers.sold,
    })
    .from(ticketTiers)
    .where(eq(ticketTiers.eventId, row.id))
    .orderBy(asc(ticketTiers.position));
  return { ...row, tiers };
}

/** The event by slug if `user` is its promoter (or an admin): 404 unknown, 403 someone else's. */
export async function ownedEvent(db: Db, user: Pick<SessionUser, "id" | "role">, slug: string): Promise<OwnedEvent> {
  const event = /^[a-z0-9-]{1,120}$/.test(slug) ? await findEvent(db, slug) : null;
  if (!event) throw new PromoterError(404, "We could not find this event.");
  if (user.role !== "admin" && event.promoterId !== user.id) throw new PromoterError(403, "Only this event's promoter can do that.");
  return event;
}

/** Remembers the createEvent transaction the promoter's wallet sent (the progress view follows it). */
export async function recordPublishSubmitted(db: Db, event: OwnedEvent, txHash: string) {
  if (!isHash(txHash)) throw new PromoterError(400, "That is not a transaction hash.");
  if (event.status !== "draft") throw new PromoterError(409, "This event is already published.");
  await db
    .insert(eventTerms)
    .values({ eventId: event.id, royaltyBps: event.royaltyBps ?? 0, resaleCapBps: event.resaleCapBps ?? 0, publishTxHash: txHash, publishSubmittedAt: new Date() })
    .onConflictDoUpdate({ target: eventTerms.eventId, set: { publishTxHash: txHash, publishSubmittedAt: new Date() } });
}

export type PublishStage = "draft" | "submitted" | "confirmed" | "indexed" | "failed";

/**
 * Checks the publishing transaction on chain and, once it is mined, verifies that it created exactly this
 * draft (the factory's EventCreated by the promoter's wallet, same name and start, same tiers on the
 * contract) before recording onChainId + contractAddress and status published. The browser only tells
 * the hash; everything recorded comes from the receipt and the contract.
 */
export async function settlePublication(db: Db, client: PublicClient, factory: Address, event: OwnedEvent): Promise<{ stage: PublishStage; error?: string }> {
  if (event.status !== "draft") {
    if (!event.contractAddress) return { stage: "confirmed" };
    return { stage: (await isIndexed(db, event.chainId, event.contractAddress)) ? "indexed" : "confirmed" };
  }
  if (!event.publishTxHash) return { stage: "draft" };
  const receipt = await client.getTransactionReceipt({ hash: event.publishTxHash as Hash }).catch(() => null);
  if (!receipt) return { stage: "submitted" };
  const fail = async (error: string) => {
    // The draft stays a draft; the promoter can publish again.
    await db.update(eventTerms).set({ publishTxHash: null, publishSubmittedAt: null }).where(eq(eventTerms.eventId, event.id));
    return { stage: "failed" as const, error };
  };
  if (receipt.status !== "success") return fail("The transaction was reverted on chain; nothing was created. Check the form and publish again.");
  const created = receipt.logs
    .filter((l) => l.address.toLowerCase() === factory.toLowerCase())
    .map((l) => {
      try {
        return decodeEventLog({ abi: ticketFactoryAbi, data: l.data, topics: l.topics, eventName: "EventCreated" });
      } catch {
        return null;
      }
    })
    .find((l) => l !== null);
  if (!created) return fail("That transaction did not create an event on the platform's factory.");
  const { eventId, ticket, promoter, name, startsAt } = created.args;
  if (!event.promoterWallet || getAddress(promoter) !== getAddress(event.promoterWallet)) return fail("That event was created by another wallet than yours.");
  if (name !== event.name || Number(startsAt) !== Math.floor(event.startsAt.getTime() / 1000)) return fail("That event's name or start time differs from this draft.");
  const [royalty, cap, ...onChainTiers] = await Promise.all([
    client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "royaltyInfo", args: [0n, 10_000n] }),
    client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "resaleCapBps" }).catch(() => null),
    ...event.tiers.map((t) => client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tier", args: [BigInt(t.position)] })),
  ]);
  const tierCount = await client.readContract({ address: ticket, abi: concertTicketAbi, functionName: "tierCount" });
  const tiersMatch =
    Number(tierCount) === event.tiers.length &&
    event.tiers.every((t, i) => {
      const onChain = onChainTiers[i] as { price: bigint; supply: number };
      return onChain.price === BigInt(t.priceWei) && Number(onChain.supply) === t.supply;
    });
  const termsMatch = Number((royalty as readonly [Address, bigint])[1]) === (event.royaltyBps ?? 0) && (cap === null || Number(cap) === (event.resaleCapBps ?? 0));
  if (!tiersMatch || !termsMatch) return fail("That event's tiers or resale terms differ from this draft.");
  const published = await db
    .update(events)
    .set({ status: "published", onChainId: eventId.toString(), contractAddress: getAddress(ticket) })
    .where(and(eq(events.id, event.id), eq(events.status, "draft")))
    .returning({ id: events.id });
  // The public page and JSON show the live event at once: their cached view still says "no such event"
  // (a draft is not public) for up to EVENT_CACHE_MS otherwise.
  if (published.length) await invalidateEvent(event.slug).catch(() => {});
  return { stage: (await isIndexed(db, event.chainId, ticket)) ? "indexed" : "confirmed" };
}

async function isIndexed(db: Db, chainId: number, contract: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql`1` })
    .from(chainLogs)
    .where(and(eq(chainLogs.chainId, chainId), eq(chainLogs.eventName, "EventCreated"), sql`lower(${chainLogs.args}->>'ticket') = ${contract.toLowerCase()}`))
    .limit(1);
  return Boolean(row);
}

export interface TierSeries {
  position: number;
  name: string;
  supply: number;
  sold: number;
  /** cumulative tickets sold at each time (ms), ascending */
  points: { t: number; sold: number }[];
}

export interface Dashboard {
  tiers: TierSeries[];
  card: { paidCents: number; refundedCents: number; orders: number; ticketsSold: number };
  crypto: { paidWei: string; ticketsSold: number };
  royalties: { wei: string; resales: number };
  checkIns: { checkedIn: number; total: number };
  refunds: { claimed: number };
  indexedBlock: number | null;
}

/** The dashboard's numbers, from orders (card), tickets and chain_logs (chain). */
export async function dashboard(db: Db, event: Pick<OwnedEvent, "id" | "chainId" | "contractAddress" | "tiers">): Promise<Dashboard> {
  const contract = event.contractAddress?.toLowerCase() ?? null;
  const [cardRows, ticketRows, mints, resales, cursor] = await Promise.all([
    db
      .select({ status: orders.status, cents: sql<string>`coalesce(sum(${orders.amountCents}), 0)`, n: sql<number>`count(*)::int`, qty: sql<number>`coalesce(sum(${orders.quantity}), 0)::int` })
      .from(orders)
      .where(and(eq(orders.eventId, event.id), inArray(orders.status, ["paid", "refunded"])))
      .groupBy(orders.status),
    db
      .select({
        paidWei: sql<string>`coalesce(sum(${tickets.paidWei}), 0)::text`,
        crypto: sql<number>`count(*) filter (where ${tickets.paidWei} > 0)::int`,
        total: sql<number>`count(*)::int`,
        checkedIn: sql<number>`count(*) filter (where ${tickets.checkedIn})::int`,
        refunded: sql<number>`count(*) filter (where ${tickets.refunded})::int`,
      })
      .from(tickets)
      .where(contract ? and(eq(tickets.chainId, event.chainId), eq(tickets.contractAddress, contract)) : sql`false`),
    contract
      ? db.execute<{ tier: number; at: Date | string | null; block: number }>(sql`
          select t.tier_position as tier, l.block_time as at, t.minted_block as block
          from ${tickets} t
          left join ${chainLogs} l on l.chain_id = t.chain_id and l.block_number = t.minted_block and l.address = t.contract_address
            and l.event_name = 'Transfer' and l.args->>'tokenId' = t.token_id::text
          where t.chain_id = ${event.chainId} and t.contract_address = ${contract} and t.tier_position is not null
          order by t.minted_block, t.token_id`)
      : Promise.resolve([]),
    contract
      ? db
          .select({ royalty: sql<string>`coalesce(sum((${chainLogs.args}->>'royalty')::numeric), 0)::text`, n: sql<number>`count(*)::int` })
          .from(chainLogs)
          .where(and(eq(chainLogs.chainId, event.chainId), eq(chainLogs.eventName, "OrderFilled"), sql`lower(${chainLogs.args}->>'token') = ${contract}`))
      : Promise.resolve([{ royalty: "0", n: 0 }]),
    db.select({ block: chainCursors.blockNumber }).from(chainCursors).where(eq(chainCursors.chainId, event.chainId)),
  ]);
  const rows = (Array.isArray(mints) ? mints : (mints as { rows: unknown[] }).rows) as { tier: number; at: Date | string | null }[];
  const paid = cardRows.find((r) => r.status === "paid");
  const refunded = cardRows.find((r) => r.status === "refunded");
  const t = ticketRows[0]!;
  const series = event.tiers.map<TierSeries>((tier) => ({ position: tier.position, name: tier.name, supply: tier.supply, sold: tier.sold, points: [] }));
  const counts = new Map<number, number>();
  for (const row of rows) {
    const s = series.find((x) => x.position === Number(row.tier));
    if (!s || !row.at) continue;
    const n = (counts.get(s.position) ?? 0) + 1;
    counts.set(s.position, n);
    const at = new Date(row.at).getTime();
    const last = s.points[s.points.length - 1];
    if (last && last.t === at) last.sold = n;
    else s.points.push({ t: at, sold: n });
  }
  return {
    tiers: series,
    card: { paidCents: Number(paid?.cents ?? 0), refundedCents: Number(refunded?.cents ?? 0), orders: (paid?.n ?? 0) + (refunded?.n ?? 0), ticketsSold: paid?.qty ?? 0 },
    crypto: { paidWei: t.paidWei, ticketsSold: t.crypto },
    royalties: { wei: resales[0]?.royalty ?? "0", resales: resales[0]?.n ?? 0 },
    checkIns: { checkedIn: t.checkedIn, total: t.total },
    refunds: { claimed: t.refunded },
    indexedBlock: cursor[0]?.block ?? null,
  };
}

/**
 * The chain's clock (the latest block's timestamp, ms), or null when the chain cannot be read. The escrow
 * releases proceeds by block.timestamp, so the dashboard offers the withdrawal when either clock says the
 * show has started (an idle local chain's last block can be old; its next block takes the wall clock).
 */
export async function chainClock(client: PublicClient): Promise<number | null> {
  return client
    .getBlock({ blockTag: "latest" })
    .then((block) => Number(block.timestamp) * 1000)
    .catch(() => null);
}

/** Primary proceeds the escrow holds for this event (wei), or null when the chain cannot be read. */
export async function proceedsHeld(client: PublicClient, escrow: Address, contract: string | null): Promise<bigint | null> {
  if (!contract) return 0n;
  return client.readContract({ address: escrow, abi: paymentEscrowAbi, functionName: "proceeds", args: [contract as Address] }).catch(() => null);
}

function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  // Spreadsheet formula injection: a cell starting with = + - @ is made text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The attendees export: one line per ticket, its holder and how it was bought. */
export async function attendeesCsv(db: Db, event: Pick<OwnedEvent, "id" | "chainId" | "contractAddress" | "tiers">): Promise<string> {
  const header = ["token_id", "tier", "holder_wallet", "holder_email", "holder_name", "bought_with", "paid_wei", "checked_in", "refunded"];
  const lines = [header.join(",")];
  if (event.contractAddress) {
    const rows = await db.execute<Record<string, unknown>>(sql`
      select t.token_id::text as token_id, t.tier_position, t.owner, t.paid_wei::text as paid_wei, t.checked_in, t.refunded,
        coalesce(u.email, eu.email) as email, coalesce(u.display_name, eu.display_name) as display_name
      from ${tickets} t
      left join users u on lower(u.wallet_address) = t.owner
      left join embedded_wallets ew on lower(ew.address) = t.owner
      left join users eu on eu.id = ew.user_id
      where t.chain_id = ${event.chainId} and t.contract_address = ${event.contractAddress.toLowerCase()}
      order by t.token_id`);
    const list = (Array.isArray(rows) ? rows : (rows as { rows: Record<string, unknown>[] }).rows) as Record<string, unknown>[];
    for (const r of list) {
      const tier = event.tiers.find((x) => x.position === Number(r.tier_position));
      lines.push(
        [
          r.token_id,
          tier?.name ?? "",
          getAddress(String(r.owner)),
          r.email,
          r.display_name,
          BigInt(String(r.paid_wei)) > 0n ? "wallet" : "card",
          r.paid_wei,
          r.checked_in ? "yes" : "no",
          r.refunded ? "yes" : "no",
        ]
          .map(csvCell)
          .join(","),
      );
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

export interface StaffRow {
  userId: string;
  displayName: string;
  email: string | null;
  address: string | null;
  addedAt: Date;
}

export async function listStaff(db: Db, eventId: string): Promise<StaffRow[]> {
  const rows = await db.execute<{ user_id: string; display_name: string; email: string | null; address: string | null; created_at: Date | string }>(sql`
    select s.user_id, u.display_name, u.email, coalesce(u.wallet_address, ew.address) as address, s.created_at
    from ${eventStaff} s join users u on u.id = s.user_id
    left join embedded_wallets ew on ew.user_id = u.id
    where s.event_id = ${eventId} order by s.created_at`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { user_id: string; display_name: string; email: string | null; address: string | null; created_at: Date | string }[];
  return list.map((r) => ({ userId: r.user_id, displayName: r.display_name, email: r.email, address: r.address ? getAddress(r.address) : null, addedAt: new Date(r.created_at) }));
}

/**
 * Adds door staff by wallet address or email: finds or creates the user (an email gets an embedded
 * wallet), records event_staff, and returns the address the promoter's wallet grants scannerRole to.
 */
export async function addStaff(db: Db, eventId: string, who: string): Promise<{ userId: string; address: Address }> {
  const value = who.trim();
  if (isAddress(value)) {
    const address = getAddress(value);
    await db
      .insert(users)
      .values({ displayName: `${address.slice(0, 6)}…${address.slice(-4)}`, walletAddress: address, role: "scanner" })
      .onConflictDoNothing();
    const [user] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.walletAddress}) = ${address.toLowerCase()}`);
    await db.insert(eventStaff).values({ eventId, userId: user!.id }).onConflictDoNothing();
    return { userId: user!.id, address };
  }
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) && value.length <= 254) {
    const { userId, address } = await ensureBuyer(db, value.toLowerCase());
    const [user] = await db.select({ wallet: users.walletAddress }).from(users).where(eq(users.id, userId));
    await db.insert(eventStaff).values({ eventId, userId }).onConflictDoNothing();
    return { userId, address: user?.wallet ? getAddress(user.wallet) : address };
  }
  throw new PromoterError(400, "Enter a wallet address (0x…) or an email address.", { staff: "Enter a wallet address (0x…) or an email address." });
}

/** Recent events first, for the dashboard's header. */
export async function latestOrders(db: Db, eventId: string, limit = 10) {
  return db
    .select({ id: orders.id, status: orders.status, quantity: orders.quantity, amountCents: orders.amountCents, email: orders.email, createdAt: orders.createdAt })
    .from(orders)
    .where(eq(orders.eventId, eventId))
    .orderBy(desc(orders.createdAt))
    .limit(limit);
}

/** A PromoterError as the Response a route throws or returns (JSON with field errors for 400). */
export function promoterResponse(error: unknown): Response {
  if (error instanceof PromoterError) {
    return Response.json({ error: error.message, fieldErrors: error.fieldErrors ?? {} }, { status: error.status });
  }
  throw error;
}
