import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useRef, useState } from "react";
import { BaseError, ContractFunctionRevertedError, getAddress, UserRejectedRequestError, type Address, type Hash } from "viem";
import { useAccount, usePublicClient, useSwitchChain, useWaitForTransactionReceipt, useWriteContract } from "wagmi";
import { concertTicketAbi, paymentEscrowAbi, ticketFactoryAbi } from "~/contracts/abi";
import { REMEMBER_KEY, WALLET_CONNECTED_EVENT } from "../ConnectWallet";
import { WalletProviders } from "../wallet.client";
import { dangerButton, primaryButton } from "./ui";

/**
 * The promoter's on-chain actions, sent from the promoter's own wallet (the factory's promoterRole is
 * theirs, not the server's): publish (createEvent), cancel (cancelEvent), withdraw proceeds, grant a
 * scanner. Loaded on demand (React.lazy), like the wallet checkout, so wagmi stays out of first load.
 */

export interface PublishInput {
  name: string;
  startsAt: string; // unix seconds
  royaltyBps: number;
  resaleCapBps: number;
  tiers: { price: string; supply: number }[];
  /** `${origin}/metadata/${chainId}/` — the contract address is appended */
  metadataBase: string;
}

export type ChainActionSpec =
  | { kind: "publish"; factory: Address; input: PublishInput }
  | { kind: "cancel"; contract: Address }
  | { kind: "withdraw"; escrow: Address; contract: Address }
  | { kind: "grant"; factory: Address; onChainId: string; scanner: Address }
  | { kind: "refund"; escrow: Address; contract: Address; tokenId: string };

export interface ChainActionProps {
  spec: ChainActionSpec;
  chainId: number;
  chainName: string;
  /** the signed-in promoter's wallet: the only one whose transactions count */
  expectedWallet: string | null;
  label: string;
  danger?: boolean;
  onSubmitted?(hash: Hash): void;
  onConfirmed?(hash: Hash, blockNumber: bigint): void;
}

const ERRORS: Record<string, string> = {
  AccessControlUnauthorizedAccount: "Your wallet does not have the role this needs (the platform approves promoter wallets).",
  FactoryEventInPast: "The show's start time has passed on chain: edit the date.",
  EscrowEventNotStarted: "Proceeds can be withdrawn once the show has started.",
  EscrowEventCancelled: "The event was cancelled: its proceeds go back to the buyers as refunds.",
  EscrowNotPromoter: "Only this event's promoter wallet can withdraw its proceeds.",
  EscrowAlreadyRefunded: "This ticket was already refunded.",
  EscrowNothingToRefund: "Nothing to refund for this ticket (it was not bought on chain).",
  EscrowNotTicketHolder: "Only the ticket's holder can claim its refund.",
  EscrowNothingToWithdraw: "There is nothing to withdraw.",
  TicketEventCancelled: "This event is already cancelled.",
};

export function chainErrorMessage(error: unknown): string {
  if (error instanceof BaseError) {
    if (error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: number }).code === 4001)) return "You rejected the request in your wallet. Nothing was sent.";
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    const name = reverted?.data?.errorName;
    if (name) return ERRORS[name] ?? `The contract refused: ${name}.`;
    return error.shortMessage;
  }
  return (error as Error)?.message ?? "Something went wrong.";
}

