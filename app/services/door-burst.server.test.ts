import { randomBytes, randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { getAddress, parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doorPassTypedData, encodeDoorPass, passWindow, type DoorPass } from "~/lib/door-pass";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { checkIns, events, tickets, ticketTiers, users } from "../../db/schema";
import { doorEventBySlug, scanPass, syncScans, type DoorEvent, type ScanResult } from "./door.server";

/**
 * Scans that reach the server at the same moment share one admission statement (door.server.ts, group
 * commit). Each must still get the answer it would get alone: a burst mixing good passes, a ticket sold
 * since the pass was made, an unknown ticket, a fractionalized one and the same ticket at several gates
 * admits each good ticket once and refuses the rest with their own reasons, writing only the admissions.
 * The indexer's table is filled directly (no chain needed).
 */

const CONTRACT = getAddress("0x" + "cd".repeat(20));

describe.each(databaseBackends())("door: a burst of simultaneous scans (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let event: DoorEvent;
  let scannerId: string;
  const fan = privateKeyToAccount(generatePrivateKey());
  const buyer = privateKeyToAccount(generatePrivateKey());

  async function pass(signer: PrivateKeyAccount, tokenId: bigint, holder: Address = signer.address) {
    const p: DoorPass = { chainId: 31337, ticket: CONTRACT, tokenId, holder, window: passWindow() };
    return encodeDoorPass(p, await signer.signTypedData(doorPassTypedData(p)));
  }

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const tag = randomBytes(3).toString("hex");
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter", email: `p-${tag}@example.com` }).returning({ id: users.id });
    const [steward] = await handle.db.insert(users).values({ displayName: "Steward", role: "scanner", email: `s-${tag}@example.com` }).returning({ id: users.id });
    scannerId = steward!.id;
    const [row] = await handle.db
      .insert(events)
      .values({ slug: `burst-${tag}`, promoterId: promoter!.id, name: "Burst", venue: "Hall", city: "Porto", startsAt: new Date(Date.now() + 86_400_000), status: "published", chainId: 31337, onChainId: "7", contractAddress: CONTRACT })
      .returning({ id: events.id });
    await handle.db.insert(ticketTiers).values({ eventId: row!.id, position: 0, name: "Floor", priceCents: 5000, priceWei: parseEther("0.05").toString(), supply: 100 });
    // Tickets 1..40 to the fan; 41 sold to the buyer; 42 fractionalized.
    await handle.db.insert(tickets).values(
      Array.from({ length: 42 }, (_, i) => {
        const owner = (i === 40 ? buyer.address : fan.address).toLowerCase();
        return { chainId: 31337, contractAddress: CONTRACT.toLowerCase(), tokenId: String(i + 1), eventId: row!.id, tierPosition: 0, owner, originalOwner: fan.address.toLowerCase(), mintedBlock: 1, updatedBlock: 1, fractionalized: i === 41 };
      }),
    );
    event = (await doorEventBySlug(handle.db, `burst-${tag}`))!;
  });

  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  const scan = (text: string, gate: string) => scanPass(handle.db, event, { pass: text, scannerId, gate });

  it("admits each good ticket once and refuses the others with their own reasons", async () => {
    const good = await Promise.all(Array.from({ length: 30 }, (_, i) => pass(fan, BigInt(i + 1))));
    const twice = await pass(fan, 31n);
    const sold = await pass(fan, 41n); // the fan's pass, but the buyer owns ticket 41 now
    const unknown = await pass(fan, 99n);
    const split = await pass(fan, 42n);
    const texts = [...good.map((t, i) => [t, `gate ${i % 4}`]), [twice, "gate A"], [twice, "gate B"], [twice, "gate C"], [sold, "gate A"], [unknown, "gate B"], [split, "gate C"]] as Array<[string, string]>;
    const results: ScanResult[] = await Promise.all(texts.map(([t, g]) => scan(t, g)));

    expect(results.slice(0, 30).every((r) => r.ok && r.reason === "Welcome in")).toBe(true);
    expect(results.slice(0, 30).map((r) => r.ticket)).toEqual(Array.from({ length: 30 }, (_, i) => ({ tokenId: String(i + 1), tier: "Floor", seat: i + 1 })));
    const sameTicket = results.slice(30, 33);
    expect(sameTicket.filter((r) => r.ok)).toHaveLength(1);
    const winner = ["gate A", "gate B", "gate C"][sameTicket.findIndex((r) => r.ok)]!;
    for (const r of sameTicket.filter((x) => !x.ok)) expect(r).toMatchObject({ code: "already-checked-in", reason: expect.stringContaining(`(${winner})`) });
    expect(results[33]).toMatchObject({ ok: false, code: "transferred", ticket: { tokenId: "41" } });
    expect(results[34]).toMatchObject({ ok: false, code: "unknown-ticket", ticket: null });
    expect(results[35]).toMatchObject({ ok: false, code: "fractional", ticket: { tokenId: "42" } });

    const rows = await handle.db.select({ tokenId: checkIns.tokenId, gate: checkIns.gate, holder: checkIns.holder }).from(checkIns).where(eq(checkIns.eventId, event.id));
    expect(rows.map((r) => Number(r.tokenId)).sort((a, b) => a - b)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(rows.find((r) => r.tokenId === "31")).toMatchObject({ gate: winner, holder: fan.address.toLowerCase() });

    // Scanned again, together: all already in.
    const again = await Promise.all(good.slice(0, 10).map((t) => scan(t, "gate Z")));
    expect(again.every((r) => !r.ok && r.code === "already-checked-in" && /^Already checked in at .* \(gate \d\)$/.test(r.reason))).toBe(true);
  });

  it("offline syncs arriving together: one check-in per ticket, a retried scan id is not a second one", async () => {
    const t0 = Date.now() - 10_000;
    const scans = await Promise.all(
      [32n, 33n, 34n].map(async (id, i) => ({ id: randomUUID(), pass: await pass(fan, id), scannedAt: new Date(t0 + i * 1000).toISOString(), gate: `gate ${i}` })),
    );
    // Two scanners sync at once: the first has all three, the second retries the first scan and has its own scan of 33.
    const other = { ...scans[1]!, id: randomUUID(), gate: "gate 9", scannedAt: new Date(t0 + 5_000).toISOString() };
    const [first, second] = await Promise.all([syncScans(handle.db, event, scannerId, scans), syncScans(handle.db, event, scannerId, [scans[0]!, other])]);
    expect([first[0]!.ok, first[2]!.ok]).toEqual([true, true]);
    expect(second[0]).toMatchObject({ id: scans[0]!.id, ok: true, conflict: false });
    // Ticket 33 at two gates: whichever statement came first let it in, the other scan is a conflict naming that gate.
    const [won, lost] = first[1]!.ok ? [first[1]!, second[1]!] : [second[1]!, first[1]!];
    expect(won).toMatchObject({ ok: true, conflict: false, tokenId: "33" });
    expect(lost).toMatchObject({ ok: false, conflict: true, reason: expect.stringMatching(new RegExp(`\\(gate ${won === first[1] ? 1 : 9}\\)$`)) });
    for (const id of ["32", "33", "34"]) {
      const rows = await handle.db.select().from(checkIns).where(and(eq(checkIns.contractAddress, CONTRACT.toLowerCase()), eq(checkIns.tokenId, id)));
      expect(rows).toHaveLength(1);
    }
  });
});
