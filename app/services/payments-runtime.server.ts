import type PgBoss from "pg-boss";
import type { DbHandle } from "../../db/client.server";
import { MintWorker, type MintWorkerOptions } from "./mint-worker.server";
import { sweepReservations, settleCancelledEvents } from "./orders.server";
import { configurePaymentsEndpoint, doubleOptions, payments, type PaymentsEndpoint } from "./payments.server";
import { startQueue } from "./queue.server";
import { ResaleFillWorker, sweepResaleReservations } from "./resale-card.server";
import { deliverPendingEvents, expireOverdueSessions } from "./stripe-double/double.server";
import { currentDeployment } from "./chain.server";
import { sweepWaitlist } from "./waitlist.server";

/**
 * Card payments in the background of `npm start`: the pg-boss queue, the mint worker (reconcile at start,
 * then poll), and a sweeper every `sweepMs` that expires lapsed reservations and waitlist offers, offers held
 * waitlist tickets to the next fan (and, in test mode, lets the
 * Stripe double expire its overdue sessions and redeliver unacknowledged webhooks, as Stripe does).
 */

export interface PaymentsRuntime {
  boss: PgBoss;
  worker: MintWorker | null;
  /** fills card purchases of resale listings (null when the worker is off) */
  resaleWorker: ResaleFillWorker | null;
  /** one sweeper pass (also run on its interval) */
  sweep(): Promise<void>;
  /** graceful: the batch in flight is finished, then the queue stops */
  stop(): Promise<void>;
}

export interface StartPaymentsOptions extends PaymentsEndpoint {
  handle: DbHandle;
  /** run the mint worker in this process (default true) */
  worker?: boolean;
  /** test-only subclasses (the crash test) */
  workerClass?: new (options: MintWorkerOptions) => MintWorker;
  pollMs?: number;
  sweepMs?: number;
  maxTickets?: number;
  log?: (message: string) => void;
}

const GLOBAL_KEY = Symbol.for("ticketchain.paymentsRuntime");
type GlobalWithRuntime = typeof globalThis & { [GLOBAL_KEY]?: PaymentsRuntime };

/** The running payments runtime (the webhook route enqueues mint jobs through its queue). */
export function paymentsRuntime(): PaymentsRuntime {
  const runtime = (globalThis as GlobalWithRuntime)[GLOBAL_KEY];
  if (!runtime) throw new Response("Card payments are not running on this server.", { status: 503 });
  return runtime;
}

export async function startPayments(options: StartPaymentsOptions): Promise<PaymentsRuntime> {
  const log = options.log ?? ((m: string) => console.log(`[payments] ${m}`));
  configurePaymentsEndpoint({ publicUrl: options.publicUrl, internalUrl: options.internalUrl });
  const { handle } = options;
  const boss = await startQueue(handle);
  const stripe = async () => (await payments(handle.db)).stripe;
  const { testMode } = await payments(handle.db);
  let worker: MintWorker | null = null;
  let resaleWorker: ResaleFillWorker | null = null;
  if (options.worker !== false) {
    const Worker = options.workerClass ?? MintWorker;
    worker = new Worker({ handle, boss, stripe, pollMs: options.pollMs, maxTickets: options.maxTickets, log: (m) => log(`mint: ${m}`) });
    worker.start();
    resaleWorker = new ResaleFillWorker({ handle, boss, stripe, pollMs: options.pollMs, log: (m) => log(`resale: ${m}`) });
    resaleWorker.start();
  }
  let sweeping: Promise<void> | null = null;
  const sweep = async () => {
    const s = await stripe();
    const expired = await sweepReservations(handle.db, boss, s);
    if (expired) log(`released ${expired} lapsed reservation(s)`);
    const lapsed = await sweepResaleReservations(handle.db, boss, s);
    if (lapsed) log(`released ${lapsed} lapsed resale reservation(s)`);
    // Face-value waitlist: expired offers pass to the next fan; held listings are offered (and mailed).
    const offered = await sweepWaitlist(handle.db, options.publicUrl, currentDeployment()?.chainId);
    if (offered) log(`offered ${offered} waitlist ticket(s)`);
    const settled = await settleCancelledEvents(handle.db, s);
    if (settled) log(`settled ${settled} card order(s) of cancelled events (refunded or not charged)`);
    if (testMode) {
      await expireOverdueSessions(handle.db);
      await deliverPendingEvents(handle.db, doubleOptions().webhookUrl);
    }
  };
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = sweep()
      .catch((error) => log(`sweeper: ${(error as Error).message.split("\n")[0]}`))
      .finally(() => (sweeping = null));
  }, options.sweepMs ?? 30_000);
  timer.unref();
  const runtime: PaymentsRuntime = {
    boss,
    worker,
    resaleWorker,
    sweep,
    async stop() {
      clearInterval(timer);
      await worker?.stop();
      await resaleWorker?.stop();
      await sweeping;
      await boss.stop({ graceful: true, wait: true, close: false, timeout: 10_000 });
      if ((globalThis as GlobalWithRuntime)[GLOBAL_KEY] === runtime) delete (globalThis as GlobalWithRuntime)[GLOBAL_KEY];
    },
  };
  (globalThis as GlobalWithRuntime)[GLOBAL_KEY] = runtime;
  log(`card payments: ${testMode ? "test mode (local Stripe double at /v1, hosted page /test-checkout)" : "Stripe"}; mint worker ${worker ? "running" : "off"}`);
  return runtime;
}
