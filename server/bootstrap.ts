import { eq } from "drizzle-orm";
import {
  createWalletClient,
  custom,
  getAddress,
  parseAbiItem,
  parseEther,
  type Address,
  type PublicClient,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { Db } from "../db/client.server";
import { chains, events, ticketTiers, users } from "../db/schema";
import { writeLocalDeployment, type Deployment } from "../app/services/deployments.server";
import type { LocalChain } from "./chain/local-node";
import { ticketFactoryAbi } from "../app/contracts/abi";

/** Hardhat's well-known test mnemonic: the embedded chain's demo accounts (never use on a real network). */
export const DEMO_MNEMONIC = "test test test test test test test test test test test junk";
export const demoAccount = (index: number) => mnemonicToAccount(DEMO_MNEMONIC, { addressIndex: index });
/** #0 deploys and is the platform admin and minter; #1 is the demo promoter; #2.. are fans. */
export const DEMO_ADMIN = demoAccount(0).address;
export const DEMO_PROMOTER = demoAccount(1).address;


/** Deploys the platform to the embedded chain with the Ignition module, unless it is already there. */
export async function deployLocal(chain: LocalChain, dataDir: string, existing: Deployment | null, log: (m: string) => void) {
  if (existing) {
    const code = await chain.provider.request({ method: "eth_getCode", params: [existing.factory, "latest"] });
    if (code && code !== "0x") return existing;
    log("recorded deployment has no code on the local chain; deploying again");
  }
  const { default: PlatformWithTestToken } = await import("../ignition/modules/Platform");
  const started = Date.now();
  type Deployed = Record<
    "factory" | "escrow" | "marketplace" | "fractions" | "forwarder" | "ticketImplementation" | "paymentToken" | "priceFeed",
    { address: Address }
  >;
  const deployed = (await chain.hre.ignition.deploy(PlatformWithTestToken, {
    parameters: { PlatformWithTestToken: { minter: DEMO_ADMIN, feeRecipient: DEMO_ADMIN } },
  })) as unknown as Deployed;
  const deployment: Deployment = {
    chainId: chain.chainId,
    factory: getAddress(deployed.factory.address),
    escrow: getAddress(deployed.escrow.address),
    marketplace: getAddress(deployed.marketplace.address),
    fractions: getAddress(deployed.fractions.address),
    forwarder: getAddress(deployed.forwarder.address),
    ticketImplementation: getAddress(deployed.ticketImplementation.address),
    paymentToken: getAddress(deployed.paymentToken.address),
    priceFeed: getAddress(deployed.priceFeed.address),
  };
  writeLocalDeployment(dataDir, deployment);
  log(`deployed the platform with Ignition in ${Date.now() - started} ms: factory ${deployment.factory}`);
  return deployment;
}

export class ChainMismatchError extends Error {}

/**
 * Records the genesis hash of the chain this database talks to, or refuses a chain that is not the
 * one recorded (e.g. the local chain journal was deleted while the database was kept).
 */
export async function checkChainIdentity(db: Db, chainId: number, genesisHash: string, hint: string) {
  const [row] = await db.select().from(chains).where(eq(chains.chainId, chainId));
  if (!row) {
    await db.insert(chains).values({ chainId, genesisHash }).onConflictDoNothing();
    return;
  }
  if (row.genesisHash !== genesisHash) {
    throw new ChainMismatchError(
      `the database belongs to a different chain ${chainId} (genesis ${row.genesisHash}, now ${genesisHash}). ${hint}`,
    );
  }
}

export const DEMO_EVENT = {
  slug: "aurora-nights-demo",
  name: "Aurora Nights — Live at the Harbour Hall",
  description:
    "A demo show seeded on the embedded chain: two tiers, sold as NFTs. Buy with a wallet or by card in test mode.",
  venue: "Harbour Hall",
  city: "Lisbon",
  imageUrl: "/demo-event.svg",
  /** 5 % royalty to the promoter on resales; resale capped at 110 % of face value */
  royaltyBps: 500,
  resaleCapBps: 11_000,
  tiers: [
    { name: "General Admission", priceCents: 4500, priceWei: parseEther("180"), supply: 500 },
    { name: "VIP", priceCents: 12000, priceWei: parseEther("480"), supply: 50 },
  ],
} as const;

const eventCreated = parseAbiItem(
  "event EventCreated(uint256 indexed eventId, address indexed ticket, address indexed promoter, string name, uint64 startsAt)",
);

/**
 * Seeds the demo promoter and the demo event (database + chain). Idempotent: a second run finds both.
 * If a previous run created the event on chain but stopped before the database insert, the on-chain
 * event is found by its EventCreated log and reused rather than created twice.
 */
export async function seedDemo(
  db: Db,
  provider: LocalChain["provider"],
  client: PublicClient,
  deployment: Deployment,
  log: (m: string) => void,
  /** where the app serves /metadata (tokenURI = `${appUrl}/metadata/31337/<contract>/<tokenId>`) */
  appUrl = "http://localhost:3000",
) {
  const [existing] = await db.select({ id: events.id, onChainId: events.onChainId }).from(events).where(eq(events.slug, DEMO_EVENT.slug));
  if (existing) {
    if (existing.onChainId) await grantDemoScanner(provider, client, deployment, BigInt(existing.onChainId), log);
    return { created: false };
  }

  const wallet = (account: Address): WalletClient =>
    createWalletClient({ account, chain: hardhat, transport: custom(provider) });

  await db
    .insert(users)
    .values({ displayName: "Demo Promoter", email: "promoter@demo.local", walletAddress: DEMO_PROMOTER, role: "promoter" })
    .onConflictDoNothing();
  const [promoter] = await db.select({ id: users.id }).from(users).where(eq(users.walletAddress, DEMO_PROMOTER));

  const logs = await client.getLogs({
    address: deployment.factory,
    event: eventCreated,
    args: { promoter: DEMO_PROMOTER },
    fromBlock: 0n,
  });
  const previous = logs.find((l) => l.args.name === DEMO_EVENT.name);
  let onChainId: bigint;
  let ticket: Address;
  let startsAt: bigint;
  if (previous) {
    onChainId = previous.args.eventId!;
    ticket = previous.args.ticket!;
    startsAt = previous.args.startsAt!;
  } else {
    const promoterRole = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "PROMOTER_ROLE" });
    const hasRole = await client.readContract({
      address: deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "hasRole",
      args: [promoterRole, DEMO_PROMOTER],
    });
    if (!hasRole) {
      const hash = await wallet(DEMO_ADMIN).writeContract({
        address: deployment.factory,
        abi: ticketFactoryAbi,
        functionName: "grantRole",
        args: [promoterRole, DEMO_PROMOTER],
        chain: hardhat,
        account: DEMO_ADMIN,
      });
      await client.waitForTransactionReceipt({ hash });
    }
    const block = await client.getBlock();
    // The show is eight weeks after the chain's current time, at 20:00 UTC.
    const day = 86_400n;
    startsAt = ((block.timestamp + 56n * day) / day) * day + 20n * 3600n;
    const input = (baseURI: string) => ({
      name: DEMO_EVENT.name,
      startsAt,
      baseURI,
      royaltyBps: DEMO_EVENT.royaltyBps,
      resaleCapBps: DEMO_EVENT.resaleCapBps,
      tiers: DEMO_EVENT.tiers.map((t) => ({ price: t.priceWei, supply: t.supply })),
    });
    // The clone's address is known before it exists (CREATE from the factory): tokenURI points at its metadata.
    const { result: [, predicted] } = await client.simulateContract({
      address: deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "createEvent",
      args: [input("")],
      account: DEMO_PROMOTER,
    });
    const hash = await wallet(DEMO_PROMOTER).writeContract({
      address: deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "createEvent",
      args: [input(`${appUrl.replace(/\/$/, "")}/metadata/31337/${getAddress(predicted)}/`)],
      chain: hardhat,
      account: DEMO_PROMOTER,
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    const [created] = (await client.getLogs({ address: deployment.factory, event: eventCreated, blockHash: receipt.blockHash }));
    onChainId = created.args.eventId!;
    ticket = created.args.ticket!;
  }

  await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(events)
      .values({
        slug: DEMO_EVENT.slug,
        promoterId: promoter.id,
        name: DEMO_EVENT.name,
        description: DEMO_EVENT.description,
        venue: DEMO_EVENT.venue,
        city: DEMO_EVENT.city,
        imageUrl: DEMO_EVENT.imageUrl,
        startsAt: new Date(Number(startsAt) * 1000),
        status: "published",
        chainId: 31337,
        onChainId: onChainId.toString(),
        contractAddress: getAddress(ticket),
      })
      .returning({ id: events.id });
    await tx.insert(ticketTiers).values(
      DEMO_EVENT.tiers.map((t, position) => ({
        eventId: row.id,
        position,
        name: t.name,
        priceCents: t.priceCents,
        priceWei: t.priceWei.toString(),
        supply: t.supply,
      })),
    );
  });
  log(`seeded the demo event "${DEMO_EVENT.name}" (contract ${ticket})`);
  await grantDemoScanner(provider, client, deployment, onChainId, log);
  return { created: true };
}

