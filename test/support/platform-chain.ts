import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Deployment } from "../../app/services/deployments.server";
import { freePort, startScript, type Started } from "./processes";

export interface PlatformChain {
  url: string;
  port: number;
  /** DATA_DIR of the chain (its deployment record is there, where the app's env expects it) */
  dataDir: string;
  deployment: Deployment;
  process: Started;
  stop(): Promise<void>;
}

/** Starts a local Hardhat chain with the platform deployed, in its own process, on a free port. */
export async function startPlatformChain(): Promise<PlatformChain> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-platform-"));
  const port = await freePort();
  const started = await startScript("test/support/platform-chain-main.ts", {
    env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port) },
    ready: /"platformReady":true/,
    timeoutMs: 180_000,
  });
  const line = started.output().split("\n").find((l) => l.includes('"platformReady":true'))!;
  const { url, deployment } = JSON.parse(line) as { url: string; deployment: Deployment };
  return {
    url,
    port,
    dataDir,
    deployment,
    process: started,
    async stop() {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
