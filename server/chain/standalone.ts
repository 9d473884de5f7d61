/**
 * Runs only the embedded chain (journaled) until SIGINT/SIGTERM: `npm run chain`.
 * Tests use it to restart the chain in a fresh process and compare state.
 */
import { startLocalChain } from "./local-node";

const dataDir = process.env.DATA_DIR ?? ".data";
const host = process.env.LOCAL_CHAIN_HOST ?? "127.0.0.1";
const port = Number(process.env.LOCAL_CHAIN_PORT ?? 8545);

const chain = await startLocalChain({ dataDir, host, port, log: (m) => console.error(m) });
console.log(JSON.stringify({ url: chain.url, chainId: chain.chainId, genesisHash: chain.genesisHash, replayed: chain.replayed }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await chain.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
