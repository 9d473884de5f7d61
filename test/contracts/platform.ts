/**
 * The whole core platform, deployed exactly in the order of docs/decisions/006-contract-architecture.md:
 * forwarder → ticket implementation(forwarder) → factory implementation + ERC1967Proxy(initialize(admin,
 * minter, ticketImplementation)) → escrow implementation + ERC1967Proxy(initialize(factory)) → TestUSDC →
 * factory.setPlatformContracts(escrow, marketplace, fractions).
 *
 * Marketplace and fractions are plain accounts registered in their place (`marketplaceAccount`, `fractionsAccount`)
 * until a suite deploys the real ones and calls `setPlatformContracts({ marketplace, fractions })`.
 *
 * Use with loadFixture: `const p = await loadFixture(platformFixture)` (or `eventFixture`, which adds one
 * event with {TIERS}, scanner granted). Every helper sends from the right account by default.
 */
import "./fixtures"; // artifact typings
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { encodeFunctionData, getAddress, parseEther, parseEventLogs, zeroHash, type Address, type Hex } from "viem";
import { BASE_URI, EVENT_NAME, ONE_DAY, TIERS, mined } from "./fixtures";

export type WalletClient = Awaited<ReturnType<typeof hre.viem.getWalletClients>>[number];
export type Ticket = Awaited<ReturnType<typeof hre.viem.getContractAt<"ConcertTicket">>>;

export interface TierInput {
  price: bigint;
  supply: number;
}

export interface EventOptions {
  name?: string;
  /** Unix time; defaults to 7 days after the current chain time. */
  startsAt?: bigint;
  baseURI?: string;
  royaltyBps?: number;
  resaleCapBps?: number;
  tiers?: readonly TierInput[];
  /** Who creates the event (must hold PROMOTER_ROLE); defaults to `promoter`. */
  promoter?: WalletClient;
  /** Grant scannerRole(eventId) to the `scanner` wallet (default true). */
  grantScanner?: boolean;
}

/** Default royalty (5 %) and resale cap (110 %) of test events. */
export const ROYALTY_BPS = 500;
export const RESALE_CAP_BPS = 11_000;

