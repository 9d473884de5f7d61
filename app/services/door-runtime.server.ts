import { concertTicketAbi } from "~/contracts/abi";
import type { DbHandle } from "../../db/client.server";
import { currentDeployment, publicClient } from "./chain.server";
import { flushCheckIns } from "./door.server";
import { serverAccount, withSigner } from "./signer.server";

/**
 * The periodic job of door check-in: every `intervalMs`, recorded check-ins are checked in on chain in
 * batches (`ConcertTicket.checkIn(tokenIds)`) by the server signer. A failure is logged and retried on the
 * next round; it never stops the app.
 */
export function startCheckInBatches(options: { handle: DbHandle; log: (m: string) => void; intervalMs?: number }) {
  const { handle, log } = options;
  let running: Promise<unknown> | null = null;
  const round = async () => {
    const deployment = currentDeployment();
    if (!deployment) return;
    const client = publicClient();
    await flushCheckIns({
      handle,
      client,
      factory: deployment.factory,
      signer: serverAccount().address,
      log,
      send: (ticket, tokenIds) =>
        withSigner(handle, async (wallet) => {
          const hash = await wallet.writeContract({ address: ticket, abi: concertTicketAbi, functionName: "checkIn", args: [tokenIds] });
          const receipt = await client.waitForTransactionReceipt({ hash, timeout: 120_000 });
          if (receipt.status !== "success") throw new Error(`checkIn transaction ${hash} reverted`);
          return hash;
        }),
    });
  };
  const timer = setInterval(() => {
    if (running) return;
    running = round()
      .catch((error) => log(`door check-in: round failed: ${(error as Error).message.split("\n")[0]}`))
      .finally(() => (running = null));
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
