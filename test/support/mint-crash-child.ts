/**
 * The crash-safety test's worker process: the real MintWorker, except that right after the node accepted
 * the mintBatch transaction — before the worker records its hash — the process kills itself with SIGKILL
 * (no cleanup, no finally blocks, exactly like a power cut or an OOM kill). CRASH_AT=before-send kills it
 * after the batch was written but before anything was sent.
 * Env: DATABASE_URL or PGLITE_DIR, DATA_DIR + LOCAL_CHAIN_PORT (the chain), APP_URL (the Stripe double).
 */
import type { Hex } from "viem";
import { getDbHandle } from "../../db/client.server";
import { MintWorker } from "../../app/services/mint-worker.server";
import { startPayments } from "../../app/services/payments-runtime.server";

/** CRASH_AT=after-send (default): the node has the transaction, we have no hash. before-send: nothing sent. */
const crashAt = process.env.CRASH_AT ?? "after-send";

function crash(details: Record<string, unknown>): Promise<never> {
  console.log(JSON.stringify({ crashing: true, ...details }));
  process.kill(process.pid, "SIGKILL");
  return new Promise(() => {}); // never continues
}

class CrashingWorker extends MintWorker {
  protected override async beforeSend(batchId: string): Promise<void> {
    if (crashAt === "before-send") await crash({ batchId });
  }
  protected override async afterSend(batchId: string, hash: Hex): Promise<void> {
    if (crashAt === "after-send") await crash({ batchId, hash });
  }
}

const handle = await getDbHandle({ databaseUrl: process.env.DATABASE_URL || undefined, pgliteDir: process.env.PGLITE_DIR ?? "memory://" });
const appUrl = process.env.APP_URL!;
const runtime = await startPayments({ handle, publicUrl: appUrl, internalUrl: appUrl, worker: false, sweepMs: 3_600_000, log: (m) => console.error(m) });
const worker = new CrashingWorker({ handle, boss: runtime.boss, stripe: async () => { throw new Error("not needed before the crash"); } });
await worker.runOnce();
console.log(JSON.stringify({ crashing: false, note: "no job was minted" }));
await runtime.stop();
await handle.close();
process.exit(0);
