import "@rainbow-me/rainbowkit/styles.css";
import { ConnectButton, RainbowKitProvider, connectorsForWallets, useConnectModal } from "@rainbow-me/rainbowkit";
import {
  coinbaseWallet,
  injectedWallet,
  metaMaskWallet,
  rainbowWallet,
  walletConnectWallet,
} from "@rainbow-me/rainbowkit/wallets";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { Chain } from "viem";
import { hardhat, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";
import { createConfig, http, useAccount, WagmiProvider } from "wagmi";
import type { PublicEnv } from "~/env.server";

declare global {
  interface Window {
    ENV: PublicEnv;
  }
}

const KNOWN: Chain[] = [polygon, polygonAmoy, mainnet, sepolia];

function appChain(env: PublicEnv): Chain {
  if (env.chainId === hardhat.id) {
    return { ...hardhat, rpcUrls: { default: { http: [env.localRpcUrl ?? "http://127.0.0.1:8545"] } } };
  }
  const chain = KNOWN.find((c) => c.id === env.chainId);
  if (!chain) throw new Error(`unsupported chain ${env.chainId}`);
  return chain;
}

function makeConfig(env: PublicEnv) {
  const chain = appChain(env);
  // WalletConnect-based wallets need a project id (and its relay); without one only browser wallets show.
  const projectId = env.walletConnectProjectId;
  const wallets = projectId
    ? [metaMaskWallet, coinbaseWallet, walletConnectWallet, rainbowWallet, injectedWallet]
    : [injectedWallet];
  const connectors = connectorsForWallets([{ groupName: projectId ? "Popular" : "Browser wallets", wallets }], {
    appName: "TicketChain",
    projectId: projectId ?? "walletconnect-not-configured",
  });
  return createConfig({
    chains: [chain],
    connectors,
    transports: { [chain.id]: http() },
    ssr: false,
  });
}

/** One wagmi config and query client per page: the header's button and the checkout share the connection. */
export const config = makeConfig(window.ENV);
export const queryClient = new QueryClient();

function Panel({ openOnMount, rememberKey }: { openOnMount: boolean; rememberKey: string }) {
  const { openConnectModal } = useConnectModal();
  const { isConnected } = useAccount();
  const opened = useRef(false);

  useEffect(() => {
    if (openOnMount && !opened.current && openConnectModal && !isConnected) {
      opened.current = true;
      openConnectModal();
    }
  }, [openOnMount, openConnectModal, isConnected]);

  useEffect(() => {
    if (isConnected) window.localStorage.setItem(rememberKey, "1");
  }, [isConnected, rememberKey]);

  return <ConnectButton label="Connect wallet" showBalance={false} chainStatus="icon" accountStatus="address" />;
}

export default function WalletPanel(props: { openOnMount: boolean; rememberKey: string }) {
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitProvider>
          <Panel {...props} />
        </RainbowKitProvider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
