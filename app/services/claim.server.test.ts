import { randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  toFunctionSelector,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { startPlatformChain, type PlatformChain } from "../../test/support/platform-chain";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { embeddedWallets, events, tickets, ticketTiers, users } from "../../db/schema";
import { concertTicketAbi, fractionalTicketOwnershipAbi, ticketFactoryAbi } from "~/contracts/abi";
import { parseEnv } from "~/env.server";
import { action as claimAction } from "~/routes/tickets.claim";
import { loader as ticketsLoader } from "~/routes/tickets._index";
import { forwarderAbi } from "./claim.server";
import { setSecrets, type Kek } from "./secrets.server";
import { createSession, SESSION_COOKIE } from "./session.server";
import { resetLimiters } from "./rate-limits.server";
import { embeddedAccount, ensureBuyer, unseal } from "./wallets.server";

/**
 * Claim to an external wallet against real contracts on a local Hardhat chain: tickets minted with
 * mintBatch to embedded wallets, moved by relayed ERC-2771 requests; the chain (ownerOf) is checked
 * after every claim. The `tickets` table (the indexer's) is filled directly for the page.
 */

const ADMIN = getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"); // #0: admin and minter
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1
const DOOR = getAddress("0x90F79bf6EB2c4f870365E785982E1f101E93b906"); // #3
const ENV_KEY = Symbol.for("ticketchain.env");

let chain: PlatformChain;
const kek: Kek = { id: "claim1", key: randomBytes(32) };
/** Everything the code under test printed, for the key-leak check. */
const printed: string[] = [];
const spies: Array<ReturnType<typeof vi.spyOn>> = [];

beforeAll(async () => {
  chain = await startPlatformChain();
  process.env.DATA_DIR = chain.dataDir;
  process.env.LOCAL_CHAIN_PORT = String(chain.port);
  (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, SMTP_URL: "", APP_URL: "" });
  setSecrets({ keks: [kek], sessionSecret: randomBytes(48) });
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[method].bind(console);
    spies.push(
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        printed.push(args.map(String).join(" "));
        original(...args);
      }),
    );
  }
});

afterAll(async () => {
  for (const spy of spies) spy.mockRestore();
  setSecrets(undefined);
  await chain?.stop();
});

