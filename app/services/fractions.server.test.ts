import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { createPublicClient, createWalletClient, getAddress, http, type Address, type Hash, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, fractionalTicketOwnershipAbi, marketplaceAbi } from "~/contracts/abi";
import { NATIVE_CURRENCY, orderTypedData, type Order } from "~/lib/orders";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { events, shareListings } from "../../db/schema";
import { DEMO_EVENT, demoAccount, seedDemo } from "../../server/bootstrap";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { freePort, startScript } from "../../test/support/processes";
import type { Deployment } from "./deployments.server";
import {
  createShareListing,
  fractionHolders,
  getFraction,
  ListingError,
  openShareListings,
  reconcileShareListings,
  sharesHeldBy,
  type ListingContext,
} from "./fractions.server";
import { startIndexer, type Indexer } from "./indexer.server";
import { ticket } from "./tickets.server";

/**
 * Fractions against a real local Hardhat chain and the real indexer, on PGlite and (with DATABASE_URL) PostgreSQL:
 * holdings and states derived from chain_logs, the share order book reconciled from marketplace logs.
 */

const A = demoAccount(2).address;
const B = demoAccount(3).address;
const C = demoAccount(4).address;
const lower = (a: string) => a.toLowerCase();
const GA = DEMO_EVENT.tiers[0].priceWei; // 180 ETH face value, resale cap 110 %

async function startChain(dataDir: string) {
  const port = await freePort();
  const process_ = await startScript("test/support/plain-chain.ts", { env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port) }, ready: /"deployment"/ });
  const line = process_.output().split("\n").find((l) => l.includes('"deployment"'))!;
  const { url, deployment } = JSON.parse(line) as { url: string; deployment: Deployment };
  return { url, deployment, process: process_ };
}

