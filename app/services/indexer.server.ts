import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import { parseAbiItem, type Address, type Log, type PublicClient } from "viem";
import type { DbHandle } from "../../db/client.server";
import { chainCursors, chainLogs, indexedBlocks } from "../../db/schema";
import type { Deployment } from "./deployments.server";
import { decodePlatformLog, type ContractKind, type StoredLog } from "./indexer/decode.server";
import {
  applyLogs,
  knownTicketContracts,
  linkTicketsToEvents,
  rebuildDerived,
  recountTierSold,
  type TicketKey,
} from "./indexer/derive.server";

/**
 * The chain indexer: follows every platform contract's events into PostgreSQL (docs/decisions/008-chain-indexer.md).
 *
 *  - one leader per chain across app servers (`tryLock("indexer:<chainId>")`); the others stand by;
 *  - reads up to `head - confirmations` in bounded ranges with retry/backoff;
 *  - the factory's EventCreated logs are read first for each range, so a ticket contract created and used
 *    in the same range is followed from its first block;
 *  - stores decoded logs in `chain_logs`, applies them to `tickets` / `ticket_tiers.sold`, records block
 *    hashes in `indexed_blocks` and the cursor in `chain_cursors`, all in one transaction per range;
 *  - a reorg (the next block's parent is not the stored hash) rewinds to the fork point, deletes the logs
 *    above it and rebuilds the derived rows from the logs that remain.
 */

/** Blocks behind the head the indexer stays (see the decision record for the reasoning). */
export const DEFAULT_CONFIRMATIONS: Record<number, number> = {
  31337: 0, // embedded Hardhat chain: instant, single node
  80002: 32, // Polygon Amoy
  137: 32, // Polygon PoS: ~2 s blocks, ≈ 1 minute behind
  11155111: 12, // Sepolia
  1: 12, // Ethereum: 12 blocks ≈ 2.4 minutes
};

export interface IndexerOptions {
  handle: DbHandle;
  client: PublicClient;
  chainId: number;
  deployment: Deployment;
  confirmations?: number;
  /** first block to read when no cursor exists (the deployment block on a real chain) */
  startBlock?: number;
  /** blocks per eth_getLogs call */
  rangeSize?: number;
  /** pause between polls once caught up */
  pollMs?: number;
  /** pause before a stand-by instance tries to take the lock again */
  standbyMs?: number;
  log?: (message: string) => void;
  /** called after each committed range with the tickets whose state changed (e.g. metadata refresh) */
  onTicketsChanged?: (chainId: number, keys: TicketKey[]) => Promise<void>;
}

export interface Indexer {
  readonly chainId: number;
  /** true while this instance holds the lock and indexes */
  isLeader(): boolean;
  /** Catches up once now if this instance is the leader; returns the cursor block (null before the first block). */
  syncOnce(): Promise<number | null>;
  /** Resolves once the cursor (of whichever instance leads) reaches `blockNumber`; rejects after `timeoutMs`. */
  waitFor(blockNumber: number | bigint, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const eventCreated = parseAbiItem(
  "event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt)",
);

const sleep = (ms: number, signal?: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (signal) signal.wake = () => (clearTimeout(timer), resolve());
  });

/** Retries `fn` with exponential backoff (250 ms, 500 ms, … up to `attempts`). */
export async function withRetry<T>(what: string, fn: () => Promise<T>, attempts = 5, baseMs = 250): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      if (attempt < attempts - 1) await sleep(baseMs * 2 ** attempt);
    }
  }
  throw new Error(`${what} failed after ${attempts} attempts: ${(lastError as Error)?.message?.split("\n")[0]}`);
}

class ReorgDetected extends Error {}

export async function readCursor(handle: DbHandle, chainId: number) {
  const [row] = await handle.db.select().from(chainCursors).where(eq(chainCursors.chainId, chainId));
  return row ?? null;
}

