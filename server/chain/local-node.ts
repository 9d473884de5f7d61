import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { JournalingProvider, readJournal, replayJournal, type BaseProvider } from "./journal";

/**
 * The embedded chain: Hardhat's in-process EVM served as JSON-RPC on host:port, with every state
 * change journaled to `<dataDir>/chain/` and replayed on the next start
 * (docs/decisions/003-local-chain-journal.md).
 */

export const LOCAL_CHAIN_ID = 31337;

export interface LocalChain {
  url: string;
  chainId: number;
  genesisHash: string;
  /** entries replayed from the journal at start */
  replayed: number;
  hre: HardhatRuntimeEnvironment;
  /** the provider served on `url`: journaling, or Hardhat's own with `journal: false` */
  provider: BaseProvider;
  close(): Promise<void>;
}

export interface LocalChainOptions {
  dataDir: string;
  host: string;
  port: number;
  log?: (message: string) => void;
  /**
   * false: serve Hardhat's provider as it is, nothing journaled or replayed. Every method is then
   * available, among them evm_setAutomine / evm_setIntervalMining (a block every 2 s like Polygon PoS, for
   * the sale-day benchmark), at the price of a chain that does not survive a restart. Default true.
   */
  journal?: boolean;
}

interface ChainMeta {
  initialDate: string;
  genesisHash?: string;
}

export async function startLocalChain(options: LocalChainOptions): Promise<LocalChain> {
  const log = options.log ?? (() => {});
  const chainDir = path.join(options.dataDir, "chain");
  mkdirSync(chainDir, { recursive: true });
  const metaFile = path.join(chainDir, "meta.json");
  const journalFile = path.join(chainDir, "journal.ndjson");

  let meta: ChainMeta;
  if (existsSync(metaFile)) {
    meta = JSON.parse(readFileSync(metaFile, "utf8")) as ChainMeta;
  } else {
    if (existsSync(journalFile)) {
      throw new Error(`${journalFile} exists without ${metaFile}: the chain cannot be rebuilt; remove ${options.dataDir} to start over`);
    }
    // Whole seconds: the genesis timestamp must be identical on every start.
    meta = { initialDate: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() };
    writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  }

  // Hardhat reads its config once, when first imported: the fixed genesis time must be set before.
  process.env.HARDHAT_INITIAL_DATE = meta.initialDate;
  process.env.HARDHAT_NETWORK = "hardhat";
  const { default: hre } = await import("hardhat");
  const { TASK_NODE_CREATE_SERVER } = await import("hardhat/builtin-tasks/task-names");
  if (hre.network.name !== "hardhat") throw new Error(`expected the in-process hardhat network, got ${hre.network.name}`);

  const base = hre.network.provider as unknown as BaseProvider;
  const genesis = (await base.request({ method: "eth_getBlockByNumber", params: ["0x0", false] })) as { hash: string };
  if (meta.genesisHash && meta.genesisHash !== genesis.hash) {
    throw new Error(
      `local chain genesis ${genesis.hash} differs from the recorded ${meta.genesisHash} (hardhat config changed?); remove ${options.dataDir} to start over`,
    );
  }
  if (!meta.genesisHash) {
    meta.genesisHash = genesis.hash;
    writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  }

  const journaled = options.journal !== false;
  const { entries, truncated } = journaled ? readJournal(journalFile) : { entries: [], truncated: false };
  if (truncated) log("chain journal: ignoring a torn last line (the previous run stopped mid-write)");
  const started = Date.now();
  const replayed = await replayJournal(base, entries);
  if (replayed > 0) log(`chain journal: replayed ${replayed} calls in ${Date.now() - started} ms`);
  if (truncated) {
    // Rewrite the file without the torn line so later appends start on a fresh line.
    writeFileSync(journalFile, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
  }

  const journal = journaled ? new JournalingProvider(base, journalFile) : null;
  const provider: BaseProvider = journal ?? base;
  // Everything in this process (Ignition, hardhat-viem, the seed) must go through the journal too.
  (hre.network as { provider: unknown }).provider = provider;

  // Bring chain time up to wall-clock time (journaled, so a later replay sees the same block).
  const latest = (await base.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string };
  const now = Math.floor(Date.now() / 1000);
  if (Number(BigInt(latest.timestamp)) < now - 1) {
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [now] });
    await provider.request({ method: "evm_mine", params: [] });
  }

  const server = (await hre.run(TASK_NODE_CREATE_SERVER, {
    hostname: options.host,
    port: options.port,
    provider,
  })) as { listen(): Promise<{ address: string; port: number }>; close(): Promise<void> };
  const { port } = await server.listen();
  const url = `http://${options.host}:${port}`;
  log(`local chain ${LOCAL_CHAIN_ID} listening on ${url}`);

  let closed = false;
  return {
    url,
    chainId: LOCAL_CHAIN_ID,
    genesisHash: genesis.hash,
    replayed,
    hre,
    provider,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await journal?.close();
    },
  };
}
