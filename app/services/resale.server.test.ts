import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  parseEther,
  parseEventLogs,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, marketplaceAbi, paymentEscrowAbi, ticketFactoryAbi } from "~/contracts/abi";
import { parseEnv } from "~/env.server";
import { NATIVE_CURRENCY, orderTypedData, randomSalt, type Order } from "~/lib/orders";
import { action as createAction } from "~/routes/resale.listings";
import { action as refreshAction, loader as fillLoader } from "~/routes/resale.listings.$id";
import { loader as quoteLoader } from "~/routes/resale.quote";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { startPlatformChain, type PlatformChain } from "../../test/support/platform-chain";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { chainLogs, events, listings, ticketTiers, users } from "../../db/schema";
import { decodePlatformLog } from "./indexer/decode.server";
import { openListings, reconcileListings } from "./resale.server";
import { setSecrets } from "./secrets.server";
import { createSession, SESSION_COOKIE } from "./session.server";

/**
 * Resale against real contracts on a local Hardhat chain: sellers sign EIP-712 orders with their (unlocked)
 * Hardhat accounts, the API validates them against the chain, buyers fill them with Marketplace.fill, and the
 * book is closed from the resulting logs (stored in chain_logs as the indexer stores them) or chain reads.
 */

const ADMIN = getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"); // #0
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1
const ALICE = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"); // #2 seller
const BOB = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"); // #3 buyer
const CAROL = getAddress("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"); // #4 a friend
const ENV_KEY = Symbol.for("ticketchain.env");
const PRICE = parseEther("0.1");

let chain: PlatformChain;

