import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { createPublicClient, getAddress, http } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ticketFactoryAbi } from "../app/contracts/abi";
import { freePort, startScript, type Started } from "../test/support/processes";
import { fromIgnitionAddresses } from "../app/services/deployments.server";

/** `npm run deploy` rehearsed against the embedded chain running as its own JSON-RPC process. */
describe("npm run deploy", () => {
  let chain: Started;
  let port: number;
  let dataDir: string;
  const deploymentId = `test-${process.pid}-${Date.now()}`;
  const deploymentDir = path.join("ignition", "deployments", deploymentId);
  const ADMIN = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
  const MINTER = getAddress("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-deploy-"));
    port = await freePort();
    chain = await startScript("server/chain/standalone.ts", {
      env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port) },
      ready: /"url":"http/,
    });
  });
  afterAll(async () => {
    await chain?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(deploymentDir, { recursive: true, force: true });
  });

  /**
   * Runs `scripts/deploy.ts` without blocking this worker (a synchronous spawn would starve Vitest's RPC
   * with the worker for the whole deployment). Resolves with the exit status and output.
   */
  const deploy = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "scripts/deploy.ts", ...args],
        { env: { ...process.env, LOCAL_CHAIN_PORT: String(port), ...env }, encoding: "utf8" },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it("refuses an unknown network, a bad address and a missing key, without deploying", async () => {
    expect((await deploy(["--network", "mars"])).stderr).toMatch(/--network must be one of localhost, amoy, polygon, sepolia, ethereum/);
    expect((await deploy(["--network", "localhost", "--admin", "0x123"])).stderr).toMatch(/admin must be an address, got 0x123/);
    const amoy = await deploy(["--network", "amoy"], { RPC_URL_AMOY: "https://rpc-amoy.example", DEPLOYER_PRIVATE_KEY: "" });
    expect(amoy.status).toBe(2);
    expect(amoy.stderr).toMatch(/DEPLOYER_PRIVATE_KEY is not set/);
    const polygon = await deploy(["--network", "polygon"], { RPC_URL_POLYGON: "https://polygon.example", DEPLOYER_PRIVATE_KEY: `0x${"1".repeat(64)}` });
    expect(polygon.stderr).toMatch(/--payment-token \(the stablecoin accepted on polygon\) is required on a main network/);
    expect(existsSync(deploymentDir)).toBe(false);
  });

  it("deploys with Ignition, records the addresses, and sets the roles from the parameters", async () => {
    const run = await deploy(["--network", "localhost", "--deployment-id", deploymentId, "--admin", ADMIN, "--minter", MINTER]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const recorded = JSON.parse(readFileSync(path.join(deploymentDir, "deployed_addresses.json"), "utf8"));
    const deployment = fromIgnitionAddresses(31337, recorded);

    const client = createPublicClient({ chain: hardhat, transport: http(`http://127.0.0.1:${port}`) });
    expect(await client.getCode({ address: deployment.factory })).toMatch(/^0x[0-9a-f]{100,}/);
    const read = (functionName: "DEFAULT_ADMIN_ROLE" | "MINTER_ROLE") =>
      client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName });
    const hasRole = (role: `0x${string}`, account: `0x${string}`) =>
      client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "hasRole", args: [role, account] });
    expect(await hasRole(await read("DEFAULT_ADMIN_ROLE"), ADMIN)).toBe(true);
    expect(await hasRole(await read("MINTER_ROLE"), MINTER)).toBe(true);
    // The deployer made the set-up calls, then handed the admin role over and kept nothing.
    expect(await hasRole(await read("DEFAULT_ADMIN_ROLE"), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")).toBe(false);
    expect(run.stdout).toContain(`Admin role handed over to ${ADMIN}`);
    // The singletons are wired together through the factory.
    const view = (functionName: "escrow" | "marketplace" | "fractions" | "ticketImplementation") =>
      client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName }).then(getAddress);
    expect(await view("escrow")).toBe(deployment.escrow);
    expect(await view("marketplace")).toBe(deployment.marketplace);
    expect(await view("fractions")).toBe(deployment.fractions);
    expect(await view("ticketImplementation")).toBe(deployment.ticketImplementation);
    expect(deployment.paymentToken).toMatch(/^0x[0-9a-fA-F]{40}$/);
    // A real deployment (compile check + ~20 transactions through Ignition) takes ~15 s alone, far longer on
    // a loaded 2-core machine: allow for it.
  }, 240_000);
});
