import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { and, count, eq, sql } from "drizzle-orm";
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  keccak256,
  toHex,
  type Address,
  type Hash,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { chainCursors, chainLogs, events, tickets, ticketTiers } from "../../db/schema";
import { DEMO_ADMIN, DEMO_EVENT, DEMO_PROMOTER, demoAccount, seedDemo } from "../../server/bootstrap";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { freePort, startScript } from "../../test/support/processes";
import { concertTicketAbi, fractionalTicketOwnershipAbi, marketplaceAbi, paymentEscrowAbi, ticketFactoryAbi } from "~/contracts/abi";
import { NATIVE_CURRENCY, orderTypedData } from "~/lib/orders";
import type { Deployment } from "./deployments.server";
import { startIndexer, type Indexer } from "./indexer.server";
import { ticket, ticketsOfEvent, ticketsOwnedBy } from "./tickets.server";

/**
 * The indexer against a real local Hardhat chain (deployed with the Ignition module, demo event seeded)
 * on PGlite, and on a fresh PostgreSQL database when DATABASE_URL is set.
 */

const FAN = demoAccount(2).address;
const FAN2 = demoAccount(3).address;
const FAN3 = demoAccount(4).address;
const SCANNER = demoAccount(5).address;
const FAN4 = demoAccount(6).address;
const lower = (a: string) => a.toLowerCase();

/** A fresh non-journaled chain with the platform deployed (a child process; see test/support/plain-chain.ts). */
async function startChain(dataDir: string) {
  const port = await freePort();
  const process_ = await startScript("test/support/plain-chain.ts", {
    env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port) },
    ready: /"deployment"/,
  });
  const line = process_.output().split("\n").find((l) => l.includes('"deployment"'))!;
  const { url, deployment } = JSON.parse(line) as { url: string; deployment: Deployment };
  return { url, deployment, process: process_ };
}

