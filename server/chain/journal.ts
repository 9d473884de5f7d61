import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from "node:fs";

/**
 * A journaling EIP-1193 provider for the embedded Hardhat chain (docs/decisions/003-local-chain-journal.md).
 *
 * Hardhat keeps its chain in memory only. Every call that changes chain state goes through here, one at
 * a time, and is appended to an NDJSON journal (fsynced before the caller gets its answer) together with
 * the timestamp of the block it produced. Replaying the journal on a fresh node with the same genesis
 * (same initialDate, chain id and accounts) rebuilds identical blocks, hashes, addresses and balances.
 */

export interface Eip1193Request {
  method: string;
  params?: unknown[] | Record<string, unknown>;
}

export interface BaseProvider {
  request(args: Eip1193Request): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  addListener(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface JournalEntry {
  /** JSON-RPC method */
  m: string;
  /** params */
  p: unknown[];
  /** timestamp of the first block this call mined (mining calls only) */
  ts?: number;
  /** false when the call threw (a reverted transaction still mines a block) */
  ok: boolean;
}

/** Calls that mine a block: journaled with the timestamp of the block they produced. */
const MINING = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "hardhat_mine"]);

/** Calls that change node state without mining: journaled as they are. */
const STATE_SETTING = new Set([
  "evm_increaseTime",
  "evm_setNextBlockTimestamp",
  "evm_setBlockGasLimit",
  "hardhat_setBalance",
  "hardhat_setCode",
  "hardhat_setNonce",
  "hardhat_setStorageAt",
  "hardhat_setCoinbase",
  "hardhat_setPrevRandao",
  "hardhat_setMinGasPrice",
  "hardhat_setNextBlockBaseFeePerGas",
  "hardhat_impersonateAccount",
  "hardhat_stopImpersonatingAccount",
]);

/** Calls that cannot be replayed faithfully: refused while journaling. */
const REFUSED = new Set([
  "evm_snapshot",
  "evm_revert",
  "hardhat_reset",
  "evm_setIntervalMining",
  "evm_setAutomine",
  "hardhat_dropTransaction",
  "hardhat_setLoggingEnabled",
]);

export class JournalRefusedError extends Error {
  readonly code = -32601;
  constructor(method: string) {
    super(`${method} is not available on the journaled local chain (its state must stay replayable)`);
  }
}

function asArray(params: Eip1193Request["params"]): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

async function blockNumber(base: BaseProvider): Promise<bigint> {
  return BigInt((await base.request({ method: "eth_blockNumber" })) as string);
}

async function blockTimestamp(base: BaseProvider, number: bigint): Promise<number> {
  const block = (await base.request({
    method: "eth_getBlockByNumber",
    params: [`0x${number.toString(16)}`, false],
  })) as { timestamp: string } | null;
  if (!block) throw new Error(`block ${number} not found while journaling`);
  return Number(BigInt(block.timestamp));
}

export function readJournal(file: string): { entries: JournalEntry[]; truncated: boolean } {
  if (!existsSync(file)) return { entries: [], truncated: false };
  const lines = readFileSync(file, "utf8").split("\n");
  const entries: JournalEntry[] = [];
  let truncated = false;
  lines.forEach((line, index) => {
    if (!line) return;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      // Only the last line can be torn (a crash in the middle of a write); anything else is corruption.
      if (index >= lines.length - 2) truncated = true;
      else throw new Error(`chain journal ${file} is corrupt at line ${index + 1}: ${(error as Error).message}`);
    }
  });
  return { entries, truncated };
}

export class JournalingProvider implements BaseProvider {
  private queue: Promise<unknown> = Promise.resolve();
  private fd: number | null;
  private appended = 0;

  constructor(
    private readonly base: BaseProvider,
    file: string,
  ) {
    this.fd = openSync(file, "a");
  }

  /** Number of entries appended since this provider was created. */
  get entriesWritten(): number {
    return this.appended;
  }

  request(args: Eip1193Request): Promise<unknown> {
    const { method } = args;
    if (REFUSED.has(method)) {
      // evm_setAutomine(true) is harmless (automine is already on); anything else is refused.
      if (method === "evm_setAutomine" && asArray(args.params)[0] === true) return Promise.resolve(true);
      return Promise.reject(new JournalRefusedError(method));
    }
    if (!MINING.has(method) && !STATE_SETTING.has(method)) return this.base.request(args);
    // One state change at a time, so "the latest block" after a call is the block that call mined.
    const run = this.queue.then(() => this.apply(method, asArray(args.params)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(method: string, params: unknown[]): Promise<unknown> {
    if (this.fd === null) throw new Error("the local chain is shutting down");
    const mining = MINING.has(method);
    const before = mining ? await blockNumber(this.base) : 0n;
    let result: unknown;
    let failure: unknown;
    try {
      result = await this.base.request({ method, params });
    } catch (error) {
      failure = error;
    }
    const entry: JournalEntry = { m: method, p: params, ok: failure === undefined };
    if (mining) {
      const after = await blockNumber(this.base);
      if (after === before) {
        // Nothing was mined (e.g. a transaction rejected before execution): nothing to replay.
        if (failure !== undefined) throw failure;
        return result;
      }
      entry.ts = await blockTimestamp(this.base, before + 1n);
    } else if (failure !== undefined) {
      throw failure;
    }
    this.append(entry);
    if (failure !== undefined) throw failure;
    return result;
  }

  /** Appends an entry and flushes it to disk before the caller is answered. */
  private append(entry: JournalEntry) {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fdatasyncSync(this.fd);
    this.appended += 1;
  }

  /** Waits for in-flight state changes, then closes the journal file. */
  async close(): Promise<void> {
    await this.queue;
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  on(event: string, listener: (...args: unknown[]) => void) {
    this.base.on(event, listener);
    return this;
  }
  addListener(event: string, listener: (...args: unknown[]) => void) {
    this.base.addListener(event, listener);
    return this;
  }
  removeListener(event: string, listener: (...args: unknown[]) => void) {
    this.base.removeListener(event, listener);
    return this;
  }
  /** Legacy provider API some plugins still call. */
  send(method: string, params?: unknown[]) {
    return this.request({ method, params });
  }
}

/**
 * Replays journal entries on a fresh node: each mining call gets the block timestamp it had.
 * Returns the number of entries replayed.
 */
export async function replayJournal(base: BaseProvider, entries: JournalEntry[]): Promise<number> {
  let index = 0;
  for (const entry of entries) {
    index += 1;
    if (entry.ts !== undefined) {
      await base.request({ method: "evm_setNextBlockTimestamp", params: [entry.ts] });
    }
    let threw = false;
    try {
      await base.request({ method: entry.m, params: entry.p });
    } catch (error) {
      threw = true;
      if (entry.ok) {
        throw new Error(`replaying chain journal entry ${index} (${entry.m}) failed: ${(error as Error).message}`);
      }
    }
    if (!threw && !entry.ok) {
      throw new Error(`replaying chain journal entry ${index} (${entry.m}) succeeded but had failed when recorded`);
    }
  }
  return entries.length;
}
