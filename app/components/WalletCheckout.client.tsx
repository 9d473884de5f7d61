import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useMemo, useState } from "react";
import { parseEventLogs, type Address, type BaseError, type Hash } from "viem";
import { useAccount, useSwitchChain, useWaitForTransactionReceipt, useWriteContract } from "wagmi";
import { concertTicketAbi } from "~/contracts/abi";
import { formatWei } from "~/lib/format";
import { MAX_PER_PURCHASE, purchaseErrorMessage } from "~/lib/purchase-errors";
import { REMEMBER_KEY, WALLET_CONNECTED_EVENT } from "./ConnectWallet";
import { WalletProviders } from "./wallet.client";

/**
 * "Pay with wallet" for one tier: connect (RainbowKit), switch network if needed, pick a quantity, call
 * `buy(tierId, quantity)` with the exact value, follow the transaction to its receipt. Loaded on demand
 * (React.lazy) from the event page, so wagmi and RainbowKit stay out of the first page load.
 */

export interface CheckoutTier {
  position: number;
  name: string;
  priceWei: string;
  remaining: number;
}

export interface WalletCheckoutProps {
  contract: Address;
  tier: CheckoutTier;
  chainId: number;
  chainName: string;
  coin: string;
  /** called with the block of a confirmed purchase (the page then waits for the indexer) */
  onPurchased(blockNumber: bigint): void;
  /** "≈ $90.00" for a total in wei, or null when no fresh exchange rate is known */
  fiatOf(wei: bigint): string | null;
}


const button =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";