describe.each(databaseBackends())("chain indexer (database: %s)", (backend, createDatabase) => {
  let database: TestDatabase;
  let dataDir: string;
  let chain: Awaited<ReturnType<typeof startChain>>;
  let handle: DbHandle;
  let client: PublicClient;
  let deployment: Deployment;
  let indexer: Indexer;
  let demo: { id: string; contract: Address };
  const rpc = () => http(chain.url);
  const wallet = (account: Address) => createWalletClient({ account, chain: hardhat, transport: rpc() });
  const mined = async (hash: Promise<Hash>) => {
    const receipt = await client.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };
  const start = () =>
    startIndexer({ handle, client, chainId: 31337, deployment, pollMs: 3_600_000, standbyMs: 200, rangeSize: 7 });
  const row = async (tokenId: number, contract = demo.contract) => ticket(31337, contract, BigInt(tokenId), handle.db);
  const tiers = async () =>
    (await handle.db.select({ position: ticketTiers.position, sold: ticketTiers.sold }).from(ticketTiers).where(eq(ticketTiers.eventId, demo.id)).orderBy(ticketTiers.position)).map(
      (t) => t.sold,
    );
  const buy = async (account: Address, tierId: bigint, quantity: bigint, contract = demo.contract) => {
    const { price } = await client.readContract({ address: contract, abi: concertTicketAbi, functionName: "tier", args: [tierId] });
    return mined(wallet(account).writeContract({ address: contract, abi: concertTicketAbi, functionName: "buy", args: [tierId, quantity], value: price * quantity }));
  };

  beforeAll(async () => {
    database = await createDatabase();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-indexer-"));
    chain = await startChain(dataDir);
    deployment = chain.deployment;
    client = createPublicClient({ chain: hardhat, transport: rpc(), cacheTime: 0 }) as PublicClient;
    const provider = { request: (args: { method: string; params?: unknown }) => client.request(args as never) };
    await seedDemo(handle.db, provider as unknown as Parameters<typeof seedDemo>[1], client, deployment, () => {}, "http://127.0.0.1:9");
    const [e] = await handle.db.select({ id: events.id, contract: events.contractAddress }).from(events);
    demo = { id: e!.id, contract: getAddress(e!.contract!) };
    indexer = start();
    await indexer.syncOnce();
  });
  afterAll(async () => {
    await indexer?.stop();
    await handle?.close();
    await database?.drop();
    await chain?.process.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("leads the chain and indexes the seeded event: no tickets yet, tiers unsold", async () => {
    expect(indexer.isLeader()).toBe(true);
    const head = Number(await client.getBlockNumber());
    await indexer.waitFor(head);
    const [created] = await handle.db.select().from(chainLogs).where(eq(chainLogs.eventName, "EventCreated"));
    expect(created!.args.ticket).toBe(lower(demo.contract));
    expect(await tiers()).toEqual([0, 0]);
  });

  it("indexes a wallet purchase: owner, tier, price paid; sold follows", async () => {
    const receipt = await buy(FAN, 0n, 2n);
    await indexer.syncOnce();
    for (const id of [1, 2]) {
      const t = await row(id);
      expect(t).toMatchObject({ owner: lower(FAN), originalOwner: lower(FAN), paidWei: DEMO_EVENT.tiers[0].priceWei.toString(), checkedIn: false });
      expect(t!.tier).toEqual({ position: 0, name: "General Admission" });
      expect(t!.event!.id).toBe(demo.id);
      expect(t!.mintedBlock).toBe(Number(receipt.blockNumber));
    }
    expect(await tiers()).toEqual([2, 0]);
    const logs = await handle.db.select({ name: chainLogs.eventName }).from(chainLogs).where(eq(chainLogs.txHash, receipt.transactionHash));
    expect(logs.map((l) => l.name).sort()).toEqual(["PrimaryDeposited", "TicketsPurchased", "Transfer", "Transfer"]);
  });

  it("counts a card-style mintBatch once even when the card worker already set sold", async () => {
    // The card worker records its own mint (sold = on-chain sold) before the indexer sees it.
    await handle.db.update(ticketTiers).set({ sold: 3 }).where(and(eq(ticketTiers.eventId, demo.id), eq(ticketTiers.position, 1)));
    const batchRef = keccak256(toHex("card-batch-1"));
    await mined(
      wallet(DEMO_ADMIN).writeContract({
        address: demo.contract,
        abi: concertTicketAbi,
        functionName: "mintBatch",
        args: [1n, [FAN2, FAN3, FAN2], batchRef],
      }),
    );
    await indexer.syncOnce();
    expect((await row(3))!).toMatchObject({ owner: lower(FAN2), paidWei: "0", tier: { position: 1, name: "VIP" } });
    expect((await row(4))!.owner).toBe(lower(FAN3));
    expect((await row(5))!.owner).toBe(lower(FAN2));
    expect(await tiers()).toEqual([2, 3]);
    const { sold } = await client.readContract({ address: demo.contract, abi: concertTicketAbi, functionName: "tier", args: [1n] });
    expect(sold).toBe(3);
  });

  it("follows transfers and check-ins", async () => {
    await mined(wallet(FAN).writeContract({ address: demo.contract, abi: concertTicketAbi, functionName: "transferFrom", args: [FAN, FAN4, 1n] }));
    const scannerRole = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "scannerRole", args: [1n] });
    await mined(wallet(DEMO_PROMOTER).writeContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "grantRole", args: [scannerRole, SCANNER] }));
    await mined(wallet(SCANNER).writeContract({ address: demo.contract, abi: concertTicketAbi, functionName: "checkIn", args: [[2n]] }));
    await indexer.syncOnce();
    expect(await row(1)).toMatchObject({ owner: lower(FAN4), originalOwner: lower(FAN) });
    expect(await row(2)).toMatchObject({ owner: lower(FAN), checkedIn: true });
    expect((await ticketsOwnedBy([FAN, FAN4], handle.db)).map((t) => t.tokenId)).toEqual(["1", "2"]);
  });

  it("follows a marketplace fill", async () => {
    const order = {
      seller: FAN2,
      token: demo.contract,
      tokenId: 3n,
      amount: 1n,
      price: DEMO_EVENT.tiers[1].priceWei,
      currency: NATIVE_CURRENCY,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400 * 365),
      nonce: 0n,
      salt: 7n,
    };
    await mined(wallet(FAN2).writeContract({ address: demo.contract, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [deployment.marketplace, true] }));
    const signature = await wallet(FAN2).signTypedData({ account: FAN2, ...orderTypedData(order, 31337, deployment.marketplace) });
    const receipt = await mined(
      wallet(FAN3).writeContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [order, signature, 1n], value: order.price }),
    );
    await indexer.syncOnce();
    expect(await row(3)).toMatchObject({ owner: lower(FAN3), originalOwner: lower(FAN2) });
    const names = (await handle.db.select({ name: chainLogs.eventName }).from(chainLogs).where(eq(chainLogs.txHash, receipt.transactionHash))).map((l) => l.name);
    expect(names).toContain("OrderFilled");
    expect(names).toContain("Credited");
  });

  it("marks a fractionalized ticket, held by the vault", async () => {
    await mined(wallet(FAN3).writeContract({ address: demo.contract, abi: concertTicketAbi, functionName: "approve", args: [deployment.fractions, 4n] }));
    await mined(
      wallet(FAN3).writeContract({
        address: deployment.fractions,
        abi: fractionalTicketOwnershipAbi,
        functionName: "fractionalize",
        args: [demo.contract, 4n, 100n, DEMO_EVENT.tiers[1].priceWei],
      }),
    );
    await indexer.syncOnce();
    expect(await row(4)).toMatchObject({ owner: lower(deployment.fractions), fractionalized: true, originalOwner: lower(FAN3) });
    const names = (await handle.db.select({ name: chainLogs.eventName }).from(chainLogs).where(eq(chainLogs.address, lower(deployment.fractions)))).map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(["Fractionalized", "TransferSingle"]));
  });

  it("follows a ticket contract created and used within one range", async () => {
    const before = Number(await client.getBlockNumber());
    const startsAt = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
    const hash = await wallet(DEMO_PROMOTER).writeContract({
      address: deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "createEvent",
      args: [{ name: "Second Show", startsAt, baseURI: "", royaltyBps: 0, resaleCapBps: 0, tiers: [{ price: 10n ** 15n, supply: 10 }] }],
    });
    await mined(Promise.resolve(hash));
    const second = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [2n] });
    await buy(FAN4, 0n, 3n, second);
    expect(Number(await client.getBlockNumber()) - before).toBeLessThanOrEqual(7); // one range (rangeSize 7)
    await indexer.syncOnce();
    const t = await row(3, second);
    // No `events` row for this show (created outside the app): the ticket is indexed all the same.
    expect(t).toMatchObject({ owner: lower(FAN4), paidWei: (10n ** 15n).toString(), event: null, tier: { position: 0, name: "Tier 1" } });
    const [{ n }] = await handle.db.select({ n: count() }).from(tickets).where(eq(tickets.contractAddress, lower(second)));
    expect(n).toBe(3);
  });

  it("records cancellation and refunds", async () => {
    await mined(wallet(DEMO_PROMOTER).writeContract({ address: demo.contract, abi: concertTicketAbi, functionName: "cancelEvent" }));
    await mined(wallet(FAN).writeContract({ address: deployment.escrow, abi: paymentEscrowAbi, functionName: "claimRefund", args: [demo.contract, 2n] }));
    await indexer.syncOnce();
    const [e] = await handle.db.select({ status: events.status }).from(events).where(eq(events.id, demo.id));
    expect(e!.status).toBe("cancelled");
    expect(await row(2)).toMatchObject({ refunded: true, checkedIn: true });
    expect((await ticketsOfEvent(demo.id, handle.db)).map((t) => [t.tokenId, t.refunded])).toEqual([
      ["1", false],
      ["2", true],
      ["3", false],
      ["4", false],
      ["5", false],
    ]);
  });

  it("resumes from the cursor after a restart without duplicates", async () => {
    const snapshot = async () => ({
      logs: (await handle.db.select({ n: count() }).from(chainLogs))[0]!.n,
      tickets: await handle.db.select().from(tickets).orderBy(tickets.contractAddress, sql`${tickets.tokenId}`),
      cursor: (await handle.db.select().from(chainCursors))[0]!.blockNumber,
    });
    const before = await snapshot();
    await indexer.stop();
    await buy(FAN4, 0n, 1n, await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [2n] }));
    indexer = start();
    await indexer.syncOnce();
    const after = await snapshot();
    expect(after.cursor).toBe(Number(await client.getBlockNumber()));
    expect(after.logs).toBe(before.logs + 3); // Transfer, TicketsPurchased, PrimaryDeposited
    expect(after.tickets.length).toBe(before.tickets.length + 1);
    // Every ticket indexed before the restart is unchanged; the one new ticket is the one bought meanwhile.
    const key = (t: { contractAddress: string; tokenId: string }) => `${t.contractAddress}/${t.tokenId}`;
    const known = new Set(before.tickets.map(key));
    expect(after.tickets.filter((t) => known.has(key(t)))).toEqual(before.tickets);
    expect(after.tickets.filter((t) => !known.has(key(t))).map((t) => [t.tokenId, t.owner])).toEqual([["4", lower(FAN4)]]);
  });

  it("rewinds a reorg and reflects the new branch", async () => {
    // This test chain has no journal, so it takes snapshots: mine branch A, revert, mine a longer branch B.
    const base = { request: (args: { method: string; params?: unknown[] }) => client.request(args as never) as Promise<unknown> };
    const third = await createThirdEvent();
    const snapshotId = await base.request({ method: "evm_snapshot", params: [] });
    await buy(FAN, 0n, 2n, third); // branch A: tokens 1-2 to FAN
    await indexer.syncOnce();
    expect((await row(1, third))!.owner).toBe(lower(FAN));
    const headA = Number(await client.getBlockNumber());

    expect(await base.request({ method: "evm_revert", params: [snapshotId] })).toBe(true);
    await buy(FAN2, 0n, 1n, third); // branch B: token 1 to FAN2, and a longer chain
    await base.request({ method: "hardhat_mine", params: ["0x3"] });
    expect(Number(await client.getBlockNumber())).toBeGreaterThan(headA);
    await indexer.syncOnce();

    expect((await row(1, third))!.owner).toBe(lower(FAN2));
    expect(await row(2, third)).toBeNull();
    const [{ n }] = await handle.db.select({ n: count() }).from(tickets).where(eq(tickets.contractAddress, lower(third)));
    expect(n).toBe(1);
    // Every stored log belongs to the chain as it is now.
    const stored = await handle.db.select({ number: chainLogs.blockNumber, hash: chainLogs.blockHash }).from(chainLogs).where(sql`${chainLogs.blockNumber} > ${headA - 5}`);
    for (const log of stored) expect((await client.getBlock({ blockNumber: BigInt(log.number) })).hash).toBe(log.hash);
    // The demo event's derived rows survived the rebuild.
    expect(await row(2)).toMatchObject({ refunded: true, checkedIn: true });
    expect(await tiers()).toEqual([2, 3]);
  });

  it("lets only one indexer lead a chain at a time", async () => {
    const otherHandle = backend === "postgres" ? await openDb({ databaseUrl: database.databaseUrl, pgliteDir: "memory://" }) : handle;
    const other = startIndexer({ handle: otherHandle, client, chainId: 31337, deployment, pollMs: 3_600_000, standbyMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(indexer.isLeader()).toBe(true);
      expect(other.isLeader()).toBe(false);
      // The stand-by still sees progress through the shared cursor.
      await buy(FAN4, 0n, 1n, await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [2n] }));
      const head = Number(await client.getBlockNumber());
      await indexer.syncOnce();
      await other.waitFor(head, 5_000);
      // When the leader stops, the stand-by takes over.
      await indexer.stop();
      for (let i = 0; i < 50 && !other.isLeader(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(other.isLeader()).toBe(true);
    } finally {
      await other.stop();
      if (otherHandle !== handle) await otherHandle.close();
      indexer = start();
    }
  });

  async function createThirdEvent() {
    const startsAt = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
    await mined(
      wallet(DEMO_PROMOTER).writeContract({
        address: deployment.factory,
        abi: ticketFactoryAbi,
        functionName: "createEvent",
        args: [{ name: "Third Show", startsAt, baseURI: "", royaltyBps: 0, resaleCapBps: 0, tiers: [{ price: 10n ** 15n, supply: 10 }] }],
      }),
    );
    const n = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "eventCount" });
    const address = await client.readContract({ address: deployment.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [n] });
    await indexer.syncOnce();
    return address;
  }
});

