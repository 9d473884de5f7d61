/**
 * Deploys the platform's contracts to a network with the Ignition module (ignition/modules/Platform.ts).
 *
 *   RPC_URL_AMOY=https://… DEPLOYER_PRIVATE_KEY=0x… npm run deploy -- --network amoy [--admin 0x…] [--minter 0x…]
 *
 * Networks: amoy, polygon, sepolia, ethereum (RPC_URL_<NETWORK> + DEPLOYER_PRIVATE_KEY), or localhost
 * (a running `npm run chain`, for rehearsals). Module parameters come from ignition/parameters/<network>.json
 * when it exists, overridden by --admin / --minter. Ignition records the addresses in
 * ignition/deployments/chain-<id>/deployed_addresses.json, which the app reads: commit that folder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { isAddress } from "viem";
import { EnvError, parseEnv } from "../app/env.server";

const NETWORKS = {
  localhost: { rpcVar: null, chainId: 31337 },
  amoy: { rpcVar: "RPC_URL_AMOY", chainId: 80002 },
  polygon: { rpcVar: "RPC_URL_POLYGON", chainId: 137 },
  sepolia: { rpcVar: "RPC_URL_SEPOLIA", chainId: 11155111 },
  ethereum: { rpcVar: "RPC_URL_ETHEREUM", chainId: 1 },
} as const;

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(2);
}

function flag(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith("--")) fail(`--${name} needs a value`);
  return value;
}

const network = flag("network") as keyof typeof NETWORKS | undefined;
if (!network || !(network in NETWORKS)) fail(`--network must be one of ${Object.keys(NETWORKS).join(", ")}`);
const target = NETWORKS[network];

try {
  parseEnv();
} catch (error) {
  if (error instanceof EnvError) fail(error.message);
  throw error;
}
if (target.rpcVar && !process.env[target.rpcVar]) fail(`${target.rpcVar} is not set`);
if (target.rpcVar && !process.env.DEPLOYER_PRIVATE_KEY) fail("DEPLOYER_PRIVATE_KEY is not set (the key that pays for the deployment)");

const parametersFile = path.join("ignition", "parameters", `${network}.json`);
const fromFile = existsSync(parametersFile)
  ? (JSON.parse(readFileSync(parametersFile, "utf8")) as { Platform?: Record<string, string> })
  : {};
const platform: Record<string, string> = { ...(fromFile.Platform ?? {}) };
for (const name of ["admin", "minter"] as const) {
  const value = flag(name);
  if (value !== undefined) platform[name] = value;
  if (platform[name] !== undefined && !isAddress(platform[name])) fail(`${name} must be an address, got ${platform[name]}`);
}

const tmp = mkdtempSync(path.join(tmpdir(), "ticketchain-deploy-"));
const parameters = path.join(tmp, "parameters.json");
writeFileSync(parameters, JSON.stringify({ Platform: platform }, null, 2));
const deploymentId = flag("deployment-id") ?? `chain-${target.chainId}`;

const run = spawnSync(
  "npx",
  [
    "hardhat",
    "ignition",
    "deploy",
    "ignition/modules/Platform.ts",
    "--network",
    network,
    "--parameters",
    parameters,
    "--deployment-id",
    deploymentId,
  ],
  { stdio: ["inherit", "inherit", "inherit"], env: process.env },
);
rmSync(tmp, { recursive: true, force: true });
if (run.status !== 0) process.exit(run.status ?? 1);

const addresses = path.join("ignition", "deployments", deploymentId, "deployed_addresses.json");
console.log(`\nAddresses recorded in ${addresses}:`);
console.log(readFileSync(addresses, "utf8"));
if (network !== "localhost") console.log(`Commit ignition/deployments/${deploymentId}/ so every app server reads the same addresses.`);