function Checkout(props: WalletCheckoutProps) {
  const { tier, contract, chainId, chainName, coin } = props;
  const { isConnected, chainId: walletChainId, address } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain, isPending: switching, error: switchError } = useSwitchChain();
  const write = useWriteContract();
  const receipt = useWaitForTransactionReceipt({ hash: write.data, chainId });
  const maxQuantity = Math.max(0, Math.min(MAX_PER_PURCHASE, tier.remaining));
  const [quantity, setQuantity] = useState(Math.min(1, maxQuantity));
  const total = BigInt(tier.priceWei) * BigInt(quantity);
  const fiat = props.fiatOf(total);

  const purchased = useMemo(() => {
    if (receipt.data?.status !== "success") return null;
    const logs = parseEventLogs({ abi: concertTicketAbi, logs: receipt.data.logs, eventName: "TicketsPurchased" });
    const own = logs.find((l) => l.address.toLowerCase() === contract.toLowerCase());
    if (!own) return null;
    const first = own.args.firstTokenId;
    return Array.from({ length: Number(own.args.quantity) }, (_, i) => (first + BigInt(i)).toString());
  }, [receipt.data, contract]);

  useEffect(() => {
    if (!isConnected) return;
    window.localStorage.setItem(REMEMBER_KEY, "1");
    window.dispatchEvent(new Event(WALLET_CONNECTED_EVENT));
  }, [isConnected]);

  const { onPurchased } = props;
  useEffect(() => {
    if (purchased && receipt.data) onPurchased(receipt.data.blockNumber);
  }, [purchased, receipt.data, onPurchased]);

  if (!isConnected) {
    return (
      <div className="space-y-3">
        <p className="text-sm text-zinc-700">Connect the wallet that should receive the tickets. You pay {coin} from it.</p>
        <button type="button" className={button} onClick={() => openConnectModal?.()} disabled={!openConnectModal}>
          Connect wallet
        </button>
      </div>
    );
  }

  if (walletChainId !== chainId) {
    return (
      <div role="alert" className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900">
        <p>
          Your wallet is on another network{walletChainId ? ` (chain ${walletChainId})` : ""}. These tickets are sold on{" "}
          <strong>{chainName}</strong>.
        </p>
        <button type="button" className={button} onClick={() => switchChain({ chainId })} disabled={switching}>
          {switching ? "Switching…" : `Switch to ${chainName}`}
        </button>
        {switchError ? (
          <p className="text-red-800">
            Your wallet could not switch: {(switchError as BaseError).shortMessage ?? switchError.message}. Add {chainName} (chain id{" "}
            {chainId}) in your wallet, then try again.
          </p>
        ) : null}
      </div>
    );
  }

  const hash: Hash | undefined = write.data;
  const failed = write.error ?? receipt.error ?? (receipt.data?.status === "reverted" ? new Error("reverted") : null);
  let status: React.ReactNode = null;
  if (write.isPending) {
    status = <StatusLine tone="pending" title="Confirm in your wallet" detail={`Approve paying ${formatWei(total, coin)} for ${quantity} ticket${quantity === 1 ? "" : "s"}.`} />;
  } else if (hash && (receipt.isLoading || receipt.isPending) && !receipt.data) {
    status = <StatusLine tone="pending" title="Waiting for confirmation" detail={<>Transaction <code className="break-all">{hash}</code></>} />;
  } else if (purchased) {
    status = (
      <StatusLine
        tone="success"
        title={`You have ${purchased.length} ticket${purchased.length === 1 ? "" : "s"}: ${purchased.map((id) => `#${id}`).join(", ")}`}
        detail={<>They are in your wallet {address ? <code>{address.slice(0, 6)}…{address.slice(-4)}</code> : null}. Transaction <code className="break-all">{hash}</code></>}
      />
    );
  } else if (failed) {
    status = (
      <StatusLine
        tone="error"
        title="Purchase failed"
        detail={receipt.data?.status === "reverted" ? "The transaction was reverted on chain. No tickets were issued and the payment was returned (only the network fee was spent)." : purchaseErrorMessage(failed, coin)}
      />
    );
  }

  const busy = write.isPending || (Boolean(hash) && !receipt.data && !receipt.error);
  return (
    <form
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        if (busy || quantity < 1) return;
        write.reset();
        write.writeContract({
          address: contract,
          abi: concertTicketAbi,
          functionName: "buy",
          args: [BigInt(tier.position), BigInt(quantity)],
          value: total,
          chainId,
        });
      }}
    >
      <div className="flex flex-wrap items-end gap-4">
        <label className="block text-sm font-medium text-zinc-800">
          Quantity
          <select
            name="quantity"
            className="mt-1 block w-24 rounded-lg border border-zinc-300 bg-white px-3 py-2 text-base focus-visible:outline-2 focus-visible:outline-brand-600"
            value={quantity}
            onChange={(e) => setQuantity(Number(e.target.value))}
            disabled={busy || maxQuantity === 0}
          >
            {Array.from({ length: maxQuantity }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <div className="text-sm">
          <p className="text-zinc-600">Total</p>
          <p className="text-lg font-semibold" data-testid="checkout-total">
            {formatWei(total, coin)}
            {fiat ? <span className="ml-2 text-sm font-normal text-zinc-600">{fiat}</span> : null}
          </p>
        </div>
        <button type="submit" className={`${button} ml-auto`} disabled={busy || maxQuantity === 0}>
          {maxQuantity === 0 ? "Sold out" : `Pay ${formatWei(total, coin)}`}
        </button>
      </div>
      <div role="status" aria-live="polite" data-testid="checkout-status">
        {status}
      </div>
      <p className="text-xs text-zinc-500">
        Paid into the platform's escrow contract until the show; refunded on chain if the event is cancelled. Your wallet also asks for
        a small network fee.
      </p>
    </form>
  );
}

function StatusLine({ tone, title, detail }: { tone: "pending" | "success" | "error"; title: string; detail?: React.ReactNode }) {
  const styles = {
    pending: "border-brand-100 bg-brand-50 text-brand-900",
    success: "border-emerald-200 bg-emerald-50 text-emerald-900",
    error: "border-red-200 bg-red-50 text-red-900",
  }[tone];
  return (
    <div className={`flex gap-3 rounded-lg border p-3 text-sm ${styles}`}>
      {tone === "pending" ? (
        <span aria-hidden="true" className="mt-0.5 size-4 shrink-0 animate-spin rounded-full border-2 border-current border-t-transparent" />
      ) : (
        <span aria-hidden="true" className="font-bold">
          {tone === "success" ? "✓" : "!"}
        </span>
      )}
      <div className="min-w-0">
        <p className="font-semibold">{title}</p>
        {detail ? <p className="mt-0.5 break-words">{detail}</p> : null}
      </div>
    </div>
  );
}

export default function WalletCheckout(props: WalletCheckoutProps) {
  return (
    <WalletProviders>
      <Checkout {...props} />
    </WalletProviders>
  );
}
