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
  ticketImplementation: Address;
}

const IGNITION_KEYS = {
  factory: "Platform#TicketFactory",
  ticketImplementation: "Platform#ConcertTicket",
} as const;

export function localDeploymentFile(dataDir: string, chainId: number) {
  return path.join(dataDir, "deployments", `chain-${chainId}.json`);
}

export function ignitionDeploymentFile(chainId: number, root = process.cwd()) {
  return path.join(root, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
}

export function fromIgnitionAddresses(chainId: number, addresses: Record<string, string>): Deployment {
  const missing = Object.values(IGNITION_KEYS).filter((key) => !addresses[key]);
  if (missing.length > 0) throw new Error(`deployment of chain ${chainId} lacks ${missing.join(", ")}`);
  return {
    chainId,
    factory: getAddress(addresses[IGNITION_KEYS.factory]),
    ticketImplementation: getAddress(addresses[IGNITION_KEYS.ticketImplementation]),
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
