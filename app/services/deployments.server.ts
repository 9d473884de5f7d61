import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getAddress, type Address } from "viem";

/**
 * Where the platform's contract addresses are recorded, per chain id:
 *  - the embedded chain (31337): `<DATA_DIR>/deployments/chain-31337.json`, written at start-up after the
 *    Ignition deployment (it lives and dies with the chain journal in the same data directory);
 *  - real networks: Ignition's own record, `ignition/deployments/chain-<id>/deployed_addresses.json`,
 *    written by `npm run deploy -- --network <name>` and committed.
 */
export interface Deployment {
  chainId: number;
  factory: Address;
  escrow: Address;
  marketplace: Address;
  fractions: Address;
  forwarder: Address;
  ticketImplementation: Address;
  /** the one ERC-20 accepted by the marketplace (TestUSDC on the embedded chain and testnets) */
  paymentToken?: Address;
  /** Chainlink-style AggregatorV3 feed of the coin's USD price (MockPriceFeed locally; PRICE_FEED_ADDRESS on real chains) */
  priceFeed?: Address;
}

/** Future ids of the Ignition module (ignition/modules/Platform.ts) per deployment field. */
const IGNITION_IDS = {
  factory: "TicketFactory",
  escrow: "PaymentEscrow",
  marketplace: "Marketplace",
  fractions: "FractionalTicketOwnership",
  forwarder: "TrustedForwarder",
  ticketImplementation: "ConcertTicket",
} as const;
const MODULES = ["PlatformWithTestToken", "Platform"] as const;

export function localDeploymentFile(dataDir: string, chainId: number) {
  return path.join(dataDir, "deployments", `chain-${chainId}.json`);
}

export function ignitionDeploymentFile(chainId: number, root = process.cwd()) {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

export function fromIgnitionAddresses(chainId: number, addresses: Record<string, string>): Deployment {
  const module = MODULES.find((name) => addresses[`${name}#${IGNITION_IDS.factory}`]);
  if (!module) throw new Error(`deployment of chain ${chainId} has no ${MODULES.map((m) => `${m}#TicketFactory`).join(" or ")}`);
  const pick = (id: string) => {
    const value = addresses[`${module}#${id}`];
    if (!value) throw new Error(`deployment of chain ${chainId} lacks ${module}#${id}`);
    return getAddress(value);
  };
  const token = addresses[`${module}#TestUSDC`];
  const feed = addresses[`${module}#MockPriceFeed`];
  return {
    chainId,
    factory: pick(IGNITION_IDS.factory),
    escrow: pick(IGNITION_IDS.escrow),
    marketplace: pick(IGNITION_IDS.marketplace),
    fractions: pick(IGNITION_IDS.fractions),
    forwarder: pick(IGNITION_IDS.forwarder),
    ticketImplementation: pick(IGNITION_IDS.ticketImplementation),
    ...(token ? { paymentToken: getAddress(token) } : {}),
    ...(feed ? { priceFeed: getAddress(feed) } : {}),
  };
}

export function readDeployment(chainId: number, dataDir: string): Deployment | null {
  const local = localDeploymentFile(dataDir, chainId);
  if (existsSync(local)) return JSON.parse(readFileSync(local, "utf8")) as Deployment;
  const ignition = ignitionDeploymentFile(chainId);
  if (existsSync(ignition)) {
    return fromIgnitionAddresses(chainId, JSON.parse(readFileSync(ignition, "utf8")) as Record<string, string>);
  }
  return null;
}

export function writeLocalDeployment(dataDir: string, deployment: Deployment) {
  const file = localDeploymentFile(dataDir, deployment.chainId);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(deployment, null, 2));
}
