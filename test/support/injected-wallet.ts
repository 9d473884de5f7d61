/**
 * An EIP-1193 wallet for browser tests, injected before page scripts run. It answers account and chain
 * questions itself and forwards everything else (eth_sendTransaction, personal_sign, eth_signTypedData_v4,
 * reads) as real JSON-RPC to the local Hardhat node, whose demo accounts are unlocked. It is also announced
 * through EIP-6963, as real wallets are. Nothing leaves loopback.
 */
export function injectedWalletScript(options: {
  rpcUrl: string;
  account: string;
  chainId: number;
  name?: string;
  /** chains the wallet can switch to (default: only `chainId`); `window.__testWallet.setChainId(id)` switches as a user would */
  knownChains?: number[];
}): string {
  const config = JSON.stringify({ ...options, name: options.name ?? "Test Wallet", knownChains: options.knownChains ?? [options.chainId] });
  return `(() => {
  const config = ${config};
  let chainIdHex = "0x" + config.chainId.toString(16);
  const listeners = {};
  let nextId = 1;
  // Like a real wallet: no account is exposed until the site asks for it (eth_requestAccounts).
  let authorized = false;
  async function forward(method, params) {
    const response = await fetch(config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params: params ?? [] }),
    });
    const body = await response.json();
    if (body.error) {
      const error = new Error(body.error.message);
      error.code = body.error.code;
      error.data = body.error.data;
      throw error;
    }
    return body.result;
  }
  const provider = {
    isTestWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
          authorized = true;
          return [config.account];
        case "eth_accounts":
          return authorized ? [config.account] : [];
        case "eth_chainId":
          return chainIdHex;
        case "net_version":
          return String(config.chainId);
        case "wallet_switchEthereumChain": {
          const wanted = Number(params?.[0]?.chainId);
          if (!config.knownChains.includes(wanted)) {
            const error = new Error("Unrecognized chain ID");
            error.code = 4902;
            throw error;
          }
          setChainId(wanted);
          return null;
        }
        case "wallet_requestPermissions":
          authorized = true;
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_getPermissions":
          return authorized ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          authorized = false;
          return null;
        default:
          return forward(method, params);
      }
    },
    on(event, listener) { (listeners[event] ??= []).push(listener); return provider; },
    removeListener(event, listener) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
      return provider;
    },
  };
  function setChainId(id) {
    const next = "0x" + id.toString(16);
    if (next === chainIdHex) return;
    chainIdHex = next;
    for (const listener of listeners.chainChanged ?? []) listener(next);
  }
  // What a user does in the wallet's own UI: pick another network.
  window.__testWallet = { setChainId };
  window.ethereum = provider;
  const info = Object.freeze({
    uuid: "6f3a1c2e-0000-4000-8000-000000000001",
    name: config.name,
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 8 8'%3E%3Crect width='8' height='8' fill='%235b21b6'/%3E%3C/svg%3E",
    rdns: "dev.ticketchain.testwallet",
  });
  const announce = () =>
    window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  // Counts discovery requests: wallet libraries (wagmi) ask as soon as they load.
  window.__walletDiscoveryRequests = 0;
  window.addEventListener("eip6963:requestProvider", () => {
    window.__walletDiscoveryRequests += 1;
    announce();
  });
  announce();
})();`;
}
