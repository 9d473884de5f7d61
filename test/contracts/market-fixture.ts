// Artifact typings of the marketplace and its test contracts (see the note in ./fixtures.ts).
/// <reference path="../../artifacts/contracts/Marketplace.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/MarketWallet.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/MarketReentrantBuyer.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/MarketMisconfiguredPlatform.sol/artifacts.d.ts" />
/**
 * The core platform ({platformFixture}) plus a Marketplace and the fractions vault behind ERC1967Proxies,
 * both registered with `factory.setPlatformContracts`, and a few tickets ready to resell:
 *  - `ticket`: capped event (110 % of face, 5 % royalty to `promoter`); `seller` (fan1) bought tokens
 *    1..3 of tier 1 (face 0.25 ETH, cap 0.275 ETH) and approved the marketplace for all;
 *  - `openTicket`: uncapped event by `promoter2` (5 % royalty); `seller` bought tokens 1..2 of tier 1;
 *  - `buyer` (fan2) and `buyer2` (fan3) hold 10,000 tUSDC each.
 * Helpers build, sign (viem signTypedData with app/lib/orders.ts) and fill orders.
 */
import "./fixtures";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeFunctionData, parseEther, parseUnits, zeroAddress, type Address, type Hex } from "viem";
import * as orders from "../../app/lib/orders";
import { hashOrder, orderTypedData, type Order } from "../../app/lib/orders";
import { mined } from "./fixtures";
import { platformFixture, type WalletClient } from "./platform";
import { deployVault, fractionIdOf } from "./fractions-fixture";

/** app/lib/orders.ts (the app's order module; tsconfig's ts-node.moduleTypes lets this CommonJS suite load it). */
export { orders };
export type { Order };

/** Platform fee of the test marketplace: 2.5 %. */
export const FEE_BPS = 250;
export const BPS = 10_000n;
export const USDC = (amount: string) => parseUnits(amount, 6);
export const FACE = parseEther("0.25"); // tier 1 of the default TIERS
export const CAP = (FACE * 11_000n) / BPS; // 110 %

export type Market = Awaited<ReturnType<typeof hre.viem.getContractAt<"Marketplace">>>;

export async function marketFixture() {
  const p = await platformFixture();
  const { admin, promoter2, fan1: seller, fan2: buyer, fan3: buyer2, usdc, publicClient } = p;
  const treasury = p.spares[0];
  const chainId = await publicClient.getChainId();

  const marketImplementation = await hre.viem.deployContract("Marketplace", [p.forwarder.address]);
  const initData = encodeFunctionData({
    abi: marketImplementation.abi,
    functionName: "initialize",
    args: [p.factory.address, FEE_BPS, treasury.account.address, usdc.address],
  });
  const { contract: proxy, deploymentTransaction } = await hre.viem.sendDeploymentTransaction("ERC1967Proxy", [
    marketImplementation.address,
    initData,
  ]);
  const deployReceipt = await publicClient.waitForTransactionReceipt({ hash: deploymentTransaction.hash });
  const market = await hre.viem.getContractAt("Marketplace", proxy.address);
  const { vault } = await deployVault(p.forwarder.address, p.factory.address);
  await p.setPlatformContracts({ marketplace: market.address, fractions: vault.address });

  const capped = await p.createEvent();
  const open = await p.createEvent({ name: "Open Air", resaleCapBps: 0, promoter: promoter2 });
  await p.buy(capped.ticket, 1n, 3n, seller);
  await p.buy(open.ticket, 1n, 2n, seller);
  for (const t of [capped.ticket, open.ticket]) {
    await mined(t.write.setApprovalForAll([market.address, true], { account: seller.account }));
  }
  for (const w of [buyer, buyer2]) {
    await mined(usdc.write.mint([w.account.address, USDC("10000")], { account: admin.account }));
  }

  const expiry = BigInt(await time.latest()) + 30n * 86_400n;

  /** An order by `seller` (default: capped ticket 1 at the cap, native, current nonce). */
  function order(overrides: Partial<Order> = {}): Order {
    return {
      seller: seller.account.address,
      token: capped.ticket.address,
      tokenId: 1n,
      amount: 1n,
      price: CAP,
      currency: zeroAddress,
      expiry,
      nonce: 0n,
      salt: 1n,
      ...overrides,
    };
  }

  /** EIP-712 signature of `o` by `signer` (default: the wallet of `o.seller`). */
  async function sign(o: Order, signer?: WalletClient): Promise<Hex> {
    const wallet = signer ?? p.wallets.find((w) => w.account.address.toLowerCase() === o.seller.toLowerCase());
    if (!wallet) throw new Error(`no wallet for ${o.seller}`);
    return wallet.signTypedData({ account: wallet.account, ...orderTypedData(o, chainId, market.address) });
  }

  /** The order's hash as the app computes it. */
  const hashOf = (o: Order) => hashOrder(o, chainId, market.address);

  /** Fills `o` (signed by its seller unless `signature` is given) from `from`, paying the native total when native. */
  async function fill(
    o: Order,
    options: { from?: WalletClient; amount?: bigint; signature?: Hex; value?: bigint } = {},
  ) {
    const amount = options.amount ?? o.amount;
    const signature = options.signature ?? (await sign(o));
    const value = options.value ?? (o.currency === zeroAddress ? o.price * amount : 0n);
    return market.write.fill([o, signature, amount], { account: (options.from ?? buyer).account, value });
  }

  /** Balance changes are easier to read as credits. */
  const credits = (payee: Address, currency: Address = zeroAddress) => p.escrow.read.credits([payee, currency]);

  return {
    ...p,
    chainId,
    treasury,
    seller,
    buyer,
    buyer2,
    marketImplementation,
    market,
    deployReceipt,
    vault,
    ticket: capped.ticket,
    eventId: capped.eventId,
    openTicket: open.ticket,
    openEventId: open.eventId,
    expiry,
    order,
    sign,
    hashOf,
    fill,
    credits,
  };
}

export type MarketPlatform = Awaited<ReturnType<typeof marketFixture>>;

/**
 * {marketFixture} + fractions: `seller` bought capped ticket 4 and locked it into {SHARES} shares
 * (`capId`; cap per share CAP / SHARES), and open ticket 3 into {SHARES} shares (`openId`, uncapped);
 * the marketplace is approved on the vault.
 */
export const SHARES = 100n;
export async function fractionsMarketFixture() {
  const m = await marketFixture();
  const { vault, seller, ticket, openTicket, market } = m;
  await m.buy(ticket, 1n, 1n, seller); // 4
  await m.buy(openTicket, 1n, 1n, seller); // 3
  for (const [t, tokenId] of [
    [ticket, 4n],
    [openTicket, 3n],
  ] as const) {
    await mined(t.write.approve([vault.address, tokenId], { account: seller.account }));
    await mined(vault.write.fractionalize([t.address, tokenId, SHARES, parseEther("1")], { account: seller.account }));
  }
  await mined(vault.write.setApprovalForAll([market.address, true], { account: seller.account }));
  const capId = fractionIdOf(ticket.address, 4n);
  const openId = fractionIdOf(openTicket.address, 3n);

  /** An order of `amount` shares of `capId` (default) at the per-share cap. */
  const shareOrder = (overrides: Partial<Order> = {}) =>
    m.order({ token: vault.address, tokenId: capId, amount: 40n, price: CAP / SHARES, ...overrides });

  return { ...m, capId, openId, shareOrder };
}