function Action(props: ChainActionProps) {
  const { spec, chainId, chainName, expectedWallet, label } = props;
  const { isConnected, address, chainId: walletChainId } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { switchChain, isPending: switching } = useSwitchChain();
  const client = usePublicClient({ chainId });
  const write = useWriteContract();
  const receipt = useWaitForTransactionReceipt({ hash: write.data, chainId });
  const [preparing, setPreparing] = useState(false);
  const [prepareError, setPrepareError] = useState<string | null>(null);
  const { onSubmitted, onConfirmed } = props;

  useEffect(() => {
    if (!isConnected) return;
    window.localStorage.setItem(REMEMBER_KEY, "1");
    window.dispatchEvent(new Event(WALLET_CONNECTED_EVENT));
  }, [isConnected]);
  // Each callback fires once per transaction. Callers pass inline functions (a new one every render), and one
  // that revalidates the page re-renders it: without this guard the effect would call it again on every
  // render, each revalidation aborting the previous one, and the page would never get its fresh data.
  const submittedHash = useRef<Hash | null>(null);
  const confirmedHash = useRef<Hash | null>(null);
  useEffect(() => {
    if (!write.data || submittedHash.current === write.data) return;
    submittedHash.current = write.data;
    onSubmitted?.(write.data);
  }, [write.data, onSubmitted]);
  useEffect(() => {
    if (!write.data || receipt.data?.status !== "success" || confirmedHash.current === write.data) return;
    confirmedHash.current = write.data;
    onConfirmed?.(write.data, receipt.data.blockNumber);
  }, [write.data, receipt.data, onConfirmed]);

  if (!isConnected) {
    return (
      <button type="button" className={primaryButton} onClick={() => openConnectModal?.()} disabled={!openConnectModal}>
        Connect wallet
      </button>
    );
  }
  if (walletChainId !== chainId) {
    return (
      <div role="alert" className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
        <p>Your wallet is on another network. This event lives on {chainName}.</p>
        <button type="button" className={primaryButton} onClick={() => switchChain({ chainId })} disabled={switching}>
          Switch to {chainName}
        </button>
      </div>
    );
  }
  if (expectedWallet && address && getAddress(address) !== getAddress(expectedWallet)) {
    return (
      <p role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
        Your wallet shows {address}, but you are signed in as {expectedWallet}. Switch to that account in your wallet: only it holds this event's
        promoter role.
      </p>
    );
  }

  const send = async () => {
    setPrepareError(null);
    write.reset();
    if (!address || !client) return;
    switch (spec.kind) {
      case "publish": {
        const input = {
          name: spec.input.name,
          startsAt: BigInt(spec.input.startsAt),
          royaltyBps: spec.input.royaltyBps,
          resaleCapBps: spec.input.resaleCapBps,
          tiers: spec.input.tiers.map((t) => ({ price: BigInt(t.price), supply: t.supply })),
        };
        setPreparing(true);
        try {
          // The clone's address is known before it exists: tokenURI then points at this app's metadata.
          const { result } = await client.simulateContract({
            address: spec.factory,
            abi: ticketFactoryAbi,
            functionName: "createEvent",
            args: [{ ...input, baseURI: "" }],
            account: address,
          });
          const baseURI = `${spec.input.metadataBase}${getAddress(result[1])}/`;
          write.writeContract({ address: spec.factory, abi: ticketFactoryAbi, functionName: "createEvent", args: [{ ...input, baseURI }], chainId });
        } catch (error) {
          setPrepareError(chainErrorMessage(error));
        } finally {
          setPreparing(false);
        }
        return;
      }
      case "cancel":
        write.writeContract({ address: spec.contract, abi: concertTicketAbi, functionName: "cancelEvent", chainId });
        return;
      case "withdraw":
        write.writeContract({ address: spec.escrow, abi: paymentEscrowAbi, functionName: "withdrawProceeds", args: [spec.contract], chainId });
        return;
      case "refund":
        write.writeContract({ address: spec.escrow, abi: paymentEscrowAbi, functionName: "claimRefund", args: [spec.contract, BigInt(spec.tokenId)], chainId });
        return;
      case "grant": {
        const role = await client.readContract({ address: spec.factory, abi: ticketFactoryAbi, functionName: "scannerRole", args: [BigInt(spec.onChainId)] });
        write.writeContract({ address: spec.factory, abi: ticketFactoryAbi, functionName: "grantRole", args: [role, spec.scanner], chainId });
        return;
      }
    }
  };

  const hash = write.data;
  const error = prepareError ?? (write.error ? chainErrorMessage(write.error) : receipt.error ? chainErrorMessage(receipt.error) : receipt.data?.status === "reverted" ? "The transaction was reverted on chain." : null);
  const busy = preparing || write.isPending || (Boolean(hash) && !receipt.data && !receipt.error);
  const done = receipt.data?.status === "success";
  return (
    <div className="space-y-2">
      {!done ? (
        <button type="button" className={props.danger ? dangerButton : primaryButton} onClick={() => void send()} disabled={busy}>
          {preparing || write.isPending ? "Confirm in your wallet…" : hash && !receipt.data ? "Waiting for confirmation…" : label}
        </button>
      ) : null}
      <div role="status" aria-live="polite" className="text-sm">
        {hash && !receipt.data ? (
          <p className="text-zinc-700">
            Transaction <code className="break-all">{hash}</code> sent; waiting for the network to confirm it.
          </p>
        ) : null}
        {done ? <p className="font-semibold text-emerald-800">Confirmed in block {receipt.data!.blockNumber.toString()}.</p> : null}
        {error ? <p className="text-red-800">{error}</p> : null}
      </div>
    </div>
  );
}

export default function ChainAction(props: ChainActionProps) {
  return (
    <WalletProviders>
      <Action {...props} />
    </WalletProviders>
  );
}
