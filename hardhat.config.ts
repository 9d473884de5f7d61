import { subtask, type HardhatUserConfig } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-viem";
import "@nomicfoundation/hardhat-ignition-viem";
import "solidity-coverage";

/**
 * Compiler setup (docs/decisions/004-offline-solc.md): Hardhat normally downloads solc, which this
 * project cannot rely on (offline CI). The `solc` npm package ships the same compiler as
 * soljson.js, so when the requested version is the one installed we hand Hardhat that file.
 */
const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async (args: { solcVersion: string }, _hre, runSuper) => {
    const solc = require("solc") as { version(): string };
    const longVersion = solc.version();
    const shortVersion = longVersion.split("+")[0];
    if (args.solcVersion === shortVersion) {
      return {
        version: shortVersion,
        longVersion,
        compilerPath: require.resolve("solc/soljson.js"),
        isSolcJs: true,
      };
    }
    return runSuper();
  },
);

/**
 * A network is configured only when its RPC URL is set (the first one when several are listed);
 * the deployer key comes from DEPLOYER_PRIVATE_KEY, never from a file.
 */
function remote(urlVar: string, chainId: number) {
  const url = process.env[urlVar]?.split(",")[0]?.trim();
  if (!url) return {};
  const key = process.env.DEPLOYER_PRIVATE_KEY;
  return {
    [urlVar.replace("RPC_URL_", "").toLowerCase()]: {
      url,
      chainId,
      accounts: key ? [key] : [],
    },
  };
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      // Storage layouts land in the build info, for the UUPS upgrade-safety check.
      outputSelection: { "*": { "*": ["storageLayout"] } },
    },
  },
  networks: {
    hardhat: {
      chainId: 31337,
      // A fixed genesis time keeps the embedded chain replayable (docs/decisions/003-local-chain-journal.md).
      ...(process.env.HARDHAT_INITIAL_DATE ? { initialDate: process.env.HARDHAT_INITIAL_DATE } : {}),
    },
    // The embedded chain when it runs as its own process (npm run chain), e.g. to rehearse a deployment.
    localhost: { url: `http://127.0.0.1:${process.env.LOCAL_CHAIN_PORT ?? 8545}`, chainId: 31337 },
    ...remote("RPC_URL_AMOY", 80002),
    ...remote("RPC_URL_POLYGON", 137),
    ...remote("RPC_URL_SEPOLIA", 11155111),
    ...remote("RPC_URL_ETHEREUM", 1),
  },
  paths: {
    sources: "./contracts",
    tests: "./test/contracts",
    // Coverage builds instrumented contracts (2-3x the bytecode, over the 24 KB limit): keep them apart so a
    // coverage run never leaves artifacts/ holding contracts that cannot be deployed by the app or its tests.
    cache: process.env.SOLIDITY_COVERAGE ? "./.cache/hardhat-coverage" : "./.cache/hardhat",
    artifacts: process.env.SOLIDITY_COVERAGE ? "./.cache/coverage-artifacts" : "./artifacts",
  },
  mocha: { timeout: 60_000 },
};

export default config;
