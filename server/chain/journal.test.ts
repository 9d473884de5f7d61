import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, http, parseEther, type Hash } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startScript, type Started } from "../../test/support/processes";
import { testUSDCAbi } from "../../app/contracts/abi";

/**
 * The embedded chain survives a restart: run transactions (spaced over several seconds, so block
 * timestamps really differ), stop the process, start a fresh one on the same data directory, and
 * compare every block hash, balance, nonce and piece of contract state.
 */
const A0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
const A1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const;
const A2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("journaled local chain", () => {
  let dataDir: string;
  let port: number;
  let chain: Started | null = null;

  const start = async () => {
    chain = await startScript("server/chain/standalone.ts", {
      env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port), LOCAL_CHAIN_HOST: "127.0.0.1" },
      ready: /"url":"http/,
    });
    return chain;
  };
  const clients = () => ({
    pub: createPublicClient({ chain: hardhat, transport: http(`http://127.0.0.1:${port}`) }),
    wallet: (account: `0x${string}`) => createWalletClient({ chain: hardhat, transport: http(`http://127.0.0.1:${port}`), account }),
  });
  const rpc = async (method: string, params: unknown[] = []) => {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    return (await response.json()) as { result?: unknown; error?: { message: string } };
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-chain-"));
    port = await freePort();
  });
  afterAll(async () => {
    await chain?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let snapshot: { blocks: string[]; balances: bigint[]; nonces: number[]; owner: string; contract: `0x${string}` };

  it("journals transfers, a deployment, contract calls and a reverted transaction", async () => {
    await start();
    const { pub, wallet } = clients();
    await pub.waitForTransactionReceipt({ hash: await wallet(A0).sendTransaction({ to: A1, value: parseEther("1.5") }) });
    await sleep(1100);

    // Deploy a contract whose state we can read back (TestUSDC, owned by A1).
    const artifact = JSON.parse(readFileSync("artifacts/contracts/TestUSDC.sol/TestUSDC.json", "utf8"));
    const deployHash: Hash = await wallet(A1).deployContract({ abi: testUSDCAbi, bytecode: artifact.bytecode, args: [A1] });
    const contract = (await pub.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    await sleep(1100);

    // A call that reverts (only the owner may mint) still mines a block.
    const failed = await wallet(A2)
      .writeContract({ address: contract, abi: testUSDCAbi, functionName: "mint", args: [A2, 1_000_000n], gas: 500_000n })
      .then(() => "mined", (error: Error) => error.message);
    expect(failed).toMatch(/OwnableUnauthorizedAccount|reverted/);
    await sleep(1100);
    await pub.waitForTransactionReceipt({ hash: await wallet(A2).sendTransaction({ to: A0, value: 12345n }) });

    const latest = await pub.getBlockNumber();
    const blocks: string[] = [];
    for (let n = 0n; n <= latest; n++) blocks.push((await pub.getBlock({ blockNumber: n })).hash!);
    const timestamps = new Set<bigint>();
    for (let n = 1n; n <= latest; n++) timestamps.add((await pub.getBlock({ blockNumber: n })).timestamp);
    expect(timestamps.size).toBeGreaterThanOrEqual(3);
    snapshot = {
      blocks,
      balances: await Promise.all([A0, A1, A2].map((address) => pub.getBalance({ address }))),
      nonces: await Promise.all([A0, A1, A2].map((address) => pub.getTransactionCount({ address }))),
      owner: await pub.getCode({ address: contract }).then((c) => c ?? ""),
      contract,
    };
    expect(snapshot.nonces).toEqual([1, 1, 2]);
  });

  it("refuses calls that cannot be replayed", async () => {
    for (const method of ["evm_snapshot", "evm_revert", "hardhat_reset", "evm_setIntervalMining"]) {
      const answer = await rpc(method, method === "evm_revert" ? ["0x1"] : method === "evm_setIntervalMining" ? [1000] : []);
      expect(answer.error?.message, method).toMatch(/not available on the journaled local chain/);
    }
    expect((await rpc("evm_setAutomine", [true])).result).toBe(true);
    expect((await rpc("evm_setAutomine", [false])).error?.message).toMatch(/not available/);
  });

  it("rebuilds the identical chain in a new process", async () => {
    expect(await chain!.stop("SIGTERM")).toBe(0);
    await start();
    expect(chain!.output()).toMatch(/"replayed":\d+/);
    const { pub } = clients();
    for (let n = 0; n < snapshot.blocks.length; n++) {
      expect((await pub.getBlock({ blockNumber: BigInt(n) })).hash, `block ${n}`).toBe(snapshot.blocks[n]);
    }
    expect(await Promise.all([A0, A1, A2].map((address) => pub.getBalance({ address })))).toEqual(snapshot.balances);
    expect(await Promise.all([A0, A1, A2].map((address) => pub.getTransactionCount({ address })))).toEqual(snapshot.nonces);
    expect(await pub.getCode({ address: snapshot.contract })).toBe(snapshot.owner);
  });

  it("survives a torn last line (a crash in the middle of a write)", async () => {
    expect(await chain!.stop("SIGTERM")).toBe(0);
    appendFileSync(path.join(dataDir, "chain", "journal.ndjson"), '{"m":"eth_sendTransa');
    await start();
    expect(chain!.output()).toContain("ignoring a torn last line");
    const { pub, wallet } = clients();
    expect((await pub.getBlock({ blockNumber: BigInt(snapshot.blocks.length - 1) })).hash).toBe(snapshot.blocks.at(-1));
    // And it keeps journaling on a clean line afterwards.
    await pub.waitForTransactionReceipt({ hash: await wallet(A0).sendTransaction({ to: A2, value: 1n }) });
    const lines = readFileSync(path.join(dataDir, "chain", "journal.ndjson"), "utf8").trimEnd().split("\n");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
