import type { Address, PublicClient } from "viem";
import { env } from "~/env.server";
import { cache } from "./cache.server";
import { currentDeployment, publicClient } from "./chain.server";

/**
 * The chain coin's USD price from a Chainlink-style AggregatorV3 feed (MockPriceFeed on the embedded chain,
 * Chainlink's POL/USD or ETH/USD on real chains via PRICE_FEED_ADDRESS), and exact integer conversion
 * between cents and wei. Never floats: a price of `answer` with `decimals` decimals means
 * 1 coin (10^18 wei) = answer / 10^decimals dollars.
 */

export const aggregatorV3Abi = [
  { type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "uint8" }] },
  { type: "function", name: "description", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "string" }] },
  {
    type: "function",
    name: "latestRoundData",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "roundId", type: "uint80" },
      { name: "answer", type: "int256" },
      { name: "startedAt", type: "uint256" },
      { name: "updatedAt", type: "uint256" },
      { name: "answeredInRound", type: "uint80" },
    ],
  },
] as const;

/** A feed answer older than this is not used for conversion (the page shows fiat only, with a note). */
export const STALE_AFTER_SECONDS = 3600;
/** How long one feed reading is reused (per process, or shared through Redis). */
export const PRICE_CACHE_MS = 60_000;

export interface CoinPrice {
  feed: Address;
  description: string;
  /** the feed's answer, an integer string (bigint through JSON) */
  answer: string;
  decimals: number;
  /** unix seconds of the answer */
  updatedAt: number;
}

export { centsToWei, weiToCents } from "~/lib/prices";

export function isStale(price: Pick<CoinPrice, "updatedAt">, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  return nowSeconds - price.updatedAt > STALE_AFTER_SECONDS;
}

/** The configured feed: PRICE_FEED_ADDRESS, else the deployment's (the embedded chain's MockPriceFeed). */
export function priceFeedAddress(): Address | null {
  return (env().PRICE_FEED_ADDRESS as Address | undefined) ?? currentDeployment()?.priceFeed ?? null;
}

/** Reads the feed once (no cache). */
export async function readCoinPrice(client: PublicClient, feed: Address): Promise<CoinPrice> {
  const [decimals, description, round] = await Promise.all([
    client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "decimals" }),
    client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "description" }),
    client.readContract({ address: feed, abi: aggregatorV3Abi, functionName: "latestRoundData" }),
  ]);
  const [, answer, , updatedAt] = round;
  if (answer <= 0n) throw new RangeError(`price feed answer must be positive, got ${answer}`);
  return { feed, description, answer: answer.toString(), decimals, updatedAt: Number(updatedAt) };
}

/**
 * The coin's price, cached ~60 s; null when no feed is configured or it cannot be read (the page then
 * shows the stored fiat price only). Check {isStale} before converting.
 */
export async function coinPrice(): Promise<CoinPrice | null> {
  const feed = priceFeedAddress();
  if (!feed) return null;
  const c = await cache();
  try {
    return await c.wrap(`price:${feed.toLowerCase()}`, PRICE_CACHE_MS, () => readCoinPrice(publicClient(), feed));
  } catch (error) {
    console.warn(`[prices] feed ${feed} unreadable: ${(error as Error).message.split("\n")[0]}`);
    return null;
  }
}

const tierAbi = [
  {
    type: "function",
    name: "tier",
    stateMutability: "view",
    inputs: [{ name: "tierId", type: "uint256" }],
    outputs: [
      {
        name: "",
        type: "tuple",
        components: [
          { name: "price", type: "uint128" },
          { name: "supply", type: "uint32" },
          { name: "sold", type: "uint32" },
        ],
      },
    ],
  },
] as const;

/**
 * Face values (wei, decimal strings) of tiers 0..count-1 read from the ticket contract, cached 60 s; null
 * when the chain cannot be read (the page then uses the stored copy).
 */
export async function onChainTierPrices(contract: Address, count: number): Promise<string[] | null> {
  const c = await cache();
  try {
    return await c.wrap(`tier-prices:${contract.toLowerCase()}`, PRICE_CACHE_MS, async () => {
      const tiers = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          publicClient().readContract({ address: contract, abi: tierAbi, functionName: "tier", args: [BigInt(i)] }),
        ),
      );
      return tiers.map((t) => t.price.toString());
    });
  } catch {
    return null;
  }
}
