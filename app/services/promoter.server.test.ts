import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { createPublicClient, createWalletClient, getAddress, http, parseEther, type Address, type Hash, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ticketFactoryAbi } from "~/contracts/abi";
import { eventFormValues, parseEventForm, type EventInput } from "~/lib/promoter-event";
import { migrate, openDb, type DbHandle } from "../../db/client.server";
import { chainLogs, events, eventStaff, eventTerms, orders, tickets, ticketTiers, users } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { startPlatformChain, type PlatformChain } from "../../test/support/platform-chain";
import {
  addStaff,
  attendeesCsv,
  createDraft,
  dashboard,
  listPromoterEvents,
  ownedEvent,
  PromoterError,
  recordPublishSubmitted,
  settlePublication,
} from "./promoter.server";
import { invalidateEvent } from "./catalog.server";

// The public view's cache is process-wide (getDb, cache()); here only its invalidation is observed.
vi.mock("./catalog.server", async (importOriginal) => ({ ...(await importOriginal<typeof import("./catalog.server")>()), invalidateEvent: vi.fn(async () => {}) }));

/** Hardhat demo accounts: #0 platform admin, #1 a promoter (unlocked on the local node). */
const ADMIN = getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const OTHER_WALLET = getAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");

function form(entries: [string, string][]): FormData {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
}

const future = new Date(Date.now() + 30 * 86_400_000);
const startsAtText = future.toISOString().slice(0, 16);

function validEntries(overrides: Record<string, string> = {}): [string, string][] {
  const base: Record<string, string> = {
    name: "Harbour Lights",
    venue: "Pier 9",
    city: "Lisbon",
    startsAt: startsAtText,
    imageUrl: "",
    description: "An evening by the water.",
    royaltyPercent: "5",
    resaleCapPercent: "110",
    ...overrides,
  };
  return [
    ...Object.entries(base),
    ["tierName", "Standing"],
    ["tierPrice", "45.50"],
    ["tierCoin", ""],
    ["tierSupply", "3"],
    ["tierName", "Balcony"],
    ["tierPrice", "80"],
    ["tierCoin", "2.5"],
    ["tierSupply", "2"],
  ];
}

function parsed(entries: [string, string][]): EventInput {
  const result = parseEventForm(eventFormValues(form(entries)));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.data;
}

