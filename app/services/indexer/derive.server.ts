import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../db/client.server";
import { chainLogs, events, tickets } from "../../../db/schema";
import type { StoredLog } from "./decode.server";

/**
 * Derived state from decoded logs: the `tickets` table, event cancellation and on-chain ids on `events`,
 * and `ticket_tiers.sold`. The same code applies new logs and rebuilds after a reorg, so a rebuild gives
 * exactly what applying the surviving logs in order gave.
 */

/** A Drizzle database or transaction. */
export type Executor = Pick<Db, "select" | "insert" | "update" | "delete" | "execute">;

export interface DeriveContext {
  chainId: number;
  /** the fractions vault: a ticket it holds is fractionalized */
  fractions: string;
}

const ZERO = "0x0000000000000000000000000000000000000000";
const s = (value: unknown) => String(value);

/** Keys of tickets whose state changed (for metadata refresh). */
export interface TicketKey {
  contract: string;
  tokenId: string;
}

export interface Applied {
  /** ticket contracts whose tickets or tiers changed */
  contracts: Set<string>;
  touched: TicketKey[];
}

/**
 * Applies `logs` (in block/log order) to the derived tables. `ticketContracts` tells which addresses are
 * ConcertTicket clones. Mints are inserted in bulk.
 */
export async function applyLogs(db: Executor, ctx: DeriveContext, logs: StoredLog[], ticketContracts: Set<string>): Promise<Applied> {
  const applied: Applied = { contracts: new Set(), touched: [] };
  let mints: (typeof tickets.$inferInsert)[] = [];
  const flush = async () => {
    for (let i = 0; i < mints.length; i += 1000) {
      await db.insert(tickets).values(mints.slice(i, i + 1000)).onConflictDoNothing();
    }
    mints = [];
  };
  const range = (contract: string, first: string, quantity: string) => {
    const from = BigInt(first);
    const to = from + BigInt(quantity) - 1n;
    for (let id = from; id <= to && applied.touched.length < 100_000; id++) applied.touched.push({ contract, tokenId: id.toString() });
    return and(
      eq(tickets.chainId, ctx.chainId),
      eq(tickets.contractAddress, contract),
      sql`${tickets.tokenId} between ${from.toString()}::numeric and ${to.toString()}::numeric`,
    );
  };
  const one = (contract: string, tokenId: string) => {
    applied.touched.push({ contract, tokenId });
    return and(eq(tickets.chainId, ctx.chainId), eq(tickets.contractAddress, contract), eq(tickets.tokenId, tokenId));
  };

  for (const log of logs) {
    const a = log.args;
    const isTicket = ticketContracts.has(log.address);
    if (isTicket && log.eventName === "Transfer" && s(a.from) === ZERO) {
      const owner = s(a.to);
      mints.push({
        chainId: ctx.chainId,
        contractAddress: log.address,
        tokenId: s(a.tokenId),
        owner,
        originalOwner: owner,
        mintedBlock: log.blockNumber,
        updatedBlock: log.blockNumber,
      });
      applied.contracts.add(log.address);
      applied.touched.push({ contract: log.address, tokenId: s(a.tokenId) });
      continue;
    }
    await flush();
    if (isTicket) {
      switch (log.eventName) {
        case "Transfer":
          await db
            .update(tickets)
            .set({ owner: s(a.to), fractionalized: s(a.to) === ctx.fractions, updatedBlock: log.blockNumber })
            .where(one(log.address, s(a.tokenId)));
          break;
        case "TicketsPurchased": {
          const paidEach = (BigInt(s(a.paid)) / BigInt(s(a.quantity))).toString();
          await db
            .update(tickets)
            .set({ tierPosition: Number(a.tierId), paidWei: paidEach, updatedBlock: log.blockNumber })
            .where(range(log.address, s(a.firstTokenId), s(a.quantity)));
          applied.contracts.add(log.address);
          break;
        }
        case "TicketsIssued":
        case "OrderIssued":
          await db
            .update(tickets)
            .set({ tierPosition: Number(a.tierId), updatedBlock: log.blockNumber })
            .where(range(log.address, s(a.firstTokenId), s(a.quantity)));
          applied.contracts.add(log.address);
          break;
        case "TicketCheckedIn":
          await db.update(tickets).set({ checkedIn: true, updatedBlock: log.blockNumber }).where(one(log.address, s(a.tokenId)));
          break;
        case "EventCancelled":
          await db
            .update(events)
            .set({ status: "cancelled" })
            .where(and(eq(events.chainId, ctx.chainId), sql`lower(${events.contractAddress}) = ${log.address}`));
          applied.contracts.add(log.address);
          break;
      }
      continue;
    }
    switch (log.eventName) {
      case "EventCreated":
        await db
          .update(events)
          .set({ onChainId: s(a.eventId) })
          .where(and(eq(events.chainId, ctx.chainId), sql`lower(${events.contractAddress}) = ${s(a.ticket)}`, isNull(events.onChainId)));
        break;
      case "RefundClaimed":
        await db.update(tickets).set({ refunded: true, updatedBlock: log.blockNumber }).where(one(s(a.ticket), s(a.tokenId)));
        break;
      case "Fractionalized":
        await db.update(tickets).set({ fractionalized: true, updatedBlock: log.blockNumber }).where(one(s(a.ticket), s(a.tokenId)));
        break;
    }
  }
  await flush();
  return applied;
}

