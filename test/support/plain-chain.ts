/**
 * A local Hardhat chain WITHOUT the journal, for tests that need `evm_snapshot` / `evm_revert` (the
 * journaled embedded chain refuses them: they cannot be replayed). Deploys the platform with the same
 * Ignition module as `npm start`, prints one JSON line `{ url, deployment }`, and runs until SIGINT/SIGTERM.
 * Run as a child process (`startScript`): Hardhat's runtime does not load inside Vitest's module runner.
 *   DATA_DIR (deployment record), LOCAL_CHAIN_PORT
 */
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import { deployLocal } from "../../server/bootstrap";
import type { LocalChain } from "../../server/chain/local-node";

const dataDir = process.env.DATA_DIR!;
const port = Number(process.env.LOCAL_CHAIN_PORT);
const { default: hre } = await import("hardhat");
// `npm run coverage` leaves instrumented (oversized) artifacts behind; compile restores the real ones
// (a no-op when they are current), as `hardhat ignition deploy` does for `npm run deploy`.
await hre.run("compile", { quiet: true });
const provider = hre.network.provider;
const server = (await hre.run(TASK_NODE_CREATE_SERVER, { hostname: "127.0.0.1", port, provider })) as {
  listen(): Promise<{ port: number }>;
  close(): Promise<void>;
};
await server.listen();
const url = `http://127.0.0.1:${port}`;
const deployment = await deployLocal({ hre, provider, chainId: 31337 } as unknown as LocalChain, dataDir, null, () => {});
console.log(JSON.stringify({ url, deployment }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
