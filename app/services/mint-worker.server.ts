import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type PgBoss from "pg-boss";
import type Stripe from "stripe";
import {
  BaseError,
  ContractFunctionRevertedError,
  getAddress,
  keccak256,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { concertTicketAbi } from "~/contracts/abi";
import type { Db, DbHandle } from "../../db/client.server";
import { events, mintBatches, orders, ticketTiers } from "../../db/schema";
import { publicClient } from "./chain.server";
import { metrics } from "./metrics.server";
import { voidOrders } from "./orders.server";
import { MINT_QUEUE } from "./queue.server";
import { serverAccount, withSigner } from "./signer.server";

/**
 * The mint worker: authorized card orders → one `mintBatch(tier, recipients, batchRef)` per contract and
 * tier (up to `maxTickets` tickets) → capture. Exactly once, also across crashes:
 *  1. the batch row (status prepared, batchRef = keccak256(batch id)) and its orders (status minting) are
 *     written BEFORE the transaction is sent;
 *  2. the transaction is sent under the signer lock and its hash recorded (status sent);
 *  3. after the receipt, the batch is confirmed and each order minted with its token ids; tiers move the
 *     seats from reserved to sold; then each PaymentIntent is captured (order paid).
 * `reconcile()` (at start and on every pass) looks at prepared/sent batches: if the chain knows the
 * batchRef (`tokenForOrder(batchRef) != 0`) the batch is confirmed from the chain; otherwise it is sent
 * again with the SAME batchRef — the contract accepts a batchRef once, so a batch can never mint twice.
 * Minting that cannot succeed (event cancelled, sold out, sales closed: found by simulating first, or
 * decoded from a revert) cancels the authorizations and voids the orders.
 */

/** How often authorized orders without a batch are looked for (mintStranded). */
export const STRANDED_SWEEP_MS = 30_000;

/** PaymentIntent captures in flight at once (captureMinted). */
export const CAPTURE_CONCURRENCY = 8;

export const PERMANENT_REVERTS = ["TicketSoldOut", "TicketEventCancelled", "TicketSalesClosed", "TicketUnknownTier"] as const;

const REASONS: Record<(typeof PERMANENT_REVERTS)[number], string> = {
  TicketSoldOut: "the tickets sold out before yours could be issued",
  TicketEventCancelled: "the event was cancelled",
  TicketSalesClosed: "ticket sales closed before yours could be issued",
  TicketUnknownTier: "this ticket type no longer exists",
};

export interface MintWorkerOptions {
  handle: DbHandle;
  boss: PgBoss;
  stripe: () => Promise<Stripe>;
  /** tickets per mintBatch transaction */
  maxTickets?: number;
  pollMs?: number;
  log?: (message: string) => void;
}

interface Revert {
  name: string;
  args: readonly unknown[];
}

/** The decoded custom error of a reverted call, if it is one of the contract's. */
export function decodeRevert(error: unknown): Revert | null {
  if (!(error instanceof BaseError)) return null;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (!reverted?.data?.errorName) return null;
  return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
}

interface BatchOrder {
  id: string;
  quantity: number;
  recipient: string;
  tierId: string;
}

export class MintWorker {
  readonly maxTickets: number;
  private readonly log: (message: string) => void;
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: MintWorkerOptions) {
    this.maxTickets = options.maxTickets ?? 100;
    this.log = options.log ?? ((m) => console.log(`[mint] ${m}`));
  }

  private get db(): Db {
    return this.options.handle.db;
  }

  /**
   * Called right after a mintBatch transaction was handed to the node and before its hash is recorded.
   * Does nothing; the crash-safety test overrides it to kill the process at exactly this point.
   */
  protected async afterSend(_batchId: string, _hash: Hex): Promise<void> {}

  /** Called once the batch is written, before its transaction is sent (the other crash point of the tests). */
  protected async beforeSend(_batchId: string): Promise<void> {}

  /** Reconciles, then polls the queue until stop(). */
  start(): void {
    const tick = async () => {
      if (this.stopping) return;
      this.running = this.runOnce().catch((error) => this.log(`pass failed: ${(error as Error).message.split("\n")[0]}`));
      await this.running;
      this.running = null;
      if (!this.stopping) this.timer = setTimeout(tick, this.options.pollMs ?? 1000);
    };
    void tick();
  }

  /** Graceful: lets the pass in flight (a batch being minted) finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One pass: reconcile unfinished batches, mint the queued orders, capture minted ones. Only one worker
   * at a time across app servers (a named database lock); returns the number of jobs handled.
   */
  async runOnce(): Promise<number> {
    const lock = await this.options.handle.tryLock("mint-worker");
    if (!lock) return 0;
    try {
      await this.reconcile();
      // Stopping (graceful shutdown): the batch in flight is finished and recorded, nothing new is started;
      // captures of minted orders happen on the next start (in test mode the Stripe double is this server).
      if (this.stopping) return 0;
      const jobs = await this.options.boss.fetch<{ orderId: string }>(MINT_QUEUE, { batchSize: this.maxTickets });
      if (jobs.length) {
        const ids = jobs.map((job) => job.id);
        try {
          await this.mintOrders(jobs.map((job) => job.data.orderId));
          await this.options.boss.complete(MINT_QUEUE, ids);
        } catch (error) {
          // pg-boss retries the jobs with backoff (RPC down, node busy …).
          await this.options.boss.fail(MINT_QUEUE, ids);
          throw error;
        }
      }
      // Orders whose job is held by a worker that died (kill -9: pg-boss keeps the job active until it
      // expires) are minted from the orders table itself, without waiting for the queue.
      if (!this.stopping && jobs.length < this.maxTickets) await this.mintStranded();
      if (!this.stopping) await this.captureMinted();
      return jobs.length;
    } finally {
      await lock.release();
    }
  }

  private lastStrandedSweep = 0;

  /**
   * Authorized orders not in a batch a minute after their authorization: their mint job was lost with a
   * worker (or is still held by one that died). At most every 30 s; the guarded move to `minting` makes a
   * late job for the same order a no-op.
   */
  private async mintStranded(): Promise<void> {
    if (Date.now() - this.lastStrandedSweep < STRANDED_SWEEP_MS) return;
    this.lastStrandedSweep = Date.now();
    const stranded = await this.db
      .select({ id: orders.id })
      .from(orders)
      .where(and(eq(orders.status, "authorized"), sql`${orders.updatedAt} < now() - interval '60 seconds'`))
      .orderBy(asc(orders.updatedAt))
      .limit(this.maxTickets);
    if (!stranded.length) return;
    this.log(`minting ${stranded.length} authorized order(s) whose mint job did not arrive`);
    await this.mintOrders(stranded.map((o) => o.id));
  }

  /** Mints authorized orders, batched per contract + tier, at most maxTickets tickets per transaction. */
  async mintOrders(orderIds: string[]): Promise<void> {
    if (!orderIds.length) return;
    const rows = await this.db
      .select({
        id: orders.id,
        quantity: orders.quantity,
        recipient: orders.recipient,
        tierId: orders.tierId,
        position: ticketTiers.position,
        contract: events.contractAddress,
        chainId: events.chainId,
      })
      .from(orders)
      .innerJoin(ticketTiers, eq(ticketTiers.id, orders.tierId))
      .innerJoin(events, eq(events.id, orders.eventId))
      .where(and(inArray(orders.id, orderIds), eq(orders.status, "authorized")))
      .orderBy(asc(orders.createdAt), asc(orders.id));
    const groups = new Map<string, typeof rows>();
    for (const row of rows) {
      if (!row.contract || !row.recipient) continue;
      const key = `${row.chainId}:${row.contract.toLowerCase()}:${row.position}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    for (const group of groups.values()) {
      let chunk: typeof rows = [];
      let tickets = 0;
      const flush = async () => {
        if (!chunk.length) return;
        const { chainId, contract, position } = chunk[0]!;
        await this.mintChunk(chainId, getAddress(contract!), position, chunk.map((o) => ({ id: o.id, quantity: o.quantity, recipient: o.recipient!, tierId: o.tierId })));
        chunk = [];
        tickets = 0;
      };
      for (const order of group) {
        if (tickets + order.quantity > this.maxTickets) await flush();
        chunk.push(order);
        tickets += order.quantity;
      }
      await flush();
    }
  }

  private recipientsOf(list: BatchOrder[]): Address[] {
    return list.flatMap((o) => Array.from({ length: o.quantity }, () => getAddress(o.recipient)));
  }

  private async simulate(contract: Address, tier: number, recipients: Address[], batchRef: Hex): Promise<Revert | null> {
    try {
      await publicClient().simulateContract({
        address: contract,
        abi: concertTicketAbi,
        functionName: "mintBatch",
        args: [BigInt(tier), recipients, batchRef],
        account: serverAccount(),
      });
      return null;
    } catch (error) {
      const revert = decodeRevert(error);
      if (revert && (PERMANENT_REVERTS as readonly string[]).includes(revert.name)) return revert;
      throw error; // RPC trouble or an unexpected revert: retried with backoff
    }
  }

  private async mintChunk(chainId: number, contract: Address, tier: number, chunk: BatchOrder[]): Promise<void> {
    const batchId = randomUUID();
    const batchRef = keccak256(toHex(batchId));
    let list = chunk;
    // Simulate first: if minting cannot succeed, release the fans' money and seats right away.
    for (;;) {
      const revert = await this.simulate(contract, tier, this.recipientsOf(list), batchRef);
      if (!revert) break;
      let keep: BatchOrder[] = [];
      if (revert.name === "TicketSoldOut") {
        // Mint the orders that still fit; void the rest.
        let left = Number(revert.args[2] ?? 0n);
        for (const order of list) if (order.quantity <= left) (keep.push(order), (left -= order.quantity));
      }
      const dropped = list.filter((o) => !keep.includes(o));
      this.log(`cannot mint ${dropped.length} order(s) on ${contract} tier ${tier}: ${revert.name}`);
      await voidOrders(this.db, await this.options.stripe(), dropped.map((o) => o.id), REASONS[revert.name as keyof typeof REASONS]);
      if (!keep.length || keep.length === list.length) return;
      list = keep;
    }
    // Write the batch and point its orders at it BEFORE sending.
    const prepared = await this.db.transaction(async (tx) => {
      const moved = await tx
        .update(orders)
        .set({ status: "minting", mintBatchId: batchId, updatedAt: new Date() })
        .where(and(inArray(orders.id, list.map((o) => o.id)), eq(orders.status, "authorized")))
        .returning({ id: orders.id });
      if (!moved.length) return null;
      const members = await this.batchOrders(tx, batchId);
      await tx.insert(mintBatches).values({
        id: batchId,
        chainId,
        contractAddress: contract,
        tierPosition: tier,
        batchRef,
        status: "prepared",
        recipients: this.recipientsOf(members),
      });
      return members;
    });
    if (!prepared) return;
    metrics().mintBatchSize.observe(prepared.reduce((sum, o) => sum + o.quantity, 0));
    await this.beforeSend(batchId);
    const [batch] = await this.db.select().from(mintBatches).where(eq(mintBatches.id, batchId));
    await this.sendAndConfirm(batch!);
  }

  /** A batch's orders in their fixed order (token offsets follow it). */
  private async batchOrders(db: Db | Parameters<Parameters<Db["transaction"]>[0]>[0], batchId: string): Promise<BatchOrder[]> {
    const rows = await db
      .select({ id: orders.id, quantity: orders.quantity, recipient: orders.recipient, tierId: orders.tierId })
      .from(orders)
      .where(eq(orders.mintBatchId, batchId))
      .orderBy(asc(orders.createdAt), asc(orders.id));
    return rows.map((r) => ({ ...r, recipient: r.recipient! }));
  }

  /** Sends the batch (same batchRef every time), waits for the receipt and confirms it. */
  private async sendAndConfirm(batch: typeof mintBatches.$inferSelect): Promise<void> {
    const contract = getAddress(batch.contractAddress);
    const recipients = batch.recipients.map((r) => getAddress(r));
    const batchRef = batch.batchRef as Hex;
    const hash = await withSigner(this.options.handle, async (wallet) => {
      const nonce = await publicClient().getTransactionCount({ address: wallet.account.address, blockTag: "pending" });
      const sent = await wallet.writeContract({
        address: contract,
        abi: concertTicketAbi,
        functionName: "mintBatch",
        args: [BigInt(batch.tierPosition), recipients, batchRef],
        nonce,
        chain: wallet.chain,
        account: wallet.account,
      });
      await this.afterSend(batch.id, sent);
      await this.db
        .update(mintBatches)
        .set({ status: "sent", txHash: sent, nonce, attempts: sql`${mintBatches.attempts} + 1`, lastError: null, updatedAt: new Date() })
        .where(and(eq(mintBatches.id, batch.id), inArray(mintBatches.status, ["prepared", "sent"])));
      return sent;
    });
    const receipt = await publicClient().waitForTransactionReceipt({ hash, timeout: 120_000 });
    if (receipt.status === "success") {
      const [issued] = parseEventLogs({ abi: concertTicketAbi, eventName: "TicketsIssued", logs: receipt.logs }).filter(
        (log) => log.args.batchRef.toLowerCase() === batchRef.toLowerCase(),
      );
      await this.confirm(batch.id, issued!.args.firstTokenId, hash, receipt.gasUsed);
      return;
    }
    // Reverted: minted by an earlier send of the same batch, or impossible now, or a transient failure.
    await this.settleFromChain(batch, hash);
  }

  /** After a revert or a crash: what does the chain say about this batchRef? */
  private async settleFromChain(batch: typeof mintBatches.$inferSelect, knownHash: Hex | null): Promise<"confirmed" | "voided" | "unminted"> {
    const contract = getAddress(batch.contractAddress);
    const first = await publicClient().readContract({ address: contract, abi: concertTicketAbi, functionName: "tokenForOrder", args: [batch.batchRef as Hex] });
    if (first !== 0n) {
      const logs = await publicClient().getContractEvents({
        address: contract,
        abi: concertTicketAbi,
        eventName: "TicketsIssued",
        args: { batchRef: batch.batchRef as Hex },
        fromBlock: 0n,
      });
      const log = logs[0];
      const receipt = log ? await publicClient().getTransactionReceipt({ hash: log.transactionHash }) : null;
      await this.confirm(batch.id, first, log?.transactionHash ?? knownHash ?? ("0x" as Hex), receipt?.gasUsed ?? null);
      return "confirmed";
    }
    const revert = await this.simulate(contract, batch.tierPosition, batch.recipients.map((r) => getAddress(r)), batch.batchRef as Hex);
    if (revert) {
      const members = await this.batchOrders(this.db, batch.id);
      await this.db.update(mintBatches).set({ status: "failed", lastError: revert.name, updatedAt: new Date() }).where(eq(mintBatches.id, batch.id));
      await voidOrders(this.db, await this.options.stripe(), members.map((o) => o.id), REASONS[revert.name as keyof typeof REASONS]);
      return "voided";
    }
    return "unminted";
  }

  /** Batch confirmed; each order minted with its token ids; seats move from reserved to sold. Once. */
  private async confirm(batchId: string, firstTokenId: bigint, txHash: Hex, gasUsed: bigint | null): Promise<void> {
    // Seats sold come from the chain (the tier's `sold`, which counts wallet purchases too), never from adding
    // to our own figure: the indexer raises the same column from the Transfer logs, and two writers adding
    // would count a card ticket twice. Both only raise it (greatest), so they agree whatever the order.
    const [meta] = await this.db
      .select({ contract: mintBatches.contractAddress, position: mintBatches.tierPosition })
      .from(mintBatches)
      .where(eq(mintBatches.id, batchId));
    const onChainSold = meta
      ? Number((await publicClient().readContract({ address: meta.contract as Address, abi: concertTicketAbi, functionName: "tier", args: [BigInt(meta.position)] })).sold)
      : 0;
    await this.db.transaction(async (tx) => {
      const [batch] = await tx
        .update(mintBatches)
        .set({ status: "confirmed", firstTokenId: firstTokenId.toString(), txHash, gasUsed: gasUsed?.toString() ?? null, updatedAt: new Date() })
        .where(and(eq(mintBatches.id, batchId), inArray(mintBatches.status, ["prepared", "sent"])))
        .returning({ id: mintBatches.id });
      if (!batch) return;
      if (gasUsed !== null) metrics().gasSpent.inc({ operation: "mintBatch" }, Number(gasUsed));
      // One statement for the batch's orders (not one per order: a sale-day batch has 100), then one per tier.
      let offset = 0n;
      const values = (await this.batchOrders(tx, batchId)).map((order) => {
        const first = firstTokenId + offset;
        offset += BigInt(order.quantity);
        return sql`(${order.id}::uuid, ${first.toString()}::numeric)`;
      });
      if (!values.length) return;
      const result = await tx.execute(
        sql`update orders set status = 'minted', first_token_id = v.first, tx_hash = ${txHash}, updated_at = now()
            from (values ${sql.join(values, sql`, `)}) as v(id, first)
            where orders.id = v.id and orders.status = 'minting'
            returning orders.tier_id as "tierId", orders.quantity`,
      );
      const minted = (Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows) as Array<{ tierId: string; quantity: number }>;
      const perTier = new Map<string, number>();
      for (const order of minted) perTier.set(order.tierId, (perTier.get(order.tierId) ?? 0) + Number(order.quantity));
      for (const [tierId, quantity] of perTier) {
        await tx
          .update(ticketTiers)
          .set({ sold: sql`greatest(${ticketTiers.sold}, ${onChainSold})`, reserved: sql`${ticketTiers.reserved} - ${quantity}` })
          .where(eq(ticketTiers.id, tierId));
      }
    });
    this.log(`batch ${batchId} confirmed: first token ${firstTokenId} (${txHash})`);
  }

  /** Unfinished batches (a crash, an RPC error): confirm from the chain or send again with the same batchRef. */
  async reconcile(): Promise<void> {
    const open = await this.db.select().from(mintBatches).where(inArray(mintBatches.status, ["prepared", "sent"])).orderBy(asc(mintBatches.createdAt));
    for (const batch of open) {
      // Back off per batch after failures: 2^attempts seconds, at most 5 minutes.
      const wait = Math.min(2 ** batch.attempts, 300) * 1000;
      if (batch.lastError && Date.now() - batch.updatedAt.getTime() < wait) continue;
      try {
        if (batch.txHash) {
          const receipt = await publicClient().getTransactionReceipt({ hash: batch.txHash as Hex }).catch(() => null);
          if (!receipt) {
            // Still pending in the node's pool? Then wait for it rather than sending a second copy.
            const pending = await publicClient().getTransaction({ hash: batch.txHash as Hex }).catch(() => null);
            if (pending) await publicClient().waitForTransactionReceipt({ hash: batch.txHash as Hex, timeout: 120_000 });
          }
        }
        const state = await this.settleFromChain(batch, (batch.txHash as Hex | null) ?? null);
        if (state === "unminted") {
          this.log(`batch ${batch.id} not on chain: sending again with the same batchRef`);
          await this.sendAndConfirm(batch);
        }
      } catch (error) {
        await this.db
          .update(mintBatches)
          .set({ attempts: sql`${mintBatches.attempts} + 1`, lastError: (error as Error).message.split("\n")[0]!.slice(0, 500), updatedAt: new Date() })
          .where(eq(mintBatches.id, batch.id));
        this.log(`batch ${batch.id}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }

  /** Minted orders: capture the authorization (the fan pays only now that the ticket exists). */
  async captureMinted(): Promise<void> {
    const minted = await this.db
      .select({ id: orders.id, pi: orders.stripePaymentIntentId })
      .from(orders)
      // a capture that failed is retried once a minute, not on every pass
      .where(and(eq(orders.status, "minted"), sql`(${orders.failureReason} is null or ${orders.updatedAt} < now() - interval '60 seconds')`))
      .limit(100);
    if (!minted.length) return;
    const stripe = await this.options.stripe();
    // Captures are independent (idempotency key per order, conditional update): CAPTURE_CONCURRENCY at a
    // time, so a sale's thousand captures do not hold up the next mint batch one API round trip each.
    let next = 0;
    const captureNext = async (): Promise<void> => {
      while (next < minted.length) {
        const order = minted[next++]!;
        await this.captureOne(stripe, order);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CAPTURE_CONCURRENCY, minted.length) }, captureNext));
  }

  private async captureOne(stripe: Stripe, order: { id: string; pi: string | null }): Promise<void> {
    if (!order.pi) return;
    let paid = false;
    let problem: string | null = null;
    try {
      await stripe.paymentIntents.capture(order.pi, {}, { idempotencyKey: `capture:${order.id}` });
      paid = true;
    } catch (error) {
      const e = error as Stripe.errors.StripeError;
      if (e.type === "StripeInvalidRequestError" && /status of succeeded/.test(e.message)) paid = true;
      else problem = `capture failed: ${e.message}`;
    }
    await this.db
      .update(orders)
      .set(paid ? { status: "paid", failureReason: null, updatedAt: new Date() } : { failureReason: problem, updatedAt: new Date() })
      .where(and(eq(orders.id, order.id), eq(orders.status, "minted")));
    if (problem) this.log(`order ${order.id}: ${problem}`);
  }
}
