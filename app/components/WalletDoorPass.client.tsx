import { useConnectModal } from "@rainbow-me/rainbowkit";
import { useEffect, useRef, useState } from "react";
import { getAddress, type Address, type BaseError } from "viem";
import { useAccount, useSignTypedData } from "wagmi";
import { doorPassTypedData, encodeDoorPass, passWindow, type DoorPass } from "~/lib/door-pass";
import { WalletProviders } from "./wallet.client";

/**
 * The door pass of a ticket in the fan's own wallet: the wallet signs the EIP-712 pass once per 30-second
 * window while the QR is shown. Loaded on demand (React.lazy) from My tickets, like the wallet checkout.
 */
export interface WalletDoorPassProps {
  chainId: number;
  contract: Address;
  tokenId: string;
  owner: Address;
  onPass(pass: string, window: bigint): void;
  onError(message: string | null): void;
}

function Signer({ chainId, contract, tokenId, owner, onPass, onError }: WalletDoorPassProps) {
  const { address, isConnected } = useAccount();
  const { openConnectModal } = useConnectModal();
  const { signTypedDataAsync } = useSignTypedData();
  const [window_, setWindow] = useState(() => passWindow());
  const signed = useRef<bigint | null>(null);
  const right = isConnected && address && getAddress(address) === getAddress(owner);

  useEffect(() => {
    const timer = setInterval(() => setWindow(passWindow()), 1_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!right || signed.current === window_) return;
    signed.current = window_;
    const pass: DoorPass = { chainId, ticket: getAddress(contract), tokenId: BigInt(tokenId), holder: getAddress(owner), window: window_ };
    signTypedDataAsync({ ...doorPassTypedData(pass), account: getAddress(owner) })
      .then((signature) => {
        onError(null);
        onPass(encodeDoorPass(pass, signature), window_);
      })
      .catch((error: BaseError) => {
        signed.current = null;
        onError(`Your wallet did not sign the pass: ${error.shortMessage ?? error.message}`);
      });
  }, [right, window_, chainId, contract, tokenId, owner, signTypedDataAsync, onPass, onError]);

  if (!isConnected) {
    return (
      <div className="space-y-2 text-sm">
        <p className="text-zinc-700">This ticket is in your wallet: connect it so it can sign the pass (every 30 seconds while shown).</p>
        <button type="button" onClick={() => openConnectModal?.()} className="rounded-lg bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-600">
          Connect wallet
        </button>
      </div>
    );
  }
  if (!right) {
    return (
      <p role="alert" className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900">
        Switch your wallet to the account holding this ticket ({owner.slice(0, 6)}…{owner.slice(-4)}).
      </p>
    );
  }
  return <p className="text-xs text-zinc-500">Signed by your wallet; it asks again for each new code.</p>;
}

export default function WalletDoorPass(props: WalletDoorPassProps) {
  return (
    <WalletProviders>
      <Signer {...props} />
    </WalletProviders>
  );
}
