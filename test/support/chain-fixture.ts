/**
 * A real local chain for Vitest suites: the embedded Hardhat node (journaled, like `npm start`) on
 * LOCAL_CHAIN_PORT with the platform deployed by Ignition into DATA_DIR, in a child process (Hardhat is
 * loaded outside Vitest's module system). Prints one JSON line with the deployment, then serves until
 * SIGINT/SIGTERM. Start it with startScript("test/support/chain-fixture.ts", { ready: /"factory"/ }).
 * CHAIN_FIXTURE_JOURNAL=off: not journaled, so evm_setAutomine / evm_setIntervalMining work (the sale-day
 * benchmark's Polygon-timed run); such a chain cannot be restarted from its data dir.
 */
import { startLocalChain } from "../../server/chain/local-node";
import { deployLocal } from "../../server/bootstrap";
import { readDeployment } from "../../app/services/deployments.server";

const dataDir = process.env.DATA_DIR!;
const port = Number(process.env.LOCAL_CHAIN_PORT!);
const journal = process.env.CHAIN_FIXTURE_JOURNAL !== "off";
const chain = await startLocalChain({ dataDir, host: "127.0.0.1", port, journal, log: (m) => console.error(m) });
const deployment = await deployLocal(chain, dataDir, readDeployment(chain.chainId, dataDir), (m) => console.error(m));
console.log(JSON.stringify(deployment));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await chain.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
