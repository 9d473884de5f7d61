import { lazy, Suspense, useEffect, useState } from "react";

/**
 * "Connect wallet" costs nothing until it is clicked: RainbowKit, wagmi and their wallet SDKs live in
 * `wallet.client.tsx`, loaded with React.lazy on the first click (or on a later visit when the fan had
 * connected before). The server renders only the plain button.
 */
const WalletPanel = lazy(() => import("./wallet.client"));

export const REMEMBER_KEY = "ticketchain.wallet";
export const WALLET_CONNECTED_EVENT = "ticketchain:wallet-connected";

const buttonClass =
  "rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";

export function ConnectWallet() {
  const [mode, setMode] = useState<"idle" | "open" | "restore">("idle");

  useEffect(() => {
    if (window.localStorage.getItem(REMEMBER_KEY) === "1") setMode("restore");
    // A wallet connected elsewhere on the page (the event checkout): show it here too.
    const connected = () => setMode((m) => (m === "idle" ? "restore" : m));
    window.addEventListener(WALLET_CONNECTED_EVENT, connected);
    return () => window.removeEventListener(WALLET_CONNECTED_EVENT, connected);
  }, []);

  if (mode === "idle") {
    return (
      <button type="button" className={buttonClass} onClick={() => setMode("open")}>
        Connect wallet
      </button>
    );
  }
  return (
    <Suspense
      fallback={
        <button type="button" className={buttonClass} disabled aria-busy="true">
          Connect wallet
        </button>
      }
    >
      <WalletPanel openOnMount={mode === "open"} rememberKey={REMEMBER_KEY} />
    </Suspense>
  );
}