describe("the event form schema (shared by the form and the server)", () => {
  it("parses money from decimal text into integers", () => {
    const data = parsed(validEntries());
    expect(data.tiers[0]).toEqual({ name: "Standing", priceCents: 4550, priceWei: null, supply: 3 });
    expect(data.tiers[1]).toEqual({ name: "Balcony", priceCents: 8000, priceWei: parseEther("2.5"), supply: 2 });
    expect(data.royaltyPercent).toBe(500);
    expect(data.resaleCapPercent).toBe(11_000);
    expect(data.startsAt.toISOString()).toBe(`${startsAtText}:00.000Z`);
  });

  it("answers field errors for bad input", () => {
    const entries = validEntries({ name: "x", royaltyPercent: "12", resaleCapPercent: "90", startsAt: "2020-01-01T10:00", imageUrl: "javascript:alert(1)" });
    entries.push(["tierName", ""], ["tierPrice", "1.234"], ["tierCoin", ""], ["tierSupply", "0"]);
    const result = parseEventForm(eventFormValues(form(entries)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject({
      name: "At least 3 characters.",
      royaltyPercent: "At most 10 %.",
      resaleCapPercent: "At least 100 % of the face value (or leave empty for no cap).",
      startsAt: "The show must start at least an hour from now.",
      imageUrl: expect.stringContaining("https://"),
      "tiers.2.name": "Name the tier.",
      "tiers.2.price": "A dollar amount like 45 or 45.50.",
      "tiers.2.supply": "At least 1 ticket.",
    });
  });

  it("needs a face value and at least one tier", () => {
    const noPrice = parseEventForm(eventFormValues(form([...validEntries().slice(0, 8), ["tierName", "A"], ["tierPrice", ""], ["tierCoin", ""], ["tierSupply", "1"]])));
    expect(!noPrice.ok && noPrice.errors["tiers.0.price"]).toBe("Give a face value in dollars, in coin, or both.");
    const noTiers = parseEventForm(eventFormValues(form(validEntries().slice(0, 8))));
    expect(!noTiers.ok && noTiers.errors.tiers).toBe("Add at least one tier.");
  });
});

describe.each(databaseBackends())("promoter tools on %s", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let chain: PlatformChain;
  let client: PublicClient;
  let promoterId: string;
  let otherId: string;
  let adminId: string;
  const rate = { answer: 25_000_000n, decimals: 8 }; // 1 coin = $0.25

  beforeAll(async () => {
    database = await create();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const { setSecrets } = await import("./secrets.server");
    setSecrets({ keks: [{ id: "k1", key: randomBytes(32) }], sessionSecret: randomBytes(32) });
    chain = await startPlatformChain();
    client = createPublicClient({ chain: hardhat, transport: http(chain.url) }) as PublicClient;
    const tag = randomBytes(3).toString("hex");
    [{ id: promoterId }] = await handle.db
      .insert(users)
      .values({ displayName: "Promoter", email: `p-${tag}@example.com`, walletAddress: PROMOTER, role: "promoter" })
      .returning({ id: users.id });
    [{ id: otherId }] = await handle.db.insert(users).values({ displayName: "Other", email: `o-${tag}@example.com`, role: "promoter" }).returning({ id: users.id });
    [{ id: adminId }] = await handle.db.insert(users).values({ displayName: "Admin", email: `a-${tag}@example.com`, role: "admin" }).returning({ id: users.id });
    // The platform admin approves the promoter's wallet (PROMOTER_ROLE), as in production.
    const role = await client.readContract({ address: chain.deployment.factory, abi: ticketFactoryAbi, functionName: "PROMOTER_ROLE" });
    const hash = await createWalletClient({ account: ADMIN, chain: hardhat, transport: http(chain.url) }).writeContract({
      address: chain.deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "grantRole",
      args: [role, PROMOTER],
    });
    await client.waitForTransactionReceipt({ hash });
  }, 240_000);

  afterAll(async () => {
    const { setSecrets } = await import("./secrets.server");
    setSecrets(undefined);
    await handle?.close();
    await database?.drop();
    await chain?.stop();
  });

  async function sendCreateEvent(slug: string, tweak: (tiers: { price: bigint; supply: number }[]) => void = () => {}): Promise<Hash> {
    const event = await ownedEvent(handle.db, { id: promoterId, role: "promoter" }, slug);
    const tiers = event.tiers.map((t) => ({ price: BigInt(t.priceWei), supply: t.supply }));
    tweak(tiers);
    return createWalletClient({ account: PROMOTER, chain: hardhat, transport: http(chain.url) }).writeContract({
      address: chain.deployment.factory,
      abi: ticketFactoryAbi,
      functionName: "createEvent",
      args: [
        {
          name: event.name,
          startsAt: BigInt(Math.floor(event.startsAt.getTime() / 1000)),
          baseURI: "http://localhost/metadata/",
          royaltyBps: event.royaltyBps!,
          resaleCapBps: event.resaleCapBps!,
          tiers,
        },
      ],
    });
  }

  it("saves a draft, converting a missing coin price at the feed's rate, with a unique slug", async () => {
    const first = await createDraft(handle.db, promoterId, parsed(validEntries()), 31337, rate);
    const second = await createDraft(handle.db, promoterId, parsed(validEntries()), 31337, rate);
    expect(first.slug).toBe("harbour-lights");
    expect(second.slug).toBe("harbour-lights-2");
    const tiers = await handle.db.select().from(ticketTiers).where(eq(ticketTiers.eventId, first.id)).orderBy(ticketTiers.position);
    // $45.50 at $0.25 per coin = 182 coins, exactly.
    expect(tiers.map((t) => [t.name, t.priceCents, t.priceWei, t.supply])).toEqual([
      ["Standing", 4550, parseEther("182").toString(), 3],
      ["Balcony", 8000, parseEther("2.5").toString(), 2],
    ]);
    const [row] = await handle.db.select().from(events).where(eq(events.id, first.id));
    expect(row).toMatchObject({ status: "draft", onChainId: null, contractAddress: null, chainId: 31337 });
    const [terms] = await handle.db.select().from(eventTerms).where(eq(eventTerms.eventId, first.id));
    expect(terms).toMatchObject({ royaltyBps: 500, resaleCapBps: 11_000, publishTxHash: null });
  });

  it("refuses a one-currency price without a rate (400, field error) and saves nothing", async () => {
    const before = (await handle.db.select().from(events)).length;
    const error = await createDraft(handle.db, promoterId, parsed(validEntries({ name: "No Rate Night" })), 31337, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromoterError);
    expect((error as PromoterError).status).toBe(400);
    expect((error as PromoterError).fieldErrors).toEqual({ "tiers.0.coin": "No live exchange rate right now: give both prices." });
    expect((await handle.db.select().from(events)).length).toBe(before);
  });

  it("lets only the event's promoter (or an admin) in: another promoter gets 403, an unknown slug 404", async () => {
    await expect(ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "harbour-lights")).resolves.toMatchObject({ name: "Harbour Lights" });
    await expect(ownedEvent(handle.db, { id: adminId, role: "admin" }, "harbour-lights")).resolves.toMatchObject({ name: "Harbour Lights" });
    await expect(ownedEvent(handle.db, { id: otherId, role: "promoter" }, "harbour-lights")).rejects.toMatchObject({ status: 403 });
    await expect(ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "nope")).rejects.toMatchObject({ status: 404 });
    await expect(ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "../etc")).rejects.toMatchObject({ status: 404 });
    expect((await listPromoterEvents(handle.db, { id: otherId, role: "promoter" })).length).toBe(0);
    expect((await listPromoterEvents(handle.db, { id: promoterId, role: "promoter" })).map((e) => [e.slug, e.supply, e.sold])).toEqual([
      ["harbour-lights", 5, 0],
      ["harbour-lights-2", 5, 0],
    ]);
  });

  it("publishes only from a receipt that created exactly this draft", async () => {
    vi.mocked(invalidateEvent).mockClear(); // the same mock served the other database's run
    const user = { id: promoterId, role: "promoter" as const };
    let event = await ownedEvent(handle.db, user, "harbour-lights");
    expect(await settlePublication(handle.db, client, chain.deployment.factory, event)).toEqual({ stage: "draft" });
    await expect(recordPublishSubmitted(handle.db, event, "0x1234")).rejects.toMatchObject({ status: 400 });

    // A transaction with different tiers: refused, the draft stays a draft and can be published again.
    const wrong = await sendCreateEvent("harbour-lights", (tiers) => (tiers[0]!.supply = 99));
    await client.waitForTransactionReceipt({ hash: wrong });
    await recordPublishSubmitted(handle.db, event, wrong);
    event = await ownedEvent(handle.db, user, "harbour-lights");
    expect(await settlePublication(handle.db, client, chain.deployment.factory, event)).toEqual({ stage: "failed", error: "That event's tiers or resale terms differ from this draft." });
    event = await ownedEvent(handle.db, user, "harbour-lights");
    expect(event).toMatchObject({ status: "draft", publishTxHash: null, contractAddress: null });
    expect(invalidateEvent).not.toHaveBeenCalledWith("harbour-lights");

    // An unknown hash is "submitted" (not mined yet as far as the server knows).
    await recordPublishSubmitted(handle.db, event, `0x${"ab".repeat(32)}`);
    event = await ownedEvent(handle.db, user, "harbour-lights");
    expect(await settlePublication(handle.db, client, chain.deployment.factory, event)).toEqual({ stage: "submitted" });

    const hash = await sendCreateEvent("harbour-lights");
    await recordPublishSubmitted(handle.db, event, hash);
    const receipt = await client.waitForTransactionReceipt({ hash });
    event = await ownedEvent(handle.db, user, "harbour-lights");
    expect(await settlePublication(handle.db, client, chain.deployment.factory, event)).toEqual({ stage: "confirmed" });
    event = await ownedEvent(handle.db, user, "harbour-lights");
    const ticket = await client.readContract({ address: chain.deployment.factory, abi: ticketFactoryAbi, functionName: "eventContract", args: [BigInt(event.onChainId!)] });
    expect(event).toMatchObject({ status: "published", contractAddress: getAddress(ticket) });
    expect(BigInt(event.onChainId!)).toBeGreaterThan(0n);
    // The public page's cached "no such event" (it was a draft) is dropped at once.
    expect(invalidateEvent).toHaveBeenCalledWith("harbour-lights");
    await expect(recordPublishSubmitted(handle.db, event, hash)).rejects.toMatchObject({ status: 409 });

    // Once the indexer has the EventCreated log, the progress view reaches "indexed".
    await handle.db.insert(chainLogs).values({
      chainId: 31337,
      blockNumber: Number(receipt.blockNumber),
      logIndex: 0,
      blockHash: receipt.blockHash,
      txHash: hash,
      address: chain.deployment.factory.toLowerCase(),
      eventName: "EventCreated",
      args: { eventId: event.onChainId, ticket: ticket.toLowerCase(), promoter: PROMOTER.toLowerCase() },
    });
    expect(await settlePublication(handle.db, client, chain.deployment.factory, event)).toEqual({ stage: "indexed" });
  }, 60_000);

  it("refuses a transaction sent by another wallet", async () => {
    const user = { id: promoterId, role: "promoter" as const };
    const event = await ownedEvent(handle.db, user, "harbour-lights-2");
    await handle.db.update(users).set({ walletAddress: OTHER_WALLET }).where(eq(users.id, promoterId));
    try {
      const hash = await sendCreateEvent("harbour-lights-2");
      await client.waitForTransactionReceipt({ hash });
      await recordPublishSubmitted(handle.db, event, hash);
      const again = await ownedEvent(handle.db, user, "harbour-lights-2");
      expect(await settlePublication(handle.db, client, chain.deployment.factory, again)).toEqual({ stage: "failed", error: "That event was created by another wallet than yours." });
    } finally {
      await handle.db.update(users).set({ walletAddress: PROMOTER }).where(eq(users.id, promoterId));
    }
  }, 60_000);

  it("aggregates sales, revenue, royalties and check-ins; exports attendees as CSV", async () => {
    const event = await ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "harbour-lights");
    const contract = event.contractAddress!.toLowerCase();
    const [standing, balcony] = event.tiers;
    // A card order (paid, 2 tickets #1-#2 to an embedded wallet) and a refunded one; a wallet purchase (#3).
    const { ensureBuyer } = await import("./wallets.server");
    const card = await ensureBuyer(handle.db, "card.fan@example.com");
    await handle.db.update(users).set({ displayName: "=HYPERLINK(\"x\")" }).where(eq(users.id, card.userId));
    const order = { eventId: event.id, tierId: standing!.id, unitPriceCents: 4550, reservedUntil: new Date() };
    await handle.db.insert(orders).values([
      { ...order, quantity: 2, amountCents: 9100, status: "paid" },
      { ...order, quantity: 1, amountCents: 4550, status: "refunded" },
      { ...order, quantity: 1, amountCents: 4550, status: "expired" },
    ]);
    const t0 = new Date("2026-11-01T10:00:00Z");
    const t1 = new Date("2026-11-02T10:00:00Z");
    const mint = (tokenId: number, owner: string, tier: number, block: number, paidWei = "0", checkedIn = false) => ({
      chainId: 31337,
      contractAddress: contract,
      tokenId: String(tokenId),
      eventId: event.id,
      tierPosition: tier,
      owner: owner.toLowerCase(),
      originalOwner: owner.toLowerCase(),
      paidWei,
      checkedIn,
      mintedBlock: block,
      updatedBlock: block,
    });
    await handle.db.insert(tickets).values([
      mint(1, card.address, 0, 100, "0", true),
      mint(2, card.address, 0, 100),
      mint(3, OTHER_WALLET, 1, 200, parseEther("2.5").toString()),
    ]);
    const log = (block: number, i: number, eventName: string, args: Record<string, unknown>, at: Date, address = contract) => ({
      chainId: 31337,
      blockNumber: block,
      logIndex: i,
      blockHash: `0x${String(block).padStart(64, "0")}`,
      txHash: `0x${String(block * 10 + i).padStart(64, "0")}`,
      address,
      eventName,
      args,
      blockTime: at,
    });
    await handle.db.insert(chainLogs).values([
      log(100, 0, "Transfer", { from: "0x0000000000000000000000000000000000000000", to: card.address.toLowerCase(), tokenId: "1" }, t0),
      log(100, 1, "Transfer", { from: "0x0000000000000000000000000000000000000000", to: card.address.toLowerCase(), tokenId: "2" }, t0),
      log(200, 0, "Transfer", { from: "0x0000000000000000000000000000000000000000", to: OTHER_WALLET.toLowerCase(), tokenId: "3" }, t1),
      log(300, 0, "OrderFilled", { token: contract, tokenId: "3", royalty: parseEther("0.125").toString(), total: parseEther("2.5").toString() }, t1, chain.deployment.marketplace.toLowerCase()),
      // Another event's resale does not count.
      log(301, 0, "OrderFilled", { token: "0x000000000000000000000000000000000000dead", royalty: "7" }, t1, chain.deployment.marketplace.toLowerCase()),
    ]);
    await handle.db.update(ticketTiers).set({ sold: 2 }).where(eq(ticketTiers.id, standing!.id));
    await handle.db.update(ticketTiers).set({ sold: 1 }).where(eq(ticketTiers.id, balcony!.id));

    const fresh = await ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "harbour-lights");
    const d = await dashboard(handle.db, fresh);
    expect(d.card).toEqual({ paidCents: 9100, refundedCents: 4550, orders: 2, ticketsSold: 2 });
    expect(d.crypto).toEqual({ paidWei: parseEther("2.5").toString(), ticketsSold: 1 });
    expect(d.royalties).toEqual({ wei: parseEther("0.125").toString(), resales: 1 });
    expect(d.checkIns).toEqual({ checkedIn: 1, total: 3 });
    expect(d.tiers.map((t) => [t.name, t.sold, t.supply, t.points])).toEqual([
      ["Standing", 2, 3, [{ t: t0.getTime(), sold: 2 }]],
      ["Balcony", 1, 2, [{ t: t1.getTime(), sold: 1 }]],
    ]);

    const csv = await attendeesCsv(handle.db, fresh);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("token_id,tier,holder_wallet,holder_email,holder_name,bought_with,paid_wei,checked_in,refunded");
    expect(lines.slice(1)).toEqual([
      `1,Standing,${getAddress(card.address)},card.fan@example.com,"'=HYPERLINK(""x"")",card,0,yes,no`,
      `2,Standing,${getAddress(card.address)},card.fan@example.com,"'=HYPERLINK(""x"")",card,0,no,no`,
      `3,Balcony,${OTHER_WALLET},,,wallet,${parseEther("2.5")},no,no`,
    ]);
  });

  it("tells how each ticket of a cancelled event is refunded: escrow claim (wallet) or card refund (order)", async () => {
    const event = await ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "harbour-lights");
    const contract = event.contractAddress!;
    const { refundInfo } = await import("./refunds.server");
    const list = ["1", "2", "3"].map((tokenId) => ({ contractAddress: contract, tokenId }));
    expect(await refundInfo(handle.db, 31337, list)).toEqual({
      [`${contract.toLowerCase()}:1`]: { kind: "card", refunded: false },
      [`${contract.toLowerCase()}:2`]: { kind: "card", refunded: false },
      [`${contract.toLowerCase()}:3`]: { kind: "wallet", amountWei: parseEther("2.5").toString() },
    });
    // The paid card order (2 tickets from #1) gets refunded by the sweeper.
    await handle.db.update(orders).set({ firstTokenId: "1", status: "refunded" }).where(eq(orders.amountCents, 9100));
    const after = await refundInfo(handle.db, 31337, list);
    expect(after[`${contract.toLowerCase()}:1`]).toEqual({ kind: "card", refunded: true });
    expect(after[`${contract.toLowerCase()}:2`]).toEqual({ kind: "card", refunded: true });
    expect(await refundInfo(handle.db, 31337, [])).toEqual({});
  });

  it("adds door staff by wallet address or email (the address to grant scannerRole to)", async () => {
    const event = await ownedEvent(handle.db, { id: promoterId, role: "promoter" }, "harbour-lights");
    const byWallet = await addStaff(handle.db, event.id, OTHER_WALLET.toLowerCase());
    expect(byWallet.address).toBe(OTHER_WALLET);
    const byEmail = await addStaff(handle.db, event.id, "Door@Example.com");
    expect(byEmail.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    await addStaff(handle.db, event.id, "door@example.com"); // twice: one row
    const rows = await handle.db.select().from(eventStaff).where(eq(eventStaff.eventId, event.id));
    expect(rows.map((r) => r.userId).sort()).toEqual([byWallet.userId, byEmail.userId].sort());
    await expect(addStaff(handle.db, event.id, "not an address")).rejects.toMatchObject({ status: 400 });
  });
});