/** Links tickets to their `events` row (an event row may be written after its first tickets were indexed). */
export async function linkTicketsToEvents(db: Executor, chainId: number) {
  await db.execute(sql`
    update ${tickets} t set event_id = e.id
    from ${events} e
    where t.event_id is null and t.chain_id = ${chainId} and e.chain_id = ${chainId}
      and lower(e.contract_address) = t.contract_address`);
}

/**
 * Keeps `ticket_tiers.sold` in step with the chain for these ticket contracts: the number of indexed tickets
 * per tier. `exact: false` (normal progress) only raises it (GREATEST), so a card worker that already
 * counted a mint it sent is never lowered to the indexer's older view; `exact: true` (after a reorg
 * rewound sales) sets it to the recount.
 */
export async function recountTierSold(db: Executor, chainId: number, contracts: string[] | "all", exact: boolean) {
  if (contracts !== "all" && contracts.length === 0) return;
  const scope =
    contracts === "all"
      ? sql`true`
      : sql`lower(e.contract_address) in (${sql.join(contracts.map((c) => sql`${c.toLowerCase()}`), sql`, `)})`;
  const count = sql`(select count(*)::int from ${tickets} t
      where t.chain_id = e.chain_id and t.contract_address = lower(e.contract_address) and t.tier_position = tt.position)`;
  await db.execute(sql`
    update ticket_tiers tt set sold = ${exact ? count : sql`greatest(tt.sold, ${count})`}
    from ${events} e
    where e.id = tt.event_id and e.chain_id = ${chainId} and e.contract_address is not null and ${scope}`);
}

/** Ticket contracts known from EventCreated logs already stored. */
export async function knownTicketContracts(db: Executor, chainId: number): Promise<Set<string>> {
  const rows = await db
    .select({ args: chainLogs.args })
    .from(chainLogs)
    .where(and(eq(chainLogs.chainId, chainId), eq(chainLogs.eventName, "EventCreated")));
  return new Set(rows.map((r) => String(r.args.ticket).toLowerCase()));
}

/**
 * Rebuilds every derived row of `chainId` from the stored logs (after a reorg rewound some of them).
 * Events whose cancellation was rewound are published again.
 */
export async function rebuildDerived(db: Executor, ctx: DeriveContext) {
  await db.delete(tickets).where(eq(tickets.chainId, ctx.chainId));
  const contracts = await knownTicketContracts(db, ctx.chainId);
  let after: { blockNumber: number; logIndex: number } | null = null;
  for (;;) {
    const page: StoredLog[] = await db
      .select({
        blockNumber: chainLogs.blockNumber,
        logIndex: chainLogs.logIndex,
        blockHash: chainLogs.blockHash,
        txHash: chainLogs.txHash,
        address: chainLogs.address,
        eventName: chainLogs.eventName,
        args: chainLogs.args,
      })
      .from(chainLogs)
      .where(
        and(
          eq(chainLogs.chainId, ctx.chainId),
          after
            ? sql`(${chainLogs.blockNumber}, ${chainLogs.logIndex}) > (${after.blockNumber}, ${after.logIndex})`
            : undefined,
        ),
      )
      .orderBy(asc(chainLogs.blockNumber), asc(chainLogs.logIndex))
      .limit(5000);
    if (page.length === 0) break;
    await applyLogs(db, ctx, page, contracts);
    const last = page[page.length - 1]!;
    after = { blockNumber: last.blockNumber, logIndex: last.logIndex };
  }
  await db.execute(sql`
    update ${events} e set status = 'published'
    where e.chain_id = ${ctx.chainId} and e.status = 'cancelled' and e.contract_address is not null
      and not exists (select 1 from ${chainLogs} l where l.chain_id = e.chain_id
        and l.address = lower(e.contract_address) and l.event_name = 'EventCancelled')`);
  await linkTicketsToEvents(db, ctx.chainId);
  await recountTierSold(db, ctx.chainId, "all", true);
}