/**
 * Door check-ins reach the chain through the server signer (#0), which needs scannerRole(eventId): the
 * demo promoter (#1, admin of that role) grants it. Idempotent.
 */
async function grantDemoScanner(provider: LocalChain["provider"], client: PublicClient, deployment: Deployment, eventId: bigint, log: (m: string) => void) {
  const factory = { address: deployment.factory, abi: ticketFactoryAbi } as const;
  const role = await client.readContract({ ...factory, functionName: "scannerRole", args: [eventId] });
  if (await client.readContract({ ...factory, functionName: "hasRole", args: [role, DEMO_ADMIN] })) return;
  const hash = await createWalletClient({ account: DEMO_PROMOTER, chain: hardhat, transport: custom(provider) }).writeContract({
    ...factory,
    functionName: "grantRole",
    args: [role, DEMO_ADMIN],
    chain: hardhat,
    account: DEMO_PROMOTER,
  });
  await client.waitForTransactionReceipt({ hash });
  log(`demo promoter granted the server signer scannerRole(${eventId}) for door check-ins`);
}



const feedAbi = [
  parseAbiItem("function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)"),
  parseAbiItem("function setAnswer(int256 answer)"),
] as const;

/**
 * The embedded chain's MockPriceFeed is a demo: re-publish its answer when it is older than 30 minutes, so
 * the app (which ignores answers older than an hour) keeps showing fiat conversions. Journaled like any
 * transaction. Real chains read Chainlink's feed and never call this.
 */
export async function refreshDemoPriceFeed(provider: LocalChain["provider"], client: PublicClient, deployment: Deployment) {
  if (!deployment.priceFeed) return false;
  const [, answer, , updatedAt] = await client.readContract({ address: deployment.priceFeed, abi: feedAbi, functionName: "latestRoundData" });
  const block = await client.getBlock();
  const now = BigInt(Math.max(Math.floor(Date.now() / 1000), Number(block.timestamp)));
  if (now - updatedAt < 1800n) return false;
  const hash = await createWalletClient({ account: DEMO_ADMIN, chain: hardhat, transport: custom(provider) }).writeContract({
    address: deployment.priceFeed,
    abi: feedAbi,
    functionName: "setAnswer",
    args: [answer],
    chain: hardhat,
    account: DEMO_ADMIN,
  });
  await client.waitForTransactionReceipt({ hash });
  return true;
}
