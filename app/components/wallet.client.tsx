import "@rainbow-me/rainbowkit/styles.css";
import {
  ConnectButton,
  RainbowKitAuthenticationProvider,
  RainbowKitProvider,
  connectorsForWallets,
  createAuthenticationAdapter,
  lightTheme,
  useConnectModal,
} from "@rainbow-me/rainbowkit";
import {
  coinbaseWallet,
  injectedWallet,
  metaMaskWallet,
  rainbowWallet,
  walletConnectWallet,
} from "@rainbow-me/rainbowkit/wallets";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useRevalidator, useRouteLoaderData } from "@remix-run/react";
import { useEffect, useMemo, useRef } from "react";
import type { Chain } from "viem";
import { createSiweMessage } from "viem/siwe";
import { hardhat, mainnet, polygon, polygonAmoy, sepolia } from "viem/chains";
import { createConfig, http, useAccount, WagmiProvider } from "wagmi";
import type { PublicEnv } from "~/env.server";
import type { RootData } from "~/root";

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
      // After RainbowKit's own mount effects: with authentication on, its provider closes every modal
      // once while the visitor is unauthenticated, and provider effects run after this child's.
      const timer = setTimeout(openConnectModal, 0);
      return () => clearTimeout(timer);
    }
  }, [openOnMount, openConnectModal, isConnected]);

  useEffect(() => {
    if (isConnected) window.localStorage.setItem(rememberKey, "1");
  }, [isConnected, rememberKey]);

  return <ConnectButton label="Connect wallet" showBalance={false} chainStatus="icon" accountStatus="address" />;
}

/**
 * Sign-In with Ethereum through RainbowKit's authentication adapter: after "Connect wallet" the modal
 * asks to "Sign message"; the server checks the EIP-4361 message (app/routes/auth.siwe.verify.ts) and
 * sets the session cookie; the loaders then run again and the header shows the signed-in account.
 */
function useSiweAdapter() {
  const revalidator = useRevalidator();
  return useMemo(
    () =>
      createAuthenticationAdapter({
        getNonce: async () => {
          const response = await fetch("/auth/siwe/nonce", { headers: { accept: "application/json" } });
          const body = (await response.json()) as { nonce?: string; error?: string };
          if (!response.ok || !body.nonce) throw new Error(body.error ?? "Could not start signing in.");
          return body.nonce;
        },
        createMessage: ({ nonce, address, chainId }) =>
          createSiweMessage({
            domain: window.location.host,
            address,
            statement: "Sign in to TicketChain. This request costs nothing and moves no funds.",
            uri: window.location.origin,
            version: "1",
            chainId,
            nonce,
            issuedAt: new Date(),
            expirationTime: new Date(Date.now() + 10 * 60 * 1000),
          }),
        verify: async ({ message, signature }) => {
          const response = await fetch("/auth/siwe/verify", {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json" },
            body: JSON.stringify({ message, signature }),
          });
          if (response.ok) revalidator.revalidate();
          return response.ok;
        },
        signOut: async () => {
          await fetch("/auth/logout", { method: "POST", headers: { accept: "application/json" } });
          revalidator.revalidate();
        },
      }),
    // The revalidator object changes with its state; its revalidate function is what matters.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [],
  );
}

/**
 * wagmi + react-query + RainbowKit around a wallet action (checkout, sell, transfer, door pass, promoter
 * actions…): one wagmi config and one query client for the whole page, so every action shares the
 * connection made by any other.
 */
/** RainbowKit in TicketChain's colours (brand-700 from app/tailwind.css), so its buttons match the app's. */
const theme = lightTheme({ accentColor: "#5b21b6", borderRadius: "medium", fontStack: "system" });

export function WalletProviders({ children }: { children: React.ReactNode }) {
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitProvider theme={theme}>{children}</RainbowKitProvider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}

export default function WalletPanel(props: { openOnMount: boolean; rememberKey: string }) {
  const root = useRouteLoaderData<RootData>("root");
  const adapter = useSiweAdapter();
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>
        <RainbowKitAuthenticationProvider adapter={adapter} status={root?.user ? "authenticated" : "unauthenticated"}>
          <RainbowKitProvider theme={theme}>
            <Panel {...props} />
          </RainbowKitProvider>
        </RainbowKitAuthenticationProvider>
      </QueryClientProvider>
    </WagmiProvider>
  );
}
