import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useState } from "react";
import { isAddressEqual, type Address, type BaseError, type Hex } from "viem";
import { useAccount, usePublicClient, useSwitchChain, useWriteContract } from "wagmi";
import { marketplaceAbi } from "~/contracts/abi";
import { formatWei } from "~/lib/format";
import type { Order } from "~/lib/orders";
import { WalletProviders } from "./wallet.client";

/**
 * Buys one resale listing with the fan's wallet: fetches the signed order (the server checks on chain that it
 * is still open), calls Marketplace.fill with exactly the price, waits for the receipt, then asks the server to
 * re-read the listing. Loaded on demand (React.lazy) from the event page.
 */

export interface ResaleBuyProps {
  listingId: string;
  tokenId: string;
  priceWei: string;
  seller: Address;
  chainId: number;
  coin: string;
  /** where the signed order is read (default /resale/listings/:id; a waitlist offer has its own, owner-only URL) */
  orderUrl?: string;
  onBought(message: string, blockNumber: bigint): void;
}

const button =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";

function Buy(props: ResaleBuyProps) {
  const { chainId, coin } = props;
  const { isConnected, address, chainId: walletChainId } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain } = useSwitchChain();
  const client = usePublicClient({ chainId });
  const write = useWriteContract();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function buy() {
    setBusy("Checking the listing…");
    setError(null);
    try {
      const response = await fetch(props.orderUrl ?? `/resale/listings/${props.listingId}`);
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ?? "This listing is no longer available.");
      const o = body.order as Record<string, string>;
      const order = { ...o, tokenId: BigInt(o.tokenId!), amount: BigInt(o.amount!), price: BigInt(o.price!), expiry: BigInt(o.expiry!), nonce: BigInt(o.nonce!), salt: BigInt(o.salt!) } as unknown as Order;
      setBusy("Confirm in your wallet…");
      const hash = await write.writeContractAsync({
        address: body.marketplace as Address,
        abi: marketplaceAbi,
        functionName: "fill",
        args: [order, body.signature as Hex, 1n],
        value: order.price,
        chainId,
      });
      setBusy("Waiting for confirmation…");
      const receipt = await client!.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The purchase was reverted on chain; only the network fee was spent.");
      await fetch(`/resale/listings/${props.listingId}`, { method: "POST" });
      props.onBought(`Ticket #${props.tokenId} is yours. Transaction ${hash}`, receipt.blockNumber);
    } catch (e) {
      const err = e as BaseError;
      setError(/rejected|denied/i.test(err.message ?? "") ? "You declined in your wallet. Nothing was paid." : (err.shortMessage ?? err.message));
    } finally {
      setBusy(null);
    }
  }

  if (!isConnected) {
    return (
      <button type="button" className={button} onClick={() => openConnectModal?.()}>
        Connect wallet
      </button>
    );
  }
  if (walletChainId !== chainId) {
    return (
      <button type="button" className={button} onClick={() => switchChain({ chainId })}>
        Switch network
      </button>
    );
  }
  const own = address && isAddressEqual(address, props.seller);
  return (
    <div className="space-y-2 text-sm">
      {own ? (
        <p className="text-zinc-600">This is your own listing.</p>
      ) : (
        <button type="button" className={button} onClick={buy} disabled={Boolean(busy)}>
          {busy ?? `Pay ${formatWei(props.priceWei, coin)}`}
        </button>
      )}
      <div role="status" aria-live="polite">
        {error ? <p className="text-red-800">{error}</p> : null}
      </div>
    </div>
  );
}

export default function ResaleBuy(props: ResaleBuyProps) {
  return (
    <WalletProviders>
      <Buy {...props} />
    </WalletProviders>
  );
}
