/**
 * A local chain with the platform deployed (Ignition, as `npm start` does), for tests that need real
 * contracts without the whole app: `startPlatformChain()` (test/support/platform-chain.ts) runs this in
 * its own process. Writes DATA_DIR/deployments/chain-31337.json and prints one JSON line when ready.
 */
import { deployLocal } from "../../server/bootstrap";
import { startLocalChain } from "../../server/chain/local-node";

const dataDir = process.env.DATA_DIR!;
const port = Number(process.env.LOCAL_CHAIN_PORT);
const chain = await startLocalChain({ dataDir, host: "127.0.0.1", port, log: (m) => console.error(m) });
const deployment = await deployLocal(chain, dataDir, null, (m) => console.error(m));
console.log(JSON.stringify({ platformReady: true, url: chain.url, deployment }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await chain.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