describe.each(databaseBackends())("fractions (database: %s)", (_backend, createDatabase) => {
  let database: TestDatabase;
  let dataDir: string;
  let chain: Awaited<ReturnType<typeof startChain>>;
  let handle: DbHandle;
  let client: PublicClient;
  let deployment: Deployment;
  let indexer: Indexer;
  let contract: Address;
  let ctx: ListingContext;
  const wallet = (account: Address) => createWalletClient({ account, chain: hardhat, transport: http(chain.url) });
  const mined = async (hash: Promise<Hash>) => {
    const receipt = await client.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };
  const sync = async () => {
    await indexer.syncOnce();
    await reconcileShareListings(handle.db, 31337);
  };
  const holders = async (id: string) => (await fractionHolders(handle.db, 31337, deployment.fractions, id)).map((h) => [h.holder, h.balance]);
  const fraction = (id: string) => getFraction(handle.db, 31337, deployment.fractions, id);

  async function buyAndSplit(owner: Address, shares: bigint, buyoutPrice: bigint) {
    const receipt = await mined(wallet(owner).writeContract({ address: contract, abi: concertTicketAbi, functionName: "buy", args: [0n, 1n], value: GA }));
    const log = receipt.logs.find((l) => l.address.toLowerCase() === lower(contract) && l.topics.length === 4)!;
    const tokenId = BigInt(log.topics[3]!);
    await mined(wallet(owner).writeContract({ address: contract, abi: concertTicketAbi, functionName: "approve", args: [deployment.fractions, tokenId] }));
    await mined(
      wallet(owner).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "fractionalize", args: [contract, tokenId, shares, buyoutPrice] }),
    );
    const id = await client.readContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "fractionId", args: [contract, tokenId] });
    await sync();
    return { tokenId, id: id.toString() };
  }

  async function signListing(seller: Address, id: string, amount: bigint, price: bigint, salt = 1n): Promise<{ order: Order; signature: Hash }> {
    const order: Order = {
      seller,
      token: deployment.fractions,
      tokenId: BigInt(id),
      amount,
      price,
      currency: NATIVE_CURRENCY,
      expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
      nonce: 0n,
      salt,
    };
    const signature = await wallet(seller).signTypedData({ account: seller, ...orderTypedData(order, 31337, deployment.marketplace) });
    return { order, signature };
  }
  const asInput = ({ order, signature }: { order: Order; signature: Hash }) => ({
    order: Object.fromEntries(Object.entries(order).map(([k, v]) => [k, String(v)])),
    signature,
  });

  beforeAll(async () => {
    database = await createDatabase();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-fractions-"));
    chain = await startChain(dataDir);
    deployment = chain.deployment;
    client = createPublicClient({ chain: hardhat, transport: http(chain.url), cacheTime: 0 }) as PublicClient;
    const provider = { request: (args: { method: string; params?: unknown }) => client.request(args as never) };
    await seedDemo(handle.db, provider as unknown as Parameters<typeof seedDemo>[1], client, deployment, () => {}, "http://127.0.0.1:9");
    const [e] = await handle.db.select({ contract: events.contractAddress }).from(events);
    contract = getAddress(e!.contract!);
    indexer = startIndexer({ handle, client, chainId: 31337, deployment, pollMs: 3_600_000, standbyMs: 200 });
    ctx = { db: handle.db, client, chainId: 31337, marketplace: deployment.marketplace, fractions: deployment.fractions };
  });
  afterAll(async () => {
    await indexer?.stop();
    await handle?.close();
    await database?.drop();
    await chain?.process.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  let first: { tokenId: bigint; id: string };
  let listingHash: string;

  it("fractionalizes a ticket: holdings and state derived from the vault's logs", async () => {
    first = await buyAndSplit(A, 10n, GA * 2n);
    expect(await fraction(first.id)).toMatchObject({
      ticket: lower(contract),
      tokenId: first.tokenId.toString(),
      fractionalizer: lower(A),
      totalShares: "10",
      outstanding: "10",
      buyoutPrice: (GA * 2n).toString(),
      state: "active",
      attendee: null,
    });
    expect(await holders(first.id)).toEqual([[lower(A), "10"]]);
    expect(await sharesHeldBy(handle.db, 31337, deployment.fractions, [A, B])).toEqual([{ id: first.id, holder: lower(A), balance: "10" }]);
    expect((await ticket(31337, contract, first.tokenId, handle.db))!.owner).toBe(lower(deployment.fractions));
    expect(await fraction("12345")).toBeNull();
  });

  it("refuses bad listings with a reason and records none", async () => {
    const price = GA / 10n;
    const refuse = async (input: unknown, message: RegExp) => {
      const error = await createShareListing(ctx, first.id, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ListingError);
      expect((error as ListingError).message).toMatch(message);
    };
    // Not approved for the marketplace yet.
    await refuse(asInput(await signListing(A, first.id, 4n, price)), /Allow the marketplace/);
    await mined(wallet(A).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "setApprovalForAll", args: [deployment.marketplace, true] }));
    // Signed by someone else than the seller named in the order.
    const forged = await signListing(A, first.id, 4n, price);
    forged.signature = await wallet(B).signTypedData({ account: B, ...orderTypedData(forged.order, 31337, deployment.marketplace) });
    await refuse(asInput(forged), /not the seller's/);
    await refuse(asInput(await signListing(A, first.id, 11n, price)), /only 10 shares/);
    await refuse(asInput(await signListing(A, first.id, 4n, (GA * 11n) / 100n + 1n)), /resale cap/);
    await refuse({ order: { seller: "nope" }, signature: "0x" }, /Invalid listing/);
    expect(await handle.db.select().from(shareListings)).toEqual([]);
  });

  it("lists 4 shares; a partial fill by another account moves holdings and the remaining amount", async () => {
    const signed = await signListing(A, first.id, 4n, GA / 10n);
    listingHash = (await createShareListing(ctx, first.id, asInput(signed))).hash;
    let [listing] = await openShareListings(handle.db, 31337, first.id, await fractionHolders(handle.db, 31337, deployment.fractions, first.id));
    expect(listing).toMatchObject({ hash: listingHash, remaining: "4", available: "4", price: (GA / 10n).toString() });

    await mined(wallet(B).writeContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [signed.order, signed.signature, 3n], value: (GA / 10n) * 3n }));
    await sync();
    expect(await holders(first.id)).toEqual([
      [lower(A), "7"],
      [lower(B), "3"],
    ]);
    [listing] = await openShareListings(handle.db, 31337, first.id, await fractionHolders(handle.db, 31337, deployment.fractions, first.id));
    expect(listing).toMatchObject({ remaining: "1", available: "1" });

    await mined(wallet(C).writeContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [signed.order, signed.signature, 1n], value: GA / 10n }));
    await sync();
    const [row] = await handle.db.select().from(shareListings).where(eq(shareListings.hash, listingHash));
    expect(row).toMatchObject({ remaining: "0", status: "filled" });
    expect(await openShareListings(handle.db, 31337, first.id, [])).toEqual([]);
    expect(await holders(first.id)).toEqual([
      [lower(A), "6"],
      [lower(B), "3"],
      [lower(C), "1"],
    ]);
  });

  it("reopens a listing's shares when a reorg removes the fill (recomputed from the surviving logs)", async () => {
    const signed = await signListing(A, first.id, 2n, GA / 10n, 2n);
    const { hash } = await createShareListing(ctx, first.id, asInput(signed));
    const rpc = (method: string, params: unknown[] = []) => client.request({ method, params } as never) as Promise<unknown>;
    const snapshot = await rpc("evm_snapshot");
    await mined(wallet(B).writeContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [signed.order, signed.signature, 2n], value: (GA / 10n) * 2n }));
    await sync();
    expect((await handle.db.select().from(shareListings).where(eq(shareListings.hash, hash)))[0]).toMatchObject({ status: "filled", remaining: "0" });
    expect(await rpc("evm_revert", [snapshot])).toBe(true);
    await rpc("hardhat_mine", ["0x3"]);
    await sync();
    expect((await handle.db.select().from(shareListings).where(eq(shareListings.hash, hash)))[0]).toMatchObject({ status: "open", remaining: "2" });
    expect(await holders(first.id)).toEqual([
      [lower(A), "6"],
      [lower(B), "3"],
      [lower(C), "1"],
    ]);
    // The seller withdraws it for good.
    await mined(wallet(A).writeContract({ address: deployment.marketplace, abi: marketplaceAbi, functionName: "cancel", args: [signed.order] }));
    await sync();
    expect((await handle.db.select().from(shareListings).where(eq(shareListings.hash, hash)))[0]!.status).toBe("cancelled");
  });

  it("redeems by the holder of all shares: the ticket goes back to that holder, who will attend", async () => {
    await mined(wallet(B).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "safeTransferFrom", args: [B, A, BigInt(first.id), 3n, "0x"] }));
    await mined(wallet(C).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "safeTransferFrom", args: [C, A, BigInt(first.id), 1n, "0x"] }));
    await sync();
    expect(await holders(first.id)).toEqual([[lower(A), "10"]]);
    await mined(wallet(A).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "redeem", args: [BigInt(first.id)] }));
    await sync();
    expect(await fraction(first.id)).toMatchObject({ state: "redeemed", attendee: lower(A), outstanding: "0" });
    expect(await holders(first.id)).toEqual([]);
    expect((await ticket(31337, contract, first.tokenId, handle.db))!).toMatchObject({ owner: lower(A), fractionalized: false });
  });

  it("buys out a fraction; holders cash out their part and the buyer holds the ticket", async () => {
    const second = await buyAndSplit(A, 4n, GA);
    await mined(wallet(A).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "safeTransferFrom", args: [A, B, BigInt(second.id), 1n, "0x"] }));
    await mined(wallet(C).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "buyout", args: [BigInt(second.id)], value: GA }));
    await sync();
    expect(await fraction(second.id)).toMatchObject({ state: "bought-out", attendee: lower(C), payout: GA.toString(), outstanding: "4" });
    expect((await ticket(31337, contract, second.tokenId, handle.db))!.owner).toBe(lower(C));

    const before = await client.getBalance({ address: B });
    const receipt = await mined(wallet(B).writeContract({ address: deployment.fractions, abi: fractionalTicketOwnershipAbi, functionName: "cashOut", args: [BigInt(second.id)] }));
    const after = await client.getBalance({ address: B });
    expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).toBe(GA / 4n);
    await sync();
    expect(await fraction(second.id)).toMatchObject({ state: "bought-out", outstanding: "3" });
    expect(await holders(second.id)).toEqual([[lower(A), "3"]]);
  });
});
