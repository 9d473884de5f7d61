/**
 * Deploys the platform's contracts to a network with the Ignition module (ignition/modules/Platform.ts).
 *
 *   RPC_URL_AMOY=https://… DEPLOYER_PRIVATE_KEY=0x… npm run deploy -- --network amoy \
 *     [--admin 0x…] [--minter 0x…] [--fee-recipient 0x…] [--payment-token 0x… (main networks)]
 *
 * Networks: amoy, polygon, sepolia, ethereum (RPC_URL_<NETWORK> + DEPLOYER_PRIVATE_KEY), or localhost
 * (a running `npm run chain`, for rehearsals). Testnets and localhost deploy TestUSDC as the accepted
 * ERC-20 (module PlatformWithTestToken); main networks need --payment-token (module Platform). Module
 * parameters come from ignition/parameters/<network>.json when it exists, overridden by the flags. The
 * deployer is the first admin; with --admin it grants the admin role and renounces its own afterwards. Ignition records the addresses in
 * ignition/deployments/chain-<id>/deployed_addresses.json, which the app reads: commit that folder.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, getAddress, http, isAddress, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ticketFactoryAbi } from "../app/contracts/abi";
import { EnvError, parseEnv } from "../app/env.server";

const TEST_TOKEN = { file: "ignition/modules/Platform.ts", module: "PlatformWithTestToken" } as const;
const MAINNET = { file: "ignition/modules/PlatformMainnet.ts", module: "Platform" } as const;
const NETWORKS = {
  localhost: { rpcVar: null, chainId: 31337, ...TEST_TOKEN },
  amoy: { rpcVar: "RPC_URL_AMOY", chainId: 80002, ...TEST_TOKEN },
  polygon: { rpcVar: "RPC_URL_POLYGON", chainId: 137, ...MAINNET },
  sepolia: { rpcVar: "RPC_URL_SEPOLIA", chainId: 11155111, ...TEST_TOKEN },
  ethereum: { rpcVar: "RPC_URL_ETHEREUM", chainId: 1, ...MAINNET },
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
  parseEnv(process.env, { app: false });
} catch (error) {
  if (error instanceof EnvError) fail(error.message);
  throw error;
}
if (target.rpcVar && !process.env[target.rpcVar]) fail(`${target.rpcVar} is not set`);
if (target.rpcVar && !process.env.DEPLOYER_PRIVATE_KEY) fail("DEPLOYER_PRIVATE_KEY is not set (the key that pays for the deployment)");

const parametersFile = path.join("ignition", "parameters", `${network}.json`);
const fromFile = existsSync(parametersFile)
  ? (JSON.parse(readFileSync(parametersFile, "utf8")) as Record<string, Record<string, string>>)
  : {};
const moduleParameters: Record<string, string> = { ...(fromFile[target.module] ?? {}) };
for (const name of ["minter", "feeRecipient", "paymentToken"] as const) {
  const value = flag(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  if (value !== undefined) moduleParameters[name] = value;
  if (moduleParameters[name] !== undefined && !isAddress(moduleParameters[name])) {
    fail(`${name} must be an address, got ${moduleParameters[name]}`);
  }
}
if (target.module === "Platform" && !moduleParameters.paymentToken) {
  fail(`--payment-token (the stablecoin accepted on ${network}) is required on a main network`);
}
const admin = flag("admin");
if (admin !== undefined && !isAddress(admin)) fail(`admin must be an address, got ${admin}`);
const tmp = mkdtempSync(path.join(tmpdir(), "ticketchain-deploy-"));
const parameters = path.join(tmp, "parameters.json");
writeFileSync(parameters, JSON.stringify({ [target.module]: moduleParameters }, null, 2));
const deploymentId = flag("deployment-id") ?? `chain-${target.chainId}`;

const run = spawnSync(
  "npx",
  [
    "hardhat",
    "ignition",
    "deploy",
    target.file,
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
const recorded = JSON.parse(readFileSync(addresses, "utf8")) as Record<string, string>;
console.log(`\nAddresses recorded in ${addresses}:`);
console.log(JSON.stringify(recorded, null, 2));

// The deployer made the set-up calls as the first admin; hand the platform over when asked to.
if (admin !== undefined) await handOver(getAddress(admin), getAddress(recorded[`${target.module}#TicketFactory`]));
if (network !== "localhost") console.log(`Commit ignition/deployments/${deploymentId}/ so every app server reads the same addresses.`);

async function handOver(newAdmin: Address, factory: Address) {
  const url = target.rpcVar ? process.env[target.rpcVar]!.split(",")[0].trim() : `http://127.0.0.1:${process.env.LOCAL_CHAIN_PORT ?? 8545}`;
  const transport = http(url);
  const client = createPublicClient({ transport });
  const account = process.env.DEPLOYER_PRIVATE_KEY
    ? privateKeyToAccount(process.env.DEPLOYER_PRIVATE_KEY as Hex)
    : (await createWalletClient({ transport }).getAddresses())[0];
  const deployer = typeof account === "string" ? account : account.address;
  if (getAddress(deployer) === newAdmin) return;
  const chain = { id: await client.getChainId() } as Chain;
  const wallet = createWalletClient({ account, transport, chain });
  const role = await client.readContract({ address: factory, abi: ticketFactoryAbi, functionName: "DEFAULT_ADMIN_ROLE" });
  for (const [functionName, who] of [
    ["grantRole", newAdmin],
    ["renounceRole", deployer],
  ] as const) {
    const hash = await wallet.writeContract({ address: factory, abi: ticketFactoryAbi, functionName, args: [role, who], chain });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") fail(`${functionName} failed in ${hash}`);
  }
  console.log(`Admin role handed over to ${newAdmin}; the deployer ${deployer} keeps none.`);
}
