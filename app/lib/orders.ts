/**
 * Marketplace orders (contracts/Marketplace.sol, IMarketplace.Order): the EIP-712 domain and types a
 * seller signs with viem's `signTypedData`, and the hash the contract computes (`orderHash`, the key of
 * `filled`). Pure: no chain access, no randomness unless asked for (`randomSalt`).
 *
 *   const sig = await walletClient.signTypedData({ account, ...orderTypedData(order, chainId, marketplace) });
 */
import { hashTypedData, keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";

/** EIP-712 domain name and version, as fixed in Marketplace.sol. */
export const MARKETPLACE_DOMAIN_NAME = "TicketChain Marketplace";
export const MARKETPLACE_DOMAIN_VERSION = "1";

/** `currency` of an order priced in the chain's native coin (POL / ETH). */
export const NATIVE_CURRENCY: Address = zeroAddress;

/** One marketplace order, field for field as IMarketplace.Order (uint values as bigint). */
export interface Order {
  seller: Address;
  /** A ConcertTicket contract (whole ticket) or the fractions vault (shares). */
  token: Address;
  /** Ticket token id, or fraction id for shares. */
  tokenId: bigint;
  /** Units offered: 1 for a ticket, a number of shares for fractions. */
  amount: bigint;
  /** Price per unit in `currency` (wei, or the ERC-20's smallest unit). */
  price: bigint;
  /** {NATIVE_CURRENCY} or the allowed ERC-20. */
  currency: Address;
  /** Unix time (seconds) after which the order can no longer be filled. */
  expiry: bigint;
  /** The seller's current marketplace nonce (`nonces(seller)`). */
  nonce: bigint;
  /** Any number that makes otherwise identical orders distinct. */
  salt: bigint;
}

/** EIP-712 types of an order, for viem's `signTypedData` / `hashTypedData` / `verifyTypedData`. */
export const ORDER_TYPES = {
  Order: [
    { name: "seller", type: "address" },
    { name: "token", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "amount", type: "uint256" },
    { name: "price", type: "uint256" },
    { name: "currency", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "salt", type: "uint256" },
  ],
} as const;

/** The EIP-712 type string, as hashed into Marketplace.ORDER_TYPEHASH. */
export const ORDER_TYPE =
  "Order(address seller,address token,uint256 tokenId,uint256 amount,uint256 price,address currency,uint64 expiry,uint256 nonce,uint256 salt)";

/** keccak256 of {ORDER_TYPE}; equals Marketplace.ORDER_TYPEHASH(). */
export const ORDER_TYPEHASH: Hex = keccak256(toHex(ORDER_TYPE));

/** The signing domain of the Marketplace proxy at `marketplace` on chain `chainId`. */
export function marketplaceDomain(chainId: number | bigint, marketplace: Address) {
  return {
    name: MARKETPLACE_DOMAIN_NAME,
    version: MARKETPLACE_DOMAIN_VERSION,
    chainId: Number(chainId),
    verifyingContract: marketplace,
  } as const;
}

/** Domain, types, primary type and message: spread into `signTypedData({ account, ...orderTypedData(…) })`. */
export function orderTypedData(order: Order, chainId: number | bigint, marketplace: Address) {
  return {
    domain: marketplaceDomain(chainId, marketplace),
    types: ORDER_TYPES,
    primaryType: "Order" as const,
    message: order,
  };
}

/** The order's EIP-712 hash: what the seller signs, and `Marketplace.orderHash(order)`. */
export function hashOrder(order: Order, chainId: number | bigint, marketplace: Address): Hex {
  return hashTypedData(orderTypedData(order, chainId, marketplace));
}

/** A random 256-bit salt (Web Crypto), so two listings of the same thing never share a hash. */
export function randomSalt(): bigint {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return BigInt(toHex(bytes));
}
