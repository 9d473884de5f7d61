import { lazy, Suspense, useEffect, useState } from "react";

/**
 * "Connect wallet" costs nothing until it is clicked: RainbowKit, wagmi and their wallet SDKs live in
 * `wallet.client.tsx`, loaded with React.lazy on the first click (or on a later visit when the fan had
 * connected before). The server renders only the plain button.
 */
const WalletPanel = lazy(() => import("./wallet.client"));

export const REMEMBER_KEY = "ticketchain.wallet";

const buttonClass =
  "rounded-lg bg-brand-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600 disabled:opacity-60";

export function ConnectWallet() {
  const [mode, setMode] = useState<"idle" | "open" | "restore">("idle");

  useEffect(() => {
    if (window.localStorage.getItem(REMEMBER_KEY) === "1") setMode("restore");
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
