import { getDbHandle, pingDb } from "../../db/client.server";
import { CHAINS, env } from "~/env.server";
import { publicClient, currentDeployment } from "./chain.server";
import type { Deployment } from "./deployments.server";
import { cacheHealth } from "./cache.server";
import { indexerLag } from "./indexer.server";

export interface HealthReport {
  status: "ok" | "degraded";
  failing: string[];
  database: { ok: boolean; kind?: string; error?: string };
  chain: { ok: boolean; chainId?: number; expectedChainId: number; blockNumber?: string; error?: string };
  contracts: { ok: boolean; error?: string } & Partial<Omit<Deployment, "chainId">>;
  cache: { ok: boolean; kind: string; error?: string };
  /** how far the chain indexer is behind the head (blocks); not ok when more than INDEXER_MAX_LAG behind */
  indexer: { ok: boolean; cursor?: number | null; head?: number; lag?: number | null; confirmations?: number; error?: string };
}

/** Beyond confirmations, a lag this large means the indexer is stuck or down (pages show stale ownership). */
const INDEXER_MAX_LAG = 500;

const withTimeout = <T,>(promise: Promise<T>, ms: number, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref()),
  ]);

const message = (error: unknown) => (error instanceof Error ? error.message.split("\n")[0] : String(error));

/** Checks each dependency independently, so the report names exactly what is down. */
export async function checkHealth(): Promise<HealthReport> {
  const e = env();
  const expectedChainId = CHAINS[e.chain].id;

  const database = withTimeout(
    (async () => {
      const handle = await getDbHandle();
      await pingDb(handle.db);
      return { ok: true, kind: handle.kind };
    })(),
    3_000,
    "database",
  ).catch((error) => ({ ok: false, error: message(error) }));

  const chain = withTimeout(
    (async () => {
      const client = publicClient();
      const [chainId, blockNumber] = await Promise.all([client.getChainId(), client.getBlockNumber({ cacheTime: 0 })]);
      if (chainId !== expectedChainId) {
        return { ok: false, chainId, expectedChainId, blockNumber: blockNumber.toString(), error: `RPC serves chain ${chainId}, expected ${expectedChainId}` };
      }
      return { ok: true, chainId, expectedChainId, blockNumber: blockNumber.toString() };
    })(),
    3_000,
    "chain RPC",
  ).catch((error) => ({ ok: false, expectedChainId, error: message(error) }));

  const contracts = (async () => {
    const deployment = currentDeployment();
    if (!deployment) return { ok: false, error: `no deployment recorded for chain ${expectedChainId}` };
    const code = await withTimeout(publicClient().getCode({ address: deployment.factory }), 3_000, "chain RPC").catch(() => null);
    const { chainId: _chainId, ...base } = deployment;
    if (code === null) return { ok: false, ...base, error: "could not read contract code (chain down)" };
    if (!code || code === "0x") return { ok: false, ...base, error: "no contract code at the factory address" };
    return { ok: true, ...base };
  })();

  const cache = cacheHealth().catch((error) => ({ ok: false, kind: "unknown", error: message(error) }));

  const indexer = withTimeout(
    (async () => {
      const lag = await indexerLag(await getDbHandle(), publicClient(), expectedChainId);
      if (lag.lag === null) return { ok: false, ...lag, error: "no block indexed yet" };
      const ok = lag.lag <= lag.confirmations + INDEXER_MAX_LAG;
      return ok ? { ok, ...lag } : { ok, ...lag, error: `${lag.lag} blocks behind the head` };
    })(),
    3_000,
    "indexer",
  ).catch((error) => ({ ok: false, error: message(error) }));

  const report = {
    database: await database,
    chain: await chain,
    contracts: await contracts,
    cache: await cache,
    indexer: await indexer,
  };
  const failing = Object.entries(report)
    .filter(([, part]) => !part.ok)
    .map(([name]) => name);
  return { status: failing.length ? "degraded" : "ok", failing, ...report };
}
