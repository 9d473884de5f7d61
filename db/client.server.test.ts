import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseBackends, type TestDatabase } from "../test/support/databases";
import { migrate, openDb, type DbHandle } from "./client.server";
import { isUniqueViolation } from "./errors";
import { chains, events, ticketTiers, users } from "./schema";
import { ChainMismatchError, checkChainIdentity } from "../server/bootstrap";

describe.each(databaseBackends())("database on %s", (kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;

  beforeAll(async () => {
    database = await create();
    handle = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("uses the expected driver", () => {
    expect(handle.kind).toBe(kind);
    expect(handle.location).not.toMatch(/:\/\/.*@/);
  });

  it("applies the committed migrations once (a second run changes nothing)", async () => {
    const rows = async () => {
      const result = await handle.db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      // postgres.js returns an array, PGlite an object with rows
      const list = (Array.isArray(result) ? result : (result as unknown as { rows: Array<{ n: number }> }).rows) as Array<{ n: number }>;
      return Number(list[0].n);
    };
    const before = await rows();
    expect(before).toBeGreaterThan(0);
    await migrate(handle);
    expect(await rows()).toBe(before);
  });

  it("stores money exactly: cents as integers, wei as numeric(78,0)", async () => {
    const [promoter] = await handle.db
      .insert(users)
      .values({ displayName: "P", email: `p-${kind}@example.com`, walletAddress: `0x${"1".repeat(40)}`, role: "promoter" })
      .returning({ id: users.id });
    const [event] = await handle.db
      .insert(events)
      .values({
        slug: `show-${kind}`,
        promoterId: promoter.id,
        name: "Show",
        venue: "V",
        city: "C",
        startsAt: new Date("2027-01-01T20:00:00Z"),
        chainId: 31337,
        status: "published",
      })
      .returning({ id: events.id });
    const hugeWei = (2n ** 255n + 12345n).toString();
    await handle.db.insert(ticketTiers).values({ eventId: event.id, position: 0, name: "GA", priceCents: 4599, priceWei: hugeWei, supply: 10 });
    const [tier] = await handle.db.select().from(ticketTiers).where(eq(ticketTiers.eventId, event.id));
    expect(tier.priceCents).toBe(4599);
    expect(tier.priceWei).toBe(hugeWei);
  });

  it("refuses a second tier at the same position and a duplicate slug", async () => {
    const [event] = await handle.db.select({ id: events.id, promoterId: events.promoterId }).from(events).where(eq(events.slug, `show-${kind}`));
    await expect(
      handle.db.insert(ticketTiers).values({ eventId: event.id, position: 0, name: "GA again", priceCents: 1, priceWei: "1", supply: 1 }),
    ).rejects.toThrow();
    await expect(
      handle.db.insert(events).values({
        slug: `show-${kind}`,
        promoterId: event.promoterId,
        name: "Dup",
        venue: "V",
        city: "C",
        startsAt: new Date(),
        chainId: 31337,
      }),
    ).rejects.toThrow();
  });

  it("names a unique violation through drizzle's error wrapper (isUniqueViolation)", async () => {
    const [event] = await handle.db.select({ promoterId: events.promoterId }).from(events).where(eq(events.slug, `show-${kind}`));
    const error = await handle.db
      .insert(events)
      .values({ slug: `show-${kind}`, promoterId: event.promoterId, name: "Dup", venue: "V", city: "C", startsAt: new Date(), chainId: 31337 })
      .then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(isUniqueViolation(error, "events_slug_key")).toBe(true);
    expect(isUniqueViolation(error, "waitlist_entries_offered_listing_key")).toBe(false);
    expect(isUniqueViolation(new Error("duplicate key value violates unique constraint"), "events_slug_key")).toBe(false);
  });

  it("treats wallet addresses case-insensitively as unique", async () => {
    await expect(
      handle.db.insert(users).values({ displayName: "Q", walletAddress: `0x${"A".repeat(40)}` }),
    ).resolves.toBeDefined();
    await expect(handle.db.insert(users).values({ displayName: "R", walletAddress: `0x${"a".repeat(40)}` })).rejects.toThrow();
  });

  it("records the chain's genesis and refuses a different chain with the same id", async () => {
    await checkChainIdentity(handle.db, 31337, "0xaaa", "hint");
    await checkChainIdentity(handle.db, 31337, "0xaaa", "hint");
    expect(await handle.db.select().from(chains)).toHaveLength(1);
    await expect(checkChainIdentity(handle.db, 31337, "0xbbb", "remove .data")).rejects.toThrow(ChainMismatchError);
    await expect(checkChainIdentity(handle.db, 31337, "0xbbb", "remove .data")).rejects.toThrow(/genesis 0xaaa, now 0xbbb\)\. remove \.data/);
  });
});

describe.each(databaseBackends())("named locks on %s", (kind, create) => {
  let database: TestDatabase;
  let a: DbHandle;
  let b: DbHandle | null = null;

  beforeAll(async () => {
    database = await create();
    a = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    // Two handles = two app servers sharing one PostgreSQL (PGlite has one opener by construction).
    if (kind === "postgres") b = await openDb({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  it("withLock runs holders one at a time", async () => {
    const handles = [a, b ?? a];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        handles[i % 2]!.withLock("signer:0xabc", async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it("tryLock gives the lock to one holder until released", async () => {
    const first = await a.tryLock("indexer:31337");
    expect(first).not.toBeNull();
    expect(await (b ?? a).tryLock("indexer:31337")).toBeNull();
    await first!.release();
    const again = await (b ?? a).tryLock("indexer:31337");
    expect(again).not.toBeNull();
    await again!.release();
  });
});
