import { describe, expect, it } from "vitest";
import { concat, encodeAbiParameters, keccak256, recoverTypedDataAddress, toHex, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  MARKETPLACE_DOMAIN_NAME,
  MARKETPLACE_DOMAIN_VERSION,
  NATIVE_CURRENCY,
  ORDER_TYPEHASH,
  hashOrder,
  marketplaceDomain,
  orderTypedData,
  randomSalt,
  type Order,
} from "./orders";

// Hardhat's first two well-known dev keys (public test keys, never funded outside local chains).
const seller = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const other = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const MARKET: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const TICKET: Address = "0xa16E02E87b7454126E5E10d957A927A7F5B5d2be";

const order: Order = {
  seller: seller.address,
  token: TICKET,
  tokenId: 7n,
  amount: 1n,
  price: 110_000_000_000_000_000n,
  currency: NATIVE_CURRENCY,
  expiry: 1_900_000_000n,
  nonce: 0n,
  salt: 42n,
};

/** EIP-712 by hand: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(order)). */
function manualHash(o: Order, chainId: bigint, verifyingContract: Address) {
  const domainTypeHash = keccak256(
    toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
  );
  const domainSeparator = keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [domainTypeHash, keccak256(toHex("TicketChain Marketplace")), keccak256(toHex("1")), chainId, verifyingContract],
    ),
  );
  const structHash = keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint256" },
        { type: "uint256" },
        { type: "address" },
        { type: "uint64" },
        { type: "uint256" },
        { type: "uint256" },
      ],
      [ORDER_TYPEHASH, o.seller, o.token, o.tokenId, o.amount, o.price, o.currency, o.expiry, o.nonce, o.salt],
    ),
  );
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
}

describe("order typed data", () => {
  it("uses the contract's domain name, version and type hash", () => {
    expect(MARKETPLACE_DOMAIN_NAME).toBe("TicketChain Marketplace");
    expect(MARKETPLACE_DOMAIN_VERSION).toBe("1");
    // Marketplace.ORDER_TYPEHASH()
    expect(ORDER_TYPEHASH).toBe("0xe6973051b121a375734e8202b44859dd7292916e067208d7b047ff392070e99b");
    expect(marketplaceDomain(31337n, MARKET)).toEqual({
      name: "TicketChain Marketplace",
      version: "1",
      chainId: 31337,
      verifyingContract: MARKET,
    });
  });

  it("hashOrder equals the EIP-712 digest computed by hand", () => {
    expect(hashOrder(order, 31337, MARKET)).toBe(manualHash(order, 31337n, MARKET));
    expect(hashOrder(order, 137n, MARKET)).toBe(manualHash(order, 137n, MARKET));
  });

  it("every field, the chain and the marketplace address change the hash", () => {
    const base = hashOrder(order, 31337, MARKET);
    const variants: Order[] = [
      { ...order, seller: other.address },
      { ...order, token: MARKET },
      { ...order, tokenId: 8n },
      { ...order, amount: 2n },
      { ...order, price: order.price + 1n },
      { ...order, currency: TICKET },
      { ...order, expiry: order.expiry + 1n },
      { ...order, nonce: 1n },
      { ...order, salt: 43n },
    ];
    const hashes = new Set([base, ...variants.map((v) => hashOrder(v, 31337, MARKET))]);
    hashes.add(hashOrder(order, 80002, MARKET));
    hashes.add(hashOrder(order, 31337, TICKET));
    expect(hashes.size).toBe(variants.length + 3);
  });

  it("a signature over orderTypedData recovers to the seller, and only for the signed order", async () => {
    const typed = orderTypedData(order, 31337, MARKET);
    const signature = await seller.signTypedData(typed);
    expect(await recoverTypedDataAddress({ ...typed, signature })).toBe(seller.address);
    const tampered = orderTypedData({ ...order, price: order.price * 2n }, 31337, MARKET);
    expect(await recoverTypedDataAddress({ ...tampered, signature })).not.toBe(seller.address);
  });

  it("randomSalt gives distinct 256-bit values", () => {
    const a = randomSalt();
    const b = randomSalt();
    expect(a).not.toBe(b);
    expect(a >= 0n && a < 2n ** 256n).toBe(true);
  });
});
