import type { Address } from "viem";
import { ticketFactoryAbi } from "~/contracts/abi";
import { CHAINS, env } from "~/env.server";
import { formatCents } from "~/lib/format";
import { weiToCents } from "~/lib/prices";
import { currentDeployment, publicClient, viemChain } from "./chain.server";
import { coinPrice, isStale } from "./prices.server";

/** What every promoter screen shows about the configured chain. */
export async function chainContext() {
  const chain = viemChain();
  const price = await coinPrice();
  const fresh = price && !isStale(price) ? price : null;
  return {
    chainId: chain.id,
    chainName: CHAINS[env().chain].name,
    coin: chain.nativeCurrency.symbol,
    rate: fresh ? { answer: BigInt(fresh.answer), decimals: fresh.decimals } : null,
    rateText: fresh ? `1 ${chain.nativeCurrency.symbol} ≈ ${formatCents(weiToCents(10n ** 18n, BigInt(fresh.answer), fresh.decimals))}` : null,
  };
}

/** Whether `wallet` may create events on the factory (PROMOTER_ROLE, granted by the platform admin); null if unknown. */
export async function canCreateEvents(wallet: string | null): Promise<boolean | null> {
  const deployment = currentDeployment();
  if (!wallet || !deployment) return wallet ? null : false;
  try {
    const client = publicClient();
    const role = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "PROMOTER_ROLE" });
    return await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "hasRole", args: [role, wallet as Address] });
  } catch {
    return null;
  }
}