describe.each(databaseBackends())("claim to my wallet (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  const client = () => createPublicClient({ chain: hardhat, transport: http(chain.url) });
  const as = (account: Address) => createWalletClient({ chain: hardhat, transport: http(chain.url), account });
  const bodies: string[] = [];

  let alice: { userId: string; address: Address; cookie: string };
  let bob: { userId: string; address: Address; cookie: string };
  let showA: Address;
  let showB: Address;
  const target = privateKeyToAccount(generatePrivateKey()).address; // Alice's own wallet

  async function send(hash: Promise<Hex>) {
    const receipt = await client().waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  async function createShow(name: string): Promise<{ ticket: Address; onChainId: bigint }> {
    const startsAt = (await client().getBlock()).timestamp + 30n * 86_400n;
    const receipt = await send(
      as(PROMOTER).writeContract({
        address: chain.deployment.factory,
        abi: ticketFactoryAbi,
        functionName: "createEvent",
        args: [{ name, startsAt, baseURI: "", royaltyBps: 500, resaleCapBps: 11_000, tiers: [{ price: parseEther("0.1"), supply: 100 }] }],
      }),
    );
    const [created] = parseEventLogs({ abi: ticketFactoryAbi, logs: receipt.logs, eventName: "EventCreated" });
    return { ticket: getAddress(created!.args.ticket), onChainId: created!.args.eventId };
  }

  async function mint(ticket: Address, recipients: Address[]): Promise<bigint> {
    const receipt = await send(
      as(ADMIN).writeContract({
        address: ticket,
        abi: concertTicketAbi,
        functionName: "mintBatch",
        args: [0n, recipients, keccak256(toHex(`batch-${randomBytes(8).toString("hex")}`))],
      }),
    );
    const [issued] = parseEventLogs({ abi: concertTicketAbi, logs: receipt.logs, eventName: "TicketsIssued" });
    return issued!.args.firstTokenId;
  }

  const ownerOf = (ticket: Address, tokenId: bigint) =>
    client().readContract({ address: ticket, abi: concertTicketAbi, functionName: "ownerOf", args: [tokenId] }).then(getAddress);

  async function claim(cookie: string | null, body: unknown) {
    const headers = new Headers({ "content-type": "application/json" });
    if (cookie) headers.set("cookie", cookie);
    // Authorisation helpers throw Responses; Remix sends them as the answer.
    const response = await claimAction({
      request: new Request("http://localhost:3000/tickets/claim", { method: "POST", headers, body: JSON.stringify(body) }),
      params: {},
      context: {},
    } as never).catch((thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) as { error?: string; txHash?: Hex; results?: Array<{ contract: string; tokenId: string; ok: boolean; message: string }> } };
  }

  async function account(email: string) {
    const buyer = await ensureBuyer(handle.db, email);
    const headers = await createSession(new Request("http://localhost:3000/"), buyer.userId, "email");
    const cookie = headers.get("set-cookie")!.match(new RegExp(`${SESSION_COOKIE}=[^;]+`))![0];
    return { ...buyer, cookie };
  }

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    resetLimiters();
    const tag = randomBytes(3).toString("hex");
    alice = await account(`alice-${tag}@example.com`);
    bob = await account(`bob-${tag}@example.com`);

    // On chain: the demo promoter gets the promoter role once, then two shows per backend.
    const factory = { address: chain.deployment.factory, abi: ticketFactoryAbi } as const;
    const promoterRole = await client().readContract({ ...factory, functionName: "PROMOTER_ROLE" });
    if (!(await client().readContract({ ...factory, functionName: "hasRole", args: [promoterRole, PROMOTER] }))) {
      await send(as(ADMIN).writeContract({ ...factory, functionName: "grantRole", args: [promoterRole, PROMOTER] }));
    }
    const a = await createShow(`Show A ${tag}`);
    const b = await createShow(`Show B ${tag}`);
    showA = a.ticket;
    showB = b.ticket;
    // A: Alice 1..5 (5 gets checked in, 4 fractionalized), Bob 6. B: Alice 1, then B is cancelled.
    const firstA = await mint(showA, [alice.address, alice.address, alice.address, alice.address, alice.address, bob.address, alice.address]);
    expect(firstA).toBe(1n);
    await mint(showB, [alice.address]);
    const scannerRole = await client().readContract({ ...factory, functionName: "scannerRole", args: [a.onChainId] });
    await send(as(PROMOTER).writeContract({ ...factory, functionName: "grantRole", args: [scannerRole, DOOR] }));
    await send(as(DOOR).writeContract({ address: showA, abi: concertTicketAbi, functionName: "checkIn", args: [[5n]] }));
    await send(as(PROMOTER).writeContract({ address: showB, abi: concertTicketAbi, functionName: "cancelEvent" }));
    // Alice splits ticket A:7 into shares herself (her embedded wallet gets a little gas for that).
    await send(as(ADMIN).sendTransaction({ to: alice.address, value: parseEther("1") }));
    const aliceKey = await embeddedAccount(handle.db, alice.userId);
    const aliceWallet = createWalletClient({ chain: hardhat, transport: http(chain.url), account: aliceKey });
    await send(aliceWallet.writeContract({ address: showA, abi: concertTicketAbi, functionName: "approve", args: [chain.deployment.fractions, 7n] }));
    await send(
      aliceWallet.writeContract({
        address: chain.deployment.fractions,
        abi: fractionalTicketOwnershipAbi,
        functionName: "fractionalize",
        args: [showA, 7n, 10n, parseEther("1")],
      }),
    );

    // In the database: the events, and the indexer's view of the tickets.
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", walletAddress: PROMOTER, role: "promoter", email: `p-${tag}@example.com` }).returning({ id: users.id });
    const startsAt = new Date(Date.now() + 30 * 86_400_000);
    const [evA] = await handle.db
      .insert(events)
      .values({ slug: `show-a-${tag}`, promoterId: promoter!.id, name: "Aurora Nights", venue: "Harbour Hall", city: "Lisbon", startsAt, status: "published", chainId: 31337, contractAddress: showA })
      .returning({ id: events.id });
    const [evB] = await handle.db
      .insert(events)
      .values({ slug: `show-b-${tag}`, promoterId: promoter!.id, name: "Cancelled Show", venue: "Old Hall", city: "Porto", startsAt, status: "cancelled", chainId: 31337, contractAddress: showB })
      .returning({ id: events.id });
    await handle.db.insert(ticketTiers).values([
      { eventId: evA!.id, position: 0, name: "General Admission", priceCents: 4500, priceWei: parseEther("0.1").toString(), supply: 100 },
      { eventId: evB!.id, position: 0, name: "Standing", priceCents: 3000, priceWei: parseEther("0.1").toString(), supply: 100 },
    ]);
    const row = (contract: Address, eventId: string, tokenId: number, owner: Address, extra: Partial<typeof tickets.$inferInsert> = {}) => ({
      chainId: 31337,
      contractAddress: contract.toLowerCase(),
      tokenId: String(tokenId),
      eventId,
      tierPosition: 0,
      owner: owner.toLowerCase(),
      originalOwner: owner.toLowerCase(),
      mintedBlock: 1,
      updatedBlock: 1,
      ...extra,
    });
    await handle.db.insert(tickets).values([
      ...[1, 2, 3, 4].map((id) => row(showA, evA!.id, id, alice.address)),
      row(showA, evA!.id, 5, alice.address, { checkedIn: true }),
      row(showA, evA!.id, 6, bob.address),
      row(showA, evA!.id, 7, chain.deployment.fractions, { fractionalized: true, originalOwner: alice.address.toLowerCase() }),
      row(showB, evB!.id, 1, alice.address),
    ]);
  });

  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  it("lists the signed-in fan's tickets with their status, claimable only when valid and kept by TicketChain", async () => {
    const response = (await ticketsLoader({
      request: new Request("http://localhost:3000/tickets", { headers: { cookie: alice.cookie, accept: "text/html" } }),
      params: {},
      context: {},
    } as never)) as Response;
    const data = (await response.json()) as { tickets: Array<{ tokenId: string; contractAddress: string; status: string; claimable: boolean; tierName: string; eventName: string }> };
    const summary = data.tickets.map((t) => `${t.contractAddress === showA ? "A" : "B"}:${t.tokenId} ${t.status}${t.claimable ? " claimable" : ""}`).sort();
    expect(summary).toEqual(["A:1 valid claimable", "A:2 valid claimable", "A:3 valid claimable", "A:4 valid claimable", "A:5 checked-in", "B:1 refundable"]);
    expect(data.tickets.find((t) => t.tokenId === "1" && t.contractAddress === showA)).toMatchObject({ tierName: "General Admission", eventName: "Aurora Nights" });
  });

  it("moves one ticket to the fan's wallet: ownerOf is the target afterwards", async () => {
    expect(await ownerOf(showA, 1n)).toBe(alice.address);
    const nonceBefore = await client().readContract({ address: chain.deployment.forwarder, abi: forwarderAbi, functionName: "nonces", args: [alice.address] });
    const { status, body } = await claim(alice.cookie, { to: target.toLowerCase(), tickets: [`${showA}:1`] });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.results).toEqual([{ contract: showA, tokenId: "1", ok: true, message: `Ticket #1 is now in ${target}.`, txHash: body.txHash }]);
    expect(await ownerOf(showA, 1n)).toBe(target);
    // Relayed: the server's signer sent the transaction, the embedded wallet's forwarder nonce moved on.
    const tx = await client().getTransaction({ hash: body.txHash! });
    expect(getAddress(tx.from)).toBe(ADMIN);
    expect(getAddress(tx.to!)).toBe(chain.deployment.forwarder);
    expect(await client().readContract({ address: chain.deployment.forwarder, abi: forwarderAbi, functionName: "nonces", args: [alice.address] })).toBe(nonceBefore + 1n);
    const [row] = await handle.db.select({ owner: tickets.owner }).from(tickets).where(and(eq(tickets.contractAddress, showA.toLowerCase()), eq(tickets.tokenId, "1")));
    expect(row!.owner).toBe(target.toLowerCase());
  });

  it("moves several in one executeBatch and refuses checked-in, cancelled, fractional and someone else's tickets with reasons", async () => {
    const { status, body } = await claim(alice.cookie, {
      to: target,
      tickets: [`${showA}:2`, `${showA}:3`, `${showA}:5`, `${showA}:6`, `${showA}:7`, `${showB}:1`],
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const byTicket = Object.fromEntries(body.results!.map((r) => [`${r.contract === showA ? "A" : "B"}:${r.tokenId}`, r]));
    expect(byTicket["A:2"]).toMatchObject({ ok: true });
    expect(byTicket["A:3"]).toMatchObject({ ok: true });
    expect(byTicket["A:5"]).toMatchObject({ ok: false, message: "Ticket #5 was checked in at the door: a used ticket stays where it is." });
    expect(byTicket["A:6"]).toMatchObject({ ok: false, message: "Ticket #6 is not in the wallet TicketChain keeps for you." });
    expect(byTicket["A:7"]).toMatchObject({ ok: false, message: "Ticket #7 is split into shares (fractional): redeem all its shares before moving it." });
    expect(byTicket["B:1"]).toMatchObject({ ok: false, message: "Ticket #1 belongs to a cancelled event: tickets no longer move, claim the refund instead." });
    const receipt = await client().getTransactionReceipt({ hash: body.txHash! });
    const tx = await client().getTransaction({ hash: body.txHash! });
    expect(tx.input.slice(0, 10)).toBe(toFunctionSelector("executeBatch((address,address,uint256,uint256,uint48,bytes,bytes)[],address)"));
    expect(parseEventLogs({ abi: concertTicketAbi, logs: receipt.logs, eventName: "Transfer" }).map((l) => l.args.tokenId)).toEqual([2n, 3n]);
    expect(await ownerOf(showA, 2n)).toBe(target);
    expect(await ownerOf(showA, 3n)).toBe(target);
    expect(await ownerOf(showA, 5n)).toBe(alice.address);
    expect(await ownerOf(showA, 6n)).toBe(bob.address);
    expect(await ownerOf(showB, 1n)).toBe(alice.address);
  });

  it("claims all: every ticket the indexer lists for the embedded wallet, refusing what cannot move", async () => {
    const { status, body } = await claim(alice.cookie, { to: target, all: true });
    expect(status, JSON.stringify(body)).toBe(200);
    const summary = body.results!.map((r) => `${r.contract === showA ? "A" : "B"}:${r.tokenId} ${r.ok}`).sort();
    expect(summary).toEqual(["A:4 true", "B:1 false"]);
    expect(await ownerOf(showA, 4n)).toBe(target);
  });

  it("refuses someone else's ticket: nothing moves and the answer says why", async () => {
    const { status, body } = await claim(bob.cookie, { to: target, tickets: [`${showA}:2`] });
    expect(status).toBe(400);
    expect(body.error).toBe("Ticket #2 is already in that wallet.");
    const other = await claim(bob.cookie, { to: privateKeyToAccount(generatePrivateKey()).address, tickets: [`${showA}:4`] });
    expect(other.status).toBe(400);
    expect(other.body.error).toBe("Ticket #4 is not in the wallet TicketChain keeps for you.");
    expect(await ownerOf(showA, 4n)).toBe(target);
    expect(await ownerOf(showA, 6n)).toBe(bob.address);
  });

  it("answers bad requests with 4xx and a message", async () => {
    const cases: Array<[string | null, unknown, number, RegExp]> = [
      [null, { to: target, all: true }, 401, /Sign in first/],
      [alice.cookie, { to: "0x1234", all: true }, 400, /0x followed by 40 hex digits/],
      [alice.cookie, { to: target.toLowerCase().replace(/^0x(.)/, (_m, c: string) => `0x${c.toUpperCase()}`).replace(/[a-f]/, (c) => c.toUpperCase()), all: true }, 400, /checksum/],
      [alice.cookie, { to: alice.address, all: true }, 400, /wallet TicketChain keeps for you/],
      [alice.cookie, { to: "0x0000000000000000000000000000000000000000", all: true }, 400, /zero address/],
      [alice.cookie, { to: target }, 400, /Choose the tickets/],
      [alice.cookie, { to: target, tickets: ["12"] }, 400, /<contract>:<tokenId>/],
      [alice.cookie, { to: target, tickets: [`${chain.deployment.factory}:1`] }, 400, /not a TicketChain ticket/],
    ];
    for (const [cookie, body, status, message] of cases) {
      const result = await claim(cookie, body);
      expect(result.status, JSON.stringify(body)).toBe(status);
      expect(result.body.error).toMatch(message);
    }
    // An account with no embedded wallet (signed in with its own wallet only).
    const [walletOnly] = await handle.db.insert(users).values({ displayName: "w", walletAddress: privateKeyToAccount(generatePrivateKey()).address }).returning({ id: users.id });
    const cookie = (await createSession(new Request("http://localhost:3000/"), walletOnly!.id, "siwe")).get("set-cookie")!.split(";")[0]!;
    const none = await claim(cookie, { to: target, all: true });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/keeps no tickets for this account/);
    expect(await ownerOf(showA, 5n)).toBe(alice.address);
  });

  it("never prints or returns an embedded private key", async () => {
    for (const user of [alice, bob]) {
      const [row] = await handle.db.select().from(embeddedWallets).where(eq(embeddedWallets.userId, user.userId));
      const address = row!.address.toLowerCase();
      const dataKey = unseal(row!.wrappedDataKey, kek.key, `${row!.kekId}:${address}`);
      const privateKey = unseal(row!.sealedKey, dataKey, address).toString("hex");
      expect(privateKeyToAccount(`0x${privateKey}`).address).toBe(user.address);
      const haystack = [...printed, ...bodies].join("\n").toLowerCase();
      expect(bodies.length).toBeGreaterThan(5);
      expect(haystack).not.toContain(privateKey);
      expect(haystack).not.toContain(Buffer.from(privateKey, "hex").toString("base64"));
    }
  });
});