export function startIndexer(options: IndexerOptions): Indexer {
  const {
    handle,
    client,
    chainId,
    deployment,
    rangeSize = 2_000,
    pollMs = chainId === 31337 ? 500 : 4_000,
    standbyMs = 5_000,
    log = () => {},
  } = options;
  const confirmations = options.confirmations ?? DEFAULT_CONFIRMATIONS[chainId] ?? 12;
  const startBlock = options.startBlock ?? 0;
  const lockName = `indexer:${chainId}`;
  const fractions = deployment.fractions.toLowerCase();
  const kinds = new Map<string, ContractKind>([
    [deployment.factory.toLowerCase(), "factory"],
    [deployment.marketplace.toLowerCase(), "marketplace"],
    [fractions, "fractions"],
    [deployment.escrow.toLowerCase(), "escrow"],
  ]);
  let ticketContracts: Set<string> | null = null;
  let lease: { release(): Promise<void> } | null = null;
  let stopped = false;
  let acquiring: Promise<boolean> | null = null;
  const wake: { wake?: () => void } = {};

  /** Takes the indexer lock if free (one attempt at a time from the loop and syncOnce). */
  const acquire = (): Promise<boolean> => {
    if (lease) return Promise.resolve(true);
    acquiring ??= handle
      .tryLock(lockName)
      .then((taken) => {
        if (taken && stopped) {
          void taken.release();
          return false;
        }
        lease = taken;
        if (lease) log(`indexer: leading chain ${chainId} (confirmations ${confirmations})`);
        return lease !== null;
      })
      .finally(() => (acquiring = null));
    return acquiring;
  };
  let running: Promise<unknown> = Promise.resolve();

  /** Serializes catch-up runs (the poll loop and syncOnce). */
  const serialized = <T,>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn);
    running = next.catch(() => {});
    return next;
  };

  async function contracts() {
    if (!ticketContracts) {
      ticketContracts = await knownTicketContracts(handle.db, chainId);
      for (const c of ticketContracts) kinds.set(c, "ticket");
    }
    return ticketContracts;
  }

  async function getLogs(addresses: Address[], fromBlock: number, toBlock: number): Promise<Log[]> {
    const out: Log[] = [];
    // Providers cap the address list of one filter; 500 per call stays well inside common limits.
    for (let i = 0; i < addresses.length; i += 500) {
      const chunk = addresses.slice(i, i + 500);
      out.push(
        ...(await withRetry(`eth_getLogs ${fromBlock}-${toBlock}`, () =>
          client.getLogs({ address: chunk, fromBlock: BigInt(fromBlock), toBlock: BigInt(toBlock) }),
        )),
      );
    }
    return out;
  }

  /** Finds the highest stored block still on the chain, deletes what lies above it, rebuilds. */
  async function rewind(head: number) {
    const stored = await handle.db
      .select({ number: indexedBlocks.number, hash: indexedBlocks.hash })
      .from(indexedBlocks)
      .where(eq(indexedBlocks.chainId, chainId))
      .orderBy(desc(indexedBlocks.number));
    let fork: { number: number; hash: string } | null = null;
    for (const row of stored) {
      if (row.number > head) continue;
      const block = await withRetry(`eth_getBlockByNumber ${row.number}`, () => client.getBlock({ blockNumber: BigInt(row.number) }));
      if (block.hash === row.hash) {
        fork = row;
        break;
      }
    }
    await handle.db.transaction(async (tx) => {
      const above = fork ? fork.number : startBlock - 1;
      await tx.delete(chainLogs).where(and(eq(chainLogs.chainId, chainId), gt(chainLogs.blockNumber, above)));
      await tx.delete(indexedBlocks).where(and(eq(indexedBlocks.chainId, chainId), gt(indexedBlocks.number, above)));
      if (fork) {
        await tx
          .update(chainCursors)
          .set({ blockNumber: fork.number, blockHash: fork.hash, updatedAt: new Date() })
          .where(eq(chainCursors.chainId, chainId));
      } else {
        await tx.delete(chainCursors).where(eq(chainCursors.chainId, chainId));
      }
      await rebuildDerived(tx, { chainId, fractions });
    });
    ticketContracts = null;
    for (const [address, kind] of kinds) if (kind === "ticket") kinds.delete(address);
    log(`reorg on chain ${chainId}: rewound to block ${fork ? fork.number : "(start)"} and rebuilt tickets from the remaining logs`);
  }

  /** One range [from, to]: returns after committing it. Throws ReorgDetected when the chain moved under us. */
  async function indexRange(cursor: { blockNumber: number; blockHash: string } | null, from: number, to: number) {
    const [first, last] = await Promise.all([
      withRetry(`block ${from}`, () => client.getBlock({ blockNumber: BigInt(from) })),
      from === to ? null : withRetry(`block ${to}`, () => client.getBlock({ blockNumber: BigInt(to) })),
    ]);
    if (cursor && first.parentHash !== cursor.blockHash) throw new ReorgDetected();
    const toBlock = last ?? first;

    const known = await contracts();
    // New ticket contracts first, so their own logs in this very range are read too.
    const created = await withRetry(`EventCreated ${from}-${to}`, () =>
      client.getLogs({ address: deployment.factory, event: eventCreated, fromBlock: BigInt(from), toBlock: BigInt(to) }),
    );
    const fresh = created.map((l) => l.args.ticket!.toLowerCase()).filter((a) => !known.has(a));
    for (const address of fresh) kinds.set(address, "ticket");

    const raw = await getLogs([...kinds.keys()] as Address[], from, to);
    // The range is consistent only if its last block is still the one we looked at.
    const again = await withRetry(`block ${to}`, () => client.getBlock({ blockNumber: BigInt(to) }));
    if (again.hash !== toBlock.hash || raw.some((l) => Number(l.blockNumber) === to && l.blockHash !== toBlock.hash)) {
      for (const address of fresh) kinds.delete(address);
      throw new ReorgDetected();
    }

    const decoded: StoredLog[] = [];
    const seen = new Set<string>();
    for (const l of raw) {
      const kind = kinds.get(l.address.toLowerCase());
      const key = `${l.blockNumber}:${l.logIndex}`;
      if (!kind || seen.has(key)) continue;
      seen.add(key);
      const d = decodePlatformLog(l, kind);
      if (d) decoded.push(d);
    }
    decoded.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    const newContracts = new Set([...known, ...fresh]);

    // Block times of blocks with logs (the range's ends are known already).
    const times = new Map<number, Date>([
      [from, new Date(Number(first.timestamp) * 1000)],
      [to, new Date(Number(toBlock.timestamp) * 1000)],
    ]);
    const missing = [...new Set(decoded.map((d) => d.blockNumber))].filter((n) => !times.has(n));
    for (let i = 0; i < missing.length; i += 10) {
      const blocks = await Promise.all(
        missing.slice(i, i + 10).map((n) => withRetry(`block ${n}`, () => client.getBlock({ blockNumber: BigInt(n) }))),
      );
      for (const b of blocks) times.set(Number(b.number), new Date(Number(b.timestamp) * 1000));
    }

    const hashes = new Map<number, string>([[to, toBlock.hash!], [from, first.hash!]]);
    for (const d of decoded) hashes.set(d.blockNumber, d.blockHash);
    const keep = Math.max(256, confirmations * 8);

    const applied = await handle.db.transaction(async (tx) => {
      if (decoded.length) {
        for (let i = 0; i < decoded.length; i += 500) {
          await tx
            .insert(chainLogs)
            .values(decoded.slice(i, i + 500).map((d) => ({ ...d, chainId, blockTime: times.get(d.blockNumber) ?? null })))
            .onConflictDoNothing();
        }
      }
      const result = await applyLogs(tx, { chainId, fractions }, decoded, newContracts);
      if (result.contracts.size) {
        await linkTicketsToEvents(tx, chainId);
        await recountTierSold(tx, chainId, [...result.contracts], false);
      }
      await tx
        .insert(indexedBlocks)
        .values([...hashes].map(([number, hash]) => ({ chainId, number, hash })))
        .onConflictDoUpdate({ target: [indexedBlocks.chainId, indexedBlocks.number], set: { hash: sql`excluded.hash` } });
      await tx.delete(indexedBlocks).where(and(eq(indexedBlocks.chainId, chainId), lt(indexedBlocks.number, to - keep)));
      await tx
        .insert(chainCursors)
        .values({ chainId, blockNumber: to, blockHash: toBlock.hash!, updatedAt: new Date() })
        .onConflictDoUpdate({
          target: chainCursors.chainId,
          set: { blockNumber: to, blockHash: toBlock.hash!, updatedAt: new Date() },
        });
      return result;
    });
    ticketContracts = newContracts;
    if (fresh.length) log(`following ${fresh.length} new ticket contract(s) from block ${from}`);
    if (applied.touched.length && options.onTicketsChanged) {
      await options.onTicketsChanged(chainId, applied.touched).catch((error) =>
        log(`after block ${to}: ${(error as Error).message.split("\n")[0]}`),
      );
    }
  }

  async function catchUp(): Promise<number | null> {
    for (let rounds = 0; rounds < 10_000 && !stopped; rounds++) {
      const head = Number(await withRetry("eth_blockNumber", () => client.getBlockNumber({ cacheTime: 0 })));
      const target = head - confirmations;
      const cursor = await readCursor(handle, chainId);
      if (cursor && cursor.blockNumber > head) {
        await rewind(head);
        continue;
      }
      const from = cursor ? cursor.blockNumber + 1 : startBlock;
      if (from > target) {
        // Nothing new to read: still make sure the block we stopped at is on the chain.
        if (cursor) {
          const block = await withRetry(`block ${cursor.blockNumber}`, () => client.getBlock({ blockNumber: BigInt(cursor.blockNumber) }));
          if (block.hash !== cursor.blockHash) {
            await rewind(head);
            continue;
          }
        }
        return cursor?.blockNumber ?? null;
      }
      const to = Math.min(target, from + rangeSize - 1);
      try {
        await indexRange(cursor, from, to);
      } catch (error) {
        if (error instanceof ReorgDetected) {
          await rewind(head);
          continue;
        }
        throw error;
      }
    }
    return (await readCursor(handle, chainId))?.blockNumber ?? null;
  }

  async function loop() {
    let failures = 0;
    // Every pause re-checks `stopped` in the same tick as it registers its wake-up, so stop() never waits a poll.
    const pause = (ms: number) => (stopped ? Promise.resolve() : sleep(ms, wake));
    while (!stopped) {
      try {
        if (!(await acquire())) {
          await pause(standbyMs);
          continue;
        }
        await serialized(catchUp);
        failures = 0;
        await pause(pollMs);
      } catch (error) {
        failures++;
        log(`indexer: ${(error as Error).message.split("\n")[0]} (retrying)`);
        await pause(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
      }
    }
  }
  const done = loop();

  return {
    chainId,
    isLeader: () => lease !== null,
    async syncOnce() {
      if (!stopped && (await acquire())) return serialized(catchUp);
      return (await readCursor(handle, chainId))?.blockNumber ?? null;
    },
    async waitFor(blockNumber, timeoutMs = 30_000) {
      const wanted = Number(blockNumber);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const cursor = await readCursor(handle, chainId);
        if (cursor && cursor.blockNumber >= wanted) return;
        if (Date.now() > deadline) throw new Error(`indexer did not reach block ${wanted} within ${timeoutMs} ms (at ${cursor?.blockNumber ?? "none"})`);
        wake.wake?.();
        await sleep(100);
      }
    },
    async stop() {
      stopped = true;
      wake.wake?.();
      await done;
      await running;
      await acquiring;
      if (lease) {
        await lease.release();
        lease = null;
      }
    },
  };
}

/** Lag of the indexed cursor behind the chain head, for /healthz. */
export async function indexerLag(handle: DbHandle, client: PublicClient, chainId: number) {
  const [cursor, head] = await Promise.all([readCursor(handle, chainId), client.getBlockNumber({ cacheTime: 0 })]);
  const confirmations = DEFAULT_CONFIRMATIONS[chainId] ?? 12;
  return {
    cursor: cursor?.blockNumber ?? null,
    head: Number(head),
    confirmations,
    lag: cursor ? Math.max(0, Number(head) - cursor.blockNumber) : null,
    updatedAt: cursor?.updatedAt.toISOString() ?? null,
  };
}
