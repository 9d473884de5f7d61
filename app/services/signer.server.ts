import { createWalletClient, http, type Account, type Chain, type Transport, type WalletClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { env } from "~/env.server";
import type { DbHandle } from "../../db/client.server";
import { rpcUrls, viemChain } from "./chain.server";

/**
 * The server's own signer: it holds MINTER_ROLE on the factory (mints card orders) and relays ERC-2771
 * requests signed by embedded wallets (claims, transfers) through the TrustedForwarder. MINTER_PRIVATE_KEY
 * on a real chain; Hardhat's demo account #0 on the embedded chain (the local deployment grants it the role).
 *
 * Nonces: every transaction of this account is sent inside `withSigner` (db.withLock on the signer's
 * address: an advisory lock on PostgreSQL, so several app servers never race for a nonce), which reads the
 * pending nonce under the lock.
 */

const DEMO_MNEMONIC = "test test test test test test test test test test test junk";

const GLOBAL_KEY = Symbol.for("ticketchain.signer");
type GlobalWithSigner = typeof globalThis & { [GLOBAL_KEY]?: Account };

export function serverAccount(): Account {
  const g = globalThis as GlobalWithSigner;
  if (!g[GLOBAL_KEY]) {
    const e = env();
    if (e.MINTER_PRIVATE_KEY) g[GLOBAL_KEY] = privateKeyToAccount(e.MINTER_PRIVATE_KEY as `0x${string}`);
    else if (e.chain === "local") g[GLOBAL_KEY] = mnemonicToAccount(DEMO_MNEMONIC, { addressIndex: 0 });
    else throw new Error("MINTER_PRIVATE_KEY is required on a real chain");
  }
  return g[GLOBAL_KEY]!;
}

/** A wallet client for the server's account (first RPC URL; writes are not load-balanced). */
export function serverWalletClient(): WalletClient<Transport, Chain, Account> {
  return createWalletClient({ account: serverAccount(), chain: viemChain(), transport: http(rpcUrls()[0]!, { retryCount: 0, timeout: 15_000 }) });
}

/** Runs `fn` as the only sender of the server account (across app servers when on PostgreSQL). */
export function withSigner<T>(db: DbHandle, fn: (wallet: WalletClient<Transport, Chain, Account>) => Promise<T>): Promise<T> {
  return db.withLock(`signer:${serverAccount().address.toLowerCase()}`, () => fn(serverWalletClient()));
}