beforeAll(async () => {
  chain = await startPlatformChain();
  process.env.DATA_DIR = chain.dataDir;
  process.env.LOCAL_CHAIN_PORT = String(chain.port);
  (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, SMTP_URL: "", APP_URL: "" });
  setSecrets({ keks: [{ id: "resale1", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
});

afterAll(async () => {
  setSecrets(undefined);
  await chain?.stop();
});

describe.each(databaseBackends())("resale (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let show: Address;
  let aliceCookie: string;
  let bobCookie: string;
  const client = () => createPublicClient({ chain: hardhat, transport: http(chain.url) });
  const as = (account: Address) => createWalletClient({ chain: hardhat, transport: http(chain.url), account });

  async function send(hash: Promise<Hex>): Promise<TransactionReceipt> {
    const receipt = await client().waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  /** Stores a receipt's platform logs in chain_logs, as the indexer does. */
  async function index(receipt: TransactionReceipt) {
    const rows = receipt.logs
      .filter((l) => l.address.toLowerCase() === chain.deployment.marketplace.toLowerCase())
      .map((l) => decodePlatformLog(l as never, "marketplace"))
      .filter((l) => l !== null);
    for (const log of rows) await handle.db.insert(chainLogs).values({ chainId: 31337, ...log }).onConflictDoNothing();
    return rows.length;
  }

  async function cookieFor(address: Address, name: string) {
    const [user] = await handle.db.insert(users).values({ displayName: name, walletAddress: address }).returning({ id: users.id });
    const headers = await createSession(new Request("http://localhost:3000/"), user!.id, "siwe");
    return headers.get("set-cookie")!.match(new RegExp(`${SESSION_COOKIE}=[^;]+`))![0];
  }

  async function buy(account: Address, quantity: bigint): Promise<bigint> {
    const receipt = await send(as(account).writeContract({ address: show, abi: concertTicketAbi, functionName: "buy", args: [0n, quantity], value: PRICE * quantity }));
    const [bought] = parseEventLogs({ abi: concertTicketAbi, logs: receipt.logs, eventName: "TicketsPurchased" });
    return bought!.args.firstTokenId;
  }

  async function order(seller: Address, tokenId: bigint, price: bigint): Promise<Order> {
    const nonce = await client().readContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "nonces", args: [seller] });
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 7 * 86_400);
    return { seller, token: show, tokenId, amount: 1n, price, currency: NATIVE_CURRENCY, expiry, nonce, salt: randomSalt() };
  }

  const sign = (signer: Address, o: Order) => as(signer).signTypedData({ account: signer, ...orderTypedData(o, 31337, chain.deployment.marketplace) });

  const wire = (o: Order) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));

  async function call(fn: (args: never) => Promise<Response>, request: Request, params: Record<string, string> = {}) {
    const response = await fn({ request, params, context: {} } as never).catch((thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  const list = (cookie: string, o: Order, signature: Hex) =>
    call(
      createAction as never,
      new Request("http://localhost:3000/resale/listings", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ order: wire(o), signature }),
      }),
    );

  const approve = (account: Address, approved = true) =>
    send(as(account).writeContract({ address: show, abi: concertTicketAbi, functionName: "setApprovalForAll", args: [chain.deployment.marketplace, approved] }));

  let eventId: string;

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const factory = { address: chain.deployment.factory, abi: ticketFactoryAbi } as const;
    const promoterRole = await client().readContract({ ...factory, functionName: "PROMOTER_ROLE" });
    if (!(await client().readContract({ ...factory, functionName: "hasRole", args: [promoterRole, PROMOTER] }))) {
      await send(as(ADMIN).writeContract({ ...factory, functionName: "grantRole", args: [promoterRole, PROMOTER] }));
    }
    const startsAt = (await client().getBlock()).timestamp + 30n * 86_400n;
    const receipt = await send(
      as(PROMOTER).writeContract({
        ...factory,
        functionName: "createEvent",
        // royalty 5 %, resale cap 110 % of face value
        args: [{ name: "Resale show", startsAt, baseURI: "", royaltyBps: 500, resaleCapBps: 11_000, tiers: [{ price: PRICE, supply: 100 }] }],
      }),
    );
    const [created] = parseEventLogs({ abi: ticketFactoryAbi, logs: receipt.logs, eventName: "EventCreated" });
    show = getAddress(created!.args.ticket);
    const tag = randomBytes(3).toString("hex");
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", walletAddress: PROMOTER, role: "promoter" }).returning({ id: users.id });
    const [ev] = await handle.db
      .insert(events)
      .values({ slug: `resale-${tag}`, promoterId: promoter!.id, name: "Resale show", venue: "Hall", city: "Lisbon", startsAt: new Date(Number(startsAt) * 1000), status: "published", chainId: 31337, contractAddress: show })
      .returning({ id: events.id });
    eventId = ev!.id;
    await handle.db.insert(ticketTiers).values({ eventId, position: 0, name: "General Admission", priceCents: 4500, priceWei: PRICE.toString(), supply: 100 });
    aliceCookie = await cookieFor(ALICE, "Alice");
    bobCookie = await cookieFor(BOB, "Bob");
  });

  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  it("quotes the cap, face value, royalty and fee before signing", async () => {
    const tokenId = await buy(ALICE, 1n);
    const { status, body } = await call(quoteLoader as never, new Request(`http://localhost:3000/resale/quote?contract=${show}&tokenId=${tokenId}`, { headers: { cookie: aliceCookie } }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ owner: ALICE, capWei: parseEther("0.11").toString(), faceValueWei: PRICE.toString(), royaltyBps: 500, approved: false });
    expect(Number(body.feeBps)).toBeGreaterThanOrEqual(0);
  });

  it("refuses a listing above the cap (400 with the cap), by a non-owner (403), with a bad signature (400), before approval (400)", async () => {
    const tokenId = await buy(ALICE, 1n);
    const high = await order(ALICE, tokenId, parseEther("0.12"));
    const above = await list(aliceCookie, high, await sign(ALICE, high));
    expect(above.status).toBe(400);
    expect(above.body.capWei).toBe(parseEther("0.11").toString());
    expect(above.body.error).toMatch(/resale cap/);

    // Bob signs an order for Alice's ticket naming himself as seller: he does not own it.
    const bobs = await order(BOB, tokenId, PRICE);
    const notOwner = await list(bobCookie, bobs, await sign(BOB, bobs));
    expect(notOwner.status).toBe(403);
    expect(notOwner.body.error).toMatch(/do not own/);

    // An order naming Alice as seller but signed by Bob.
    const forged = await order(ALICE, tokenId, PRICE);
    const badSig = await list(aliceCookie, forged, await sign(BOB, forged));
    expect(badSig.status).toBe(400);
    expect(badSig.body.error).toMatch(/signature/);

    // Alice's own order, signed by her, but Bob is signed in.
    const alices = await order(ALICE, tokenId, PRICE);
    const otherSession = await list(bobCookie, alices, await sign(ALICE, alices));
    expect(otherSession.status).toBe(403);

    await approve(ALICE, false);
    const unapproved = await list(aliceCookie, alices, await sign(ALICE, alices));
    expect(unapproved.status).toBe(400);
    expect(unapproved.body.error).toMatch(/Allow the marketplace/);

    const malformed = await call(
      createAction as never,
      new Request("http://localhost:3000/resale/listings", { method: "POST", headers: { cookie: aliceCookie, "content-type": "application/json" }, body: "{}" }),
    );
    expect(malformed.status).toBe(400);
    expect(await handle.db.select().from(listings).where(eq(listings.eventId, eventId))).toEqual([]);
  });

  it("lists → Bob fills on chain with the exact price → the OrderFilled log closes the listing; the promoter's royalty is credited", async () => {
    const tokenId = await buy(ALICE, 1n);
    await approve(ALICE);
    const o = await order(ALICE, tokenId, parseEther("0.105"));
    const signature = await sign(ALICE, o);
    const listed = await list(aliceCookie, o, signature);
    expect(listed.status).toBe(201);
    const again = await list(aliceCookie, { ...o, salt: o.salt + 1n }, await sign(ALICE, { ...o, salt: o.salt + 1n }));
    expect(again.status).toBe(409);

    const open = await openListings(handle.db, eventId);
    expect(open.map((l) => l.id)).toContain(listed.body.id);

    const forFill = await call(fillLoader as never, new Request(`http://localhost:3000/resale/listings/${listed.body.id}`), { id: listed.body.id! });
    expect(forFill.status).toBe(200);
    const escrow = { address: chain.deployment.escrow, abi: paymentEscrowAbi } as const;
    const before = await client().readContract({ ...escrow, functionName: "credits", args: [PROMOTER, NATIVE_CURRENCY] });
    const wireOrder = forFill.body.order as unknown as Record<string, string>;
    const filledOrder = { ...wireOrder, tokenId: BigInt(wireOrder.tokenId!), amount: 1n, price: BigInt(wireOrder.price!), expiry: BigInt(wireOrder.expiry!), nonce: BigInt(wireOrder.nonce!), salt: BigInt(wireOrder.salt!) } as unknown as Order;
    const receipt = await send(
      as(BOB).writeContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [filledOrder, forFill.body.signature as Hex, 1n], value: o.price }),
    );
    expect(await client().readContract({ address: show, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] })).toBe(BOB);
    const after = await client().readContract({ ...escrow, functionName: "credits", args: [PROMOTER, NATIVE_CURRENCY] });
    expect(after - before).toBe((o.price * 500n) / 10_000n);

    expect(await index(receipt)).toBe(1);
    await reconcileListings(handle.db, 31337);
    const [row] = await handle.db.select().from(listings).where(eq(listings.id, listed.body.id!));
    expect(row).toMatchObject({ status: "filled", buyer: BOB.toLowerCase(), closedTx: receipt.transactionHash });
    expect((await openListings(handle.db, eventId)).map((l) => l.id)).not.toContain(listed.body.id);
  });

  it("a listing becomes invalid once the seller transfers the ticket away", async () => {
    const tokenId = await buy(ALICE, 1n);
    await approve(ALICE);
    const o = await order(ALICE, tokenId, PRICE);
    const listed = await list(aliceCookie, o, await sign(ALICE, o));
    expect(listed.status).toBe(201);
    await send(as(ALICE).writeContract({ address: show, abi: concertTicketAbi, functionName: "safeTransferFrom", args: [ALICE, CAROL, tokenId] }));
    expect((await openListings(handle.db, eventId)).map((l) => l.id)).not.toContain(listed.body.id);
    const [row] = await handle.db.select().from(listings).where(eq(listings.id, listed.body.id!));
    expect(row!.status).toBe("invalid");
    const forFill = await call(fillLoader as never, new Request(`http://localhost:3000/resale/listings/${listed.body.id}`), { id: listed.body.id! });
    expect(forFill.status).toBe(409);
  });

  it("the seller cancels on chain → the listing is closed and can no longer be filled", async () => {
    const tokenId = await buy(ALICE, 1n);
    await approve(ALICE);
    const o = await order(ALICE, tokenId, PRICE);
    const signature = await sign(ALICE, o);
    const listed = await list(aliceCookie, o, signature);
    expect(listed.status).toBe(201);
    await send(as(ALICE).writeContract({ address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "cancel", args: [o] }));
    const refreshed = await call(refreshAction as never, new Request(`http://localhost:3000/resale/listings/${listed.body.id}`, { method: "POST" }), { id: listed.body.id! });
    expect(refreshed.body).toMatchObject({ status: "cancelled" });
    await expect(
      client().simulateContract({ account: BOB, address: chain.deployment.marketplace, abi: marketplaceAbi, functionName: "fill", args: [o, signature, 1n], value: o.price }),
    ).rejects.toThrow(/MarketplaceOrderCancelled/);
  });
});
