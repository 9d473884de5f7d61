import { createPublicClient, fallback, http, webSocket, type Chain, type PublicClient } from "viem";
import { hardhat, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";
import { CHAINS, env, type ChainKey, type Env } from "~/env.server";
import { readDeployment, type Deployment } from "./deployments.server";

const VIEM_CHAINS: Record<ChainKey, Chain> = {
  local: hardhat,
  amoy: polygonAmoy,
  polygon,
  sepolia,
  ethereum: mainnet,
};

/** RPC URLs of the configured chain: the embedded node, or the env's list (several = fallback). */
export function rpcUrls(e: Env = env()): string[] {
  if (e.chain === "local") return [e.LOCAL_CHAIN_RPC_URL ?? `http://${e.LOCAL_CHAIN_HOST}:${e.LOCAL_CHAIN_PORT}`];
  const rpcVar = CHAINS[e.chain].rpcVar;
  return e[rpcVar] ?? [];
}

export function viemChain(e: Env = env()): Chain {
  return VIEM_CHAINS[e.chain];
}

const GLOBAL_KEY = Symbol.for("ticketchain.publicClient");
type GlobalWithClient = typeof globalThis & { [GLOBAL_KEY]?: PublicClient };

/**
 * One read client per process; several RPC providers are tried in order (viem's fallback transport).
 * Receipts and new blocks are polled every half block time (viem's default: Polygon 1 s, Ethereum 4 s);
 * the embedded chain is polled like Polygon, not at the 4 s viem uses for a chain without a block time.
 */
export function publicClient(): PublicClient {
  const g = globalThis as GlobalWithClient;
  if (!g[GLOBAL_KEY]) {
    const e = env();
    const transports = rpcUrls(e).map((url) =>
      url.startsWith("ws") ? webSocket(url, { retryCount: 1 }) : http(url, { retryCount: 1, timeout: 5_000 }),
    );
    g[GLOBAL_KEY] = createPublicClient({
      chain: viemChain(e),
      transport: transports.length === 1 ? transports[0] : fallback(transports),
      ...(e.chain === "local" ? { pollingInterval: 1_000 } : {}),
    }) as PublicClient;
  }
  return g[GLOBAL_KEY]!;
}

const DEPLOYMENT_KEY = Symbol.for("ticketchain.deployment");
type GlobalWithDeployment = typeof globalThis & { [DEPLOYMENT_KEY]?: Deployment };

/**
 * The platform's addresses on the configured chain, read from disk once per process (they are written
 * before the app serves and never change while it runs). Null while no deployment is recorded.
 */
export function currentDeployment(): Deployment | null {
  const g = globalThis as GlobalWithDeployment;
  if (!g[DEPLOYMENT_KEY]) {
    const e = env();
    const found = readDeployment(CHAINS[e.chain].id, e.DATA_DIR);
    if (found) g[DEPLOYMENT_KEY] = found;
    return found;
  }
  return g[DEPLOYMENT_KEY]!;
}