export async function platformFixture() {
  const wallets = await hre.viem.getWalletClients();
  const [
    admin,
    minter,
    promoter,
    scanner,
    fan1,
    fan2,
    fan3,
    relayer,
    stranger,
    marketplaceAccount,
    fractionsAccount,
    promoter2,
  ] = wallets;
  const publicClient = await hre.viem.getPublicClient();
  const fromAdmin = { account: admin.account };

  // 1. forwarder, 2. ticket implementation
  const forwarder = await hre.viem.deployContract("TrustedForwarder");
  const ticketImplementation = await hre.viem.deployContract("ConcertTicket", [forwarder.address]);

  // 3. factory implementation + proxy
  const factoryImplementation = await hre.viem.deployContract("TicketFactory", [forwarder.address]);
  const factoryProxy = await hre.viem.deployContract("ERC1967Proxy", [
    factoryImplementation.address,
    encodeFunctionData({
      abi: factoryImplementation.abi,
      functionName: "initialize",
      args: [admin.account.address, minter.account.address, ticketImplementation.address],
    }),
  ]);
  const factory = await hre.viem.getContractAt("TicketFactory", factoryProxy.address);

  // 4. escrow implementation + proxy
  const escrowImplementation = await hre.viem.deployContract("PaymentEscrow", [forwarder.address]);
  const escrowProxy = await hre.viem.deployContract("ERC1967Proxy", [
    escrowImplementation.address,
    encodeFunctionData({ abi: escrowImplementation.abi, functionName: "initialize", args: [factory.address] }),
  ]);
  const escrow = await hre.viem.getContractAt("PaymentEscrow", escrowProxy.address);

  // 5. TestUSDC, the one allowed ERC-20
  const usdc = await hre.viem.deployContract("TestUSDC", [admin.account.address]);
  await mined(escrow.write.setAllowedToken([usdc.address], fromAdmin));

  // 6. platform contracts (plain accounts stand in for marketplace and fractions; suites that need them deploy the real ones)
  await mined(
    factory.write.setPlatformContracts(
      [escrow.address, marketplaceAccount.account.address, fractionsAccount.account.address],
      fromAdmin,
    ),
  );

  const DEFAULT_ADMIN_ROLE = await factory.read.DEFAULT_ADMIN_ROLE();
  const PROMOTER_ROLE = await factory.read.PROMOTER_ROLE();
  const MINTER_ROLE = await factory.read.MINTER_ROLE();
  await mined(factory.write.grantRole([PROMOTER_ROLE, promoter.account.address], fromAdmin));
  await mined(factory.write.grantRole([PROMOTER_ROLE, promoter2.account.address], fromAdmin));

  /** Replaces marketplace and/or fractions (the escrow stays). */
  async function setPlatformContracts(contracts: { marketplace?: Address; fractions?: Address }) {
    return mined(
      factory.write.setPlatformContracts(
        [
          escrow.address,
          contracts.marketplace ?? (await factory.read.marketplace()),
          contracts.fractions ?? (await factory.read.fractions()),
        ],
        fromAdmin,
      ),
    );
  }

  /** Creates an event (defaults: {EVENT_NAME}, 7 days ahead, {TIERS}, 5 % royalty, 110 % cap). */
  async function createEvent(options: EventOptions = {}) {
    const creator = options.promoter ?? promoter;
    const startsAt = options.startsAt ?? BigInt(await time.latest()) + 7n * ONE_DAY;
    const input = {
      name: options.name ?? EVENT_NAME,
      startsAt,
      baseURI: options.baseURI ?? BASE_URI,
      royaltyBps: options.royaltyBps ?? ROYALTY_BPS,
      resaleCapBps: options.resaleCapBps ?? RESALE_CAP_BPS,
      tiers: (options.tiers ?? TIERS).map((t) => ({ price: t.price, supply: t.supply })),
    };
    const receipt = await mined(factory.write.createEvent([input], { account: creator.account }));
    const [created] = parseEventLogs({ abi: factory.abi, logs: receipt.logs, eventName: "EventCreated" });
    const { eventId } = created.args;
    const ticket = await hre.viem.getContractAt("ConcertTicket", created.args.ticket);
    if (options.grantScanner ?? true) {
      await mined(
        factory.write.grantRole([await factory.read.scannerRole([eventId]), scanner.account.address], {
          account: creator.account,
        }),
      );
    }
    return { eventId, ticket, receipt, input, startsAt };
  }

  /** `quantity` tickets of `tierId` bought by `fan` for the exact price. */
  async function buy(ticket: Ticket, tierId: bigint, quantity: bigint, fan: WalletClient = fan1) {
    const { price } = await ticket.read.tier([tierId]);
    return mined(ticket.write.buy([tierId, quantity], { value: price * quantity, account: fan.account }));
  }

  /** Card-order batch mint by `minter`; the batch reference defaults to "no reference". */
  async function mintBatch(ticket: Ticket, tierId: bigint, recipients: readonly Address[], batchRef: Hex = zeroHash) {
    return mined(ticket.write.mintBatch([tierId, [...recipients], batchRef], { account: minter.account }));
  }

  /** Check-in by `scanner`. */
  async function checkIn(ticket: Ticket, tokenIds: readonly bigint[], by: WalletClient = scanner) {
    return mined(ticket.write.checkIn([[...tokenIds]], { account: by.account }));
  }

  /** Native balance of an address. */
  const balance = (address: Address) => publicClient.getBalance({ address });

  return {
    wallets,
    admin,
    minter,
    promoter,
    promoter2,
    scanner,
    fan1,
    fan2,
    fan3,
    relayer,
    stranger,
    marketplaceAccount,
    fractionsAccount,
    /** Unnamed spare accounts (index 12 onwards). */
    spares: wallets.slice(12),
    publicClient,
    forwarder,
    ticketImplementation,
    factoryImplementation,
    factory,
    escrowImplementation,
    escrow,
    usdc,
    DEFAULT_ADMIN_ROLE,
    PROMOTER_ROLE,
    MINTER_ROLE,
    setPlatformContracts,
    createEvent,
    buy,
    mintBatch,
    checkIn,
    balance,
  };
}

export type Platform = Awaited<ReturnType<typeof platformFixture>>;

/** {platformFixture} + one event by `promoter` with {TIERS} (scanner granted). */
export async function eventFixture() {
  const platform = await platformFixture();
  const event = await platform.createEvent();
  return { ...platform, ...event };
}

/** Normalised address (checksummed), for comparisons. */
export const addr = (a: string) => getAddress(a);

export { parseEther };
