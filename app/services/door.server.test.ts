import { randomBytes, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { createPublicClient, createWalletClient, getAddress, http, keccak256, parseEther, parseEventLogs, toHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concertTicketAbi, ticketFactoryAbi } from "~/contracts/abi";
import { doorPassTypedData, encodeDoorPass, passWindow, type DoorPass } from "~/lib/door-pass";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { startPlatformChain, type PlatformChain } from "../../test/support/platform-chain";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { checkInConflicts, checkIns, events, tickets, ticketTiers, users } from "../../db/schema";
import { doorEventBySlug, eventManifest, flushCheckIns, scanPass, syncScans, type DoorEvent } from "./door.server";
import { metrics } from "./metrics.server";

/**
 * The door's verification service on PGlite and PostgreSQL, against real contracts on a local Hardhat
 * chain: tickets minted with mintBatch to fans whose keys sign the passes; the `tickets` table (the
 * indexer's) is filled the way the indexer would. The on-chain batch is checked with isCheckedIn.
 */

const ADMIN = getAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"); // #0: admin, minter, server signer
const PROMOTER = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"); // #1

let chain: PlatformChain;
beforeAll(async () => {
  chain = await startPlatformChain();
});
afterAll(async () => {
  await chain?.stop();
});

const client = () => createPublicClient({ chain: hardhat, transport: http(chain.url) });
const as = (account: Address) => createWalletClient({ chain: hardhat, transport: http(chain.url), account });

async function send(hash: Promise<Hex>) {
  const receipt = await client().waitForTransactionReceipt({ hash: await hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function makePass(signer: PrivateKeyAccount, ticket: Address, tokenId: bigint, opts: { holder?: Address; window?: bigint } = {}) {
  const pass: DoorPass = { chainId: 31337, ticket, tokenId, holder: opts.holder ?? signer.address, window: opts.window ?? passWindow() };
  return encodeDoorPass(pass, await signer.signTypedData(doorPassTypedData(pass)));
}

describe.each(databaseBackends())("door check-in (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  const fan = privateKeyToAccount(generatePrivateKey());
  const other = privateKeyToAccount(generatePrivateKey());
  let show: { ticket: Address; onChainId: bigint };
  let otherShow: { ticket: Address; onChainId: bigint };
  let event: DoorEvent;
  let otherEvent: DoorEvent;
  let scannerId: string;

  async function createShow(name: string) {
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

  async function mint(ticket: Address, recipients: Address[]) {
    await send(
      as(ADMIN).writeContract({
        address: ticket,
        abi: concertTicketAbi,
        functionName: "mintBatch",
        args: [0n, recipients, keccak256(toHex(`batch-${randomBytes(8).toString("hex")}`))],
      }),
    );
  }

  async function insertEvent(slug: string, promoterId: string, s: { ticket: Address; onChainId: bigint }, owners: Address[], status: "published" | "cancelled" = "published") {
    const [row] = await handle.db
      .insert(events)
      .values({ slug, promoterId, name: `Show ${slug}`, venue: "Harbour Hall", city: "Lisbon", startsAt: new Date(Date.now() + 86_400_000), status, chainId: 31337, onChainId: s.onChainId.toString(), contractAddress: s.ticket })
      .returning({ id: events.id });
    await handle.db.insert(ticketTiers).values({ eventId: row!.id, position: 0, name: "General Admission", priceCents: 4500, priceWei: parseEther("0.1").toString(), supply: 100 });
    await handle.db.insert(tickets).values(
      owners.map((owner, i) => ({
        chainId: 31337,
        contractAddress: s.ticket.toLowerCase(),
        tokenId: String(i + 1),
        eventId: row!.id,
        tierPosition: 0,
        owner: owner.toLowerCase(),
        originalOwner: owner.toLowerCase(),
        mintedBlock: 1,
        updatedBlock: 1,
      })),
    );
    return (await doorEventBySlug(handle.db, slug))!;
  }

  const scan = (pass: string, gate = "gate A", on: DoorEvent = event) => scanPass(handle.db, on, { pass, scannerId, gate });
  const counter = async (result: string) => (await metrics().checkIns.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const factory = { address: chain.deployment.factory, abi: ticketFactoryAbi } as const;
    const promoterRole = await client().readContract({ ...factory, functionName: "PROMOTER_ROLE" });
    if (!(await client().readContract({ ...factory, functionName: "hasRole", args: [promoterRole, PROMOTER] }))) {
      await send(as(ADMIN).writeContract({ ...factory, functionName: "grantRole", args: [promoterRole, PROMOTER] }));
    }
    const tag = randomBytes(3).toString("hex");
    show = await createShow(`Door ${tag}`);
    otherShow = await createShow(`Other ${tag}`);
    // Show: tickets 1..8 to the fan, 9 to the other fan. Other show: ticket 1 to the fan.
    const owners = [...Array(8).fill(fan.address), other.address] as Address[];
    await mint(show.ticket, owners);
    await mint(otherShow.ticket, [fan.address]);
    // The promoter lets the server signer check in for the show (not for the other show).
    const scannerRole = await client().readContract({ ...factory, functionName: "scannerRole", args: [show.onChainId] });
    await send(as(PROMOTER).writeContract({ ...factory, functionName: "grantRole", args: [scannerRole, ADMIN] }));

    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter", email: `p-${tag}@example.com` }).returning({ id: users.id });
    const [steward] = await handle.db.insert(users).values({ displayName: "Steward", role: "scanner", email: `s-${tag}@example.com` }).returning({ id: users.id });
    scannerId = steward!.id;
    event = await insertEvent(`door-${tag}`, promoter!.id, show, owners);
    otherEvent = await insertEvent(`other-${tag}`, promoter!.id, otherShow, [fan.address]);
  }, 120_000);

  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  it("lets a live pass in (green) with tier and seat, and records the check-in", async () => {
    const before = await counter("accepted");
    const started = performance.now();
    const result = await scan(await makePass(fan, show.ticket, 1n));
    expect(performance.now() - started).toBeLessThan(200);
    expect(result).toEqual({ ok: true, reason: "Welcome in", ticket: { tokenId: "1", tier: "General Admission", seat: 1 } });
    const [row] = await handle.db.select().from(checkIns).where(eq(checkIns.tokenId, "1"));
    expect(row).toMatchObject({ eventId: event.id, holder: fan.address.toLowerCase(), gate: "gate A", onChain: "pending", scannerId });
    expect(await counter("accepted")).toBe(before + 1);
  });

  it("refuses the same ticket again: already checked in, with the time and gate", async () => {
    const result = await scan(await makePass(fan, show.ticket, 1n), "gate B");
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ code: "already-checked-in", ticket: { tokenId: "1" } });
    expect(result.reason).toMatch(/^Already checked in at \d\d:\d\d UTC \(gate A\)$/);
  });

  it("refuses an expired pass (window two minutes old) and one from the future", async () => {
    const old = await scan(await makePass(fan, show.ticket, 2n, { window: passWindow() - 4n }));
    expect(old).toMatchObject({ ok: false, code: "expired" });
    expect(old.reason).toMatch(/expired/i);
    const ahead = await scan(await makePass(fan, show.ticket, 2n, { window: passWindow() + 5n }));
    expect(ahead).toMatchObject({ ok: false, code: "future" });
  });

  it("refuses a pass of another event, a cancelled event, garbage and a forged signature", async () => {
    expect(await scan(await makePass(fan, otherShow.ticket, 1n))).toMatchObject({ ok: false, code: "wrong-event" });
    await handle.db.update(events).set({ status: "cancelled" }).where(eq(events.id, otherEvent.id));
    const cancelled = (await doorEventBySlug(handle.db, otherEvent.slug))!;
    expect(await scan(await makePass(fan, otherShow.ticket, 1n), "gate A", cancelled)).toMatchObject({ ok: false, code: "cancelled" });
    expect(await scan("hello")).toMatchObject({ ok: false, code: "malformed", reason: "Not a TicketChain pass" });
    // The other fan signs a pass naming the fan as holder: the signature is not the holder's.
    const forged = await scan(await makePass(other, show.ticket, 2n, { holder: fan.address }));
    expect(forged).toMatchObject({ ok: false, code: "forged" });
    // A valid signature by someone who does not own the ticket.
    expect(await scan(await makePass(other, show.ticket, 2n))).toMatchObject({ ok: false, code: "transferred" });
    expect(await handle.db.select().from(checkIns).where(eq(checkIns.tokenId, "2"))).toEqual([]);
  });

  it("refuses a pass made before the ticket was transferred (owner check against the indexer)", async () => {
    const pass = await makePass(fan, show.ticket, 3n);
    // The fan sells ticket 3 to the other fan after showing the QR; the indexer records the new owner.
    await send(as(ADMIN).sendTransaction({ to: fan.address, value: parseEther("1") }));
    const fanWallet = createWalletClient({ chain: hardhat, transport: http(chain.url), account: fan });
    await send(fanWallet.writeContract({ address: show.ticket, abi: concertTicketAbi, functionName: "transferFrom", args: [fan.address, other.address, 3n] }));
    await handle.db
      .update(tickets)
      .set({ owner: other.address.toLowerCase() })
      .where(and(eq(tickets.contractAddress, show.ticket.toLowerCase()), eq(tickets.tokenId, "3")));
    const result = await scan(pass);
    expect(result).toMatchObject({ ok: false, code: "transferred" });
    expect(result.reason).toMatch(/changed hands/);
    // The new owner's own pass works.
    expect(await scan(await makePass(other, show.ticket, 3n))).toMatchObject({ ok: true });
  });

  it("accepts exactly one of ten simultaneous scans of the same ticket", async () => {
    const pass = await makePass(fan, show.ticket, 4n);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => scan(pass, `gate ${i}`)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === "already-checked-in")).toHaveLength(9);
    expect(await handle.db.select().from(checkIns).where(eq(checkIns.tokenId, "4"))).toHaveLength(1);
  });

  it("offline: serves the manifest, syncs queued scans, flags the second gate's scan as a conflict, and a retried sync changes nothing", async () => {
    const manifest = await eventManifest(handle.db, event);
    expect(manifest.event).toMatchObject({ contract: show.ticket, chainId: 31337, cancelled: false });
    expect(manifest.tickets).toHaveLength(9);
    expect(manifest.tickets.find((t) => t.tokenId === "1")).toMatchObject({ checkedIn: true, owner: fan.address.toLowerCase(), seat: 1 });
    expect(manifest.tickets.find((t) => t.tokenId === "5")).toMatchObject({ checkedIn: false, tier: "General Admission", seat: 5 });

    const pass = await makePass(fan, show.ticket, 5n);
    const t0 = Date.now() - 5_000;
    const gateA = { id: randomUUID(), pass, scannedAt: new Date(t0).toISOString(), gate: "gate A" };
    const gateB = { id: randomUUID(), pass, scannedAt: new Date(t0 + 2_000).toISOString(), gate: "gate B" };
    // Gate B syncs first, but gate A scanned first: scan order decides within one sync.
    const first = await syncScans(handle.db, event, scannerId, [gateB, gateA]);
    expect(first).toEqual([
      { id: gateA.id, ok: true, conflict: false, reason: "Welcome in", tokenId: "5" },
      { id: gateB.id, ok: false, conflict: true, reason: expect.stringMatching(/^Already checked in at .* \(gate A\)$/), tokenId: "5" },
    ]);
    const again = await syncScans(handle.db, event, scannerId, [gateA, gateB]);
    expect(again.map((r) => [r.ok, r.conflict])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(await handle.db.select().from(checkIns).where(eq(checkIns.tokenId, "5"))).toHaveLength(1);
    const conflicts = await handle.db.select().from(checkInConflicts).where(eq(checkInConflicts.eventId, event.id));
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ scanId: gateB.id, gate: "gate B", tokenId: "5" });
    // An offline scan whose pass had expired at its scan time is refused on sync too.
    const oldPass = await makePass(fan, show.ticket, 6n, { window: passWindow(Date.now() - 10 * 60_000) });
    const stale = await syncScans(handle.db, event, scannerId, [{ id: randomUUID(), pass: oldPass, scannedAt: new Date(Date.now() - 5 * 60_000).toISOString(), gate: "gate C" }]);
    expect(stale[0]).toMatchObject({ ok: false, conflict: true, reason: expect.stringMatching(/expired/) });
  });

  it("checks the recorded tickets in on chain in one batch with the server signer; a second round sends nothing", async () => {
    const logs: string[] = [];
    const sent: bigint[][] = [];
    const options = {
      handle,
      client: createPublicClient({ chain: hardhat, transport: http(chain.url) }) as never,
      factory: chain.deployment.factory,
      signer: ADMIN,
      log: (m: string) => logs.push(m),
      send: async (ticket: Address, ids: bigint[]) => {
        sent.push(ids);
        const receipt = await send(as(ADMIN).writeContract({ address: ticket, abi: concertTicketAbi, functionName: "checkIn", args: [ids] }));
        return receipt.transactionHash;
      },
    };
    const accepted = (await handle.db.select({ tokenId: checkIns.tokenId }).from(checkIns).where(eq(checkIns.eventId, event.id))).map((r) => BigInt(r.tokenId)).sort();
    expect(accepted).toEqual([1n, 3n, 4n, 5n]);
    for (const id of accepted) expect(await client().readContract({ address: show.ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [id] })).toBe(false);

    const report = await flushCheckIns(options);
    expect(report).toEqual({ confirmed: 4, failed: 0, missingRole: [] });
    expect(sent).toHaveLength(1);
    for (const id of accepted) expect(await client().readContract({ address: show.ticket, abi: concertTicketAbi, functionName: "isCheckedIn", args: [id] })).toBe(true);
    const rows = await handle.db.select().from(checkIns).where(eq(checkIns.eventId, event.id));
    expect(rows.every((r) => r.onChain === "confirmed" && /^0x[0-9a-f]{64}$/.test(r.txHash ?? ""))).toBe(true);
    // A checked-in ticket can no longer be transferred on chain.
    const fanWallet = createWalletClient({ chain: hardhat, transport: http(chain.url), account: fan });
    await expect(fanWallet.writeContract({ address: show.ticket, abi: concertTicketAbi, functionName: "transferFrom", args: [fan.address, other.address, 1n] })).rejects.toThrow(/TicketCheckedInNotTransferable/);

    expect(await flushCheckIns(options)).toEqual({ confirmed: 0, failed: 0, missingRole: [] });
    expect(sent).toHaveLength(1);
  });

  it("without scannerRole on the factory it logs a clear error and keeps the check-ins pending (no crash)", async () => {
    // Publish the other show again and let a ticket in: the server signer has no role for it.
    await handle.db.update(events).set({ status: "published" }).where(eq(events.id, otherEvent.id));
    const reopened = (await doorEventBySlug(handle.db, otherEvent.slug))!;
    expect(await scan(await makePass(fan, otherShow.ticket, 1n), "gate A", reopened)).toMatchObject({ ok: true });
    const logs: string[] = [];
    const report = await flushCheckIns({
      handle,
      client: client() as never,
      factory: chain.deployment.factory,
      signer: ADMIN,
      log: (m) => logs.push(m),
      send: async () => {
        throw new Error("must not send");
      },
    });
    expect(report.missingRole).toEqual([otherShow.ticket.toLowerCase()]);
    expect(logs.join("\n")).toMatch(/lacks scannerRole\(\d+\)/);
    const [row] = await handle.db.select().from(checkIns).where(eq(checkIns.eventId, otherEvent.id));
    expect(row).toMatchObject({ onChain: "pending", lastError: expect.stringMatching(/grantRole/) });
  });
});
