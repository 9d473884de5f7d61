import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useState } from "react";
import { getAddress, isAddress, isAddressEqual, type Address, type BaseError } from "viem";
import { useAccount, usePublicClient, useSwitchChain, useWriteContract } from "wagmi";
import { concertTicketAbi } from "~/contracts/abi";
import { WalletProviders } from "./wallet.client";

/**
 * "Transfer to a friend" for a ticket in the fan's own wallet: `safeTransferFrom(owner, friend, tokenId)` from
 * that wallet (the fan pays the network fee). Free: no price, no royalty. Loaded on demand (React.lazy).
 */

export interface TransferTicketProps {
  contract: Address;
  tokenId: string;
  owner: Address;
  chainId: number;
  listed: boolean;
  onDone(message: string): void;
}

const button =
  "inline-flex items-center justify-center rounded-lg bg-brand-700 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:cursor-not-allowed disabled:opacity-60";

function Transfer(props: TransferTicketProps) {
  const { contract, tokenId, owner, chainId } = props;
  const { isConnected, address, chainId: walletChainId } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain } = useSwitchChain();
  const client = usePublicClient({ chainId });
  const write = useWriteContract();
  const [to, setTo] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const trimmed = to.trim();
  const problem = !/^0x[0-9a-fA-F]{40}$/.test(trimmed)
    ? "Enter your friend's wallet address: 0x followed by 40 hex digits."
    : !isAddress(trimmed)
      ? "This address has a typo (its checksum does not match): copy it again."
      : isAddressEqual(getAddress(trimmed), owner)
        ? "That is your own wallet."
        : null;

  async function send(event: React.FormEvent) {
    event.preventDefault();
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    try {
      setBusy("Confirm in your wallet…");
      const hash = await write.writeContractAsync({
        address: contract,
        abi: concertTicketAbi,
        functionName: "safeTransferFrom",
        args: [owner, getAddress(trimmed), BigInt(tokenId)],
        chainId,
      });
      setBusy("Waiting for confirmation…");
      const receipt = await client!.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error("The transfer was reverted on chain; the ticket did not move.");
      props.onDone(`Ticket #${tokenId} was sent to ${trimmed.slice(0, 6)}…${trimmed.slice(-4)}.`);
    } catch (e) {
      const err = e as BaseError;
      setError(/rejected|denied/i.test(err.message ?? "") ? "You declined in your wallet. The ticket did not move." : (err.shortMessage ?? err.message));
    } finally {
      setBusy(null);
    }
  }

  return (
    <form onSubmit={send} className="space-y-3 text-sm" noValidate>
      <label className="block font-medium text-zinc-800">
        Friend's wallet address
        <input
          name="to"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          placeholder="0x…"
          className="mt-1 block w-full rounded-lg border border-zinc-300 px-3 py-2 font-mono text-sm focus-visible:outline-2 focus-visible:outline-brand-600"
          aria-invalid={Boolean(error)}
        />
      </label>
      <p className="text-zinc-600">
        The ticket moves for free (you pay only the network fee); only your friend's wallet can use or move it afterwards.
        {props.listed ? " Your resale listing of this ticket ends." : ""}
      </p>
      {!isConnected ? (
        <button type="button" className={button} onClick={() => openConnectModal?.()}>
          Connect wallet
        </button>
      ) : walletChainId !== chainId ? (
        <button type="button" className={button} onClick={() => switchChain({ chainId })}>
          Switch network
        </button>
      ) : address && !isAddressEqual(address, owner) ? (
        <p role="alert" className="text-amber-900">
          This ticket is in wallet {owner.slice(0, 6)}…{owner.slice(-4)}; switch to that account in your wallet.
        </p>
      ) : (
        <button type="submit" className={button} disabled={Boolean(busy)}>
          {busy ?? "Send ticket"}
        </button>
      )}
      <div role="status" aria-live="polite">
        {error ? <p className="text-red-800">{error}</p> : null}
      </div>
    </form>
  );
}

export default function TransferTicket(props: TransferTicketProps) {
  return (
    <WalletProviders>
      <Transfer {...props} />
    </WalletProviders>
  );
}
