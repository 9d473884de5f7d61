/**
 * Fixture of the FractionalTicketOwnership suites: the core platform ({platformFixture}), the fractions
 * vault deployed behind an ERC1967Proxy and registered with `factory.setPlatformContracts`, one event
 * with {TIERS}, a few tickets, and a {FractionsReentrant} wallet contract.
 *
 * Tickets of the event (tier 1 = 0.25 ETH, tier 0 = 0.1 ETH):
 *  - 1, 2, 3: bought on chain by fan1 (tier 1);
 *  - 4: minted by the minter for a card order to fan2 (tier 1, `primaryPaid == 0`);
 *  - 5: bought on chain by fan3 (tier 0).
 */
/// <reference path="../../artifacts/contracts/FractionalTicketOwnership.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/FractionsReentrant.sol/artifacts.d.ts" />
/// <reference path="../../artifacts/contracts/test/FractionsMsgDataHarness.sol/artifacts.d.ts" />
import hre from "hardhat";
import {
  encodeAbiParameters,
  encodeFunctionData,
  hexToBigInt,
  keccak256,
  parseEther,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { FORWARD_REQUEST_TYPES, mined, TIERS } from "./fixtures";
import { platformFixture, type Ticket, type WalletClient } from "./platform";

export const FRACTIONS_URI = "https://tickets.example/fractions/{id}.json";
export const MIN_SHARES = 2n;
export const MAX_SHARES = 1_000_000n;
export const BIG_TIER = 1n;
export const SMALL_TIER = 0n;
export const BIG_PRICE = TIERS[1].price; // 0.25 ETH
export const SMALL_PRICE = TIERS[0].price; // 0.1 ETH
export const DEFAULT_BUYOUT = parseEther("1");

/** IFractionalTicketOwnership.VaultState */
export const VaultState = { None: 0, Locked: 1, Redeemed: 2, BoughtOut: 3, Refunded: 4 } as const;

/** FractionsReentrant.Hook */
export const Hook = { None: 0, Receive: 1, ERC721: 2, ERC1155: 3 } as const;

/** uint256(keccak256(abi.encode(ticket, tokenId))), as the contract computes it. */
export function fractionIdOf(ticket: Address, tokenId: bigint): bigint {
  return hexToBigInt(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [ticket, tokenId])));
}

/** Native coin spent on gas by a transaction. */
export const gasCost = (receipt: TransactionReceipt) => receipt.gasUsed * receipt.effectiveGasPrice;

export async function deployVault(forwarder: Address, factory: Address) {
  const implementation = await hre.viem.deployContract("FractionalTicketOwnership", [forwarder]);
  const proxy = await hre.viem.deployContract("ERC1967Proxy", [
    implementation.address,
    encodeFunctionData({ abi: implementation.abi, functionName: "initialize", args: [factory, FRACTIONS_URI] }),
  ]);
  const vault = await hre.viem.getContractAt("FractionalTicketOwnership", proxy.address);
  return { implementation, vault };
}

export async function fractionsFixture() {
  const platform = await platformFixture();
  const { forwarder, factory, fan1, fan2, fan3, buy, mintBatch, setPlatformContracts } = platform;

  const { implementation, vault } = await deployVault(forwarder.address, factory.address);
  await setPlatformContracts({ fractions: vault.address });

  const event = await platform.createEvent();
  const { ticket } = event;
  await buy(ticket, BIG_TIER, 3n, fan1); // 1, 2, 3
  await mintBatch(ticket, BIG_TIER, [fan2.account.address]); // 4 (card)
  await buy(ticket, SMALL_TIER, 1n, fan3); // 5

  const attacker = await hre.viem.deployContract("FractionsReentrant", [vault.address], { value: parseEther("10") });

  /** Approves the vault for `tokenId` and fractionalizes it from `from` (default fan1). */
  async function lock(
    tokenId: bigint,
    options: { shares?: bigint; buyoutPrice?: bigint; from?: WalletClient; on?: Ticket } = {},
  ) {
    const from = options.from ?? fan1;
    const on = options.on ?? ticket;
    await mined(on.write.approve([vault.address, tokenId], { account: from.account }));
    const receipt = await mined(
      vault.write.fractionalize([on.address, tokenId, options.shares ?? 100n, options.buyoutPrice ?? DEFAULT_BUYOUT], {
        account: from.account,
      }),
    );
    return { id: fractionIdOf(on.address, tokenId), receipt };
  }

  /** Moves `amount` shares of `id` between accounts (plain ERC-1155 transfer by the holder). */
  async function give(id: bigint, from: WalletClient, to: Address, amount: bigint) {
    return mined(vault.write.safeTransferFrom([from.account.address, to, id, amount, "0x"], { account: from.account }));
  }

  /**
   * Has `signer` sign an ERC-2771 forward request for `vault.<data>` and `relayer` submit it through the
   * platform's forwarder (EIP-712 domain "TicketChainForwarder" / "1").
   */
  async function relay(signer: WalletClient, data: Hex, value = 0n) {
    const { publicClient, relayer } = platform;
    const nonce = await forwarder.read.nonces([signer.account.address]);
    const deadline = Number((await publicClient.getBlock()).timestamp) + 3600;
    const request = { from: signer.account.address, to: vault.address, value, gas: 1_000_000n, nonce, deadline, data };
    const signature = await signer.signTypedData({
      account: signer.account,
      domain: {
        name: "TicketChainForwarder",
        version: "1",
        chainId: await publicClient.getChainId(),
        verifyingContract: forwarder.address,
      },
      types: FORWARD_REQUEST_TYPES,
      primaryType: "ForwardRequest",
      message: request,
    });
    const { nonce: _nonce, ...rest } = request;
    return mined(forwarder.write.execute([{ ...rest, signature }], { value, account: relayer.account }));
  }

  /** Makes the attacker contract call `target` with `data` (and `value` from its own balance). */
  async function attackerDoes(target: Address, data: Hex, value = 0n) {
    return mined(attacker.write.execute([target, data, value]));
  }

  return {
    ...platform,
    ...event,
    vaultImplementation: implementation,
    vault,
    attacker,
    lock,
    give,
    relay,
    attackerDoes,
  };
}

export type Fractions = Awaited<ReturnType<typeof fractionsFixture>>;
