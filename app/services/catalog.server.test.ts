import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDbHandle, migrate } from "../../db/client.server";
import { events, users } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { eventSearchSchema, searchEvents, eventCities } from "./catalog.server";

describe.each(databaseBackends())("event search on %s", (_kind, create) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await create();
    const handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter" }).returning({ id: users.id });
    const base = { promoterId: promoter!.id, chainId: 31337, status: "published" as const };
    await handle.db.insert(events).values([
      { ...base, slug: "aurora", name: "Aurora Nights", venue: "Harbour Hall", city: "Lisbon", startsAt: new Date("2027-01-26T20:00:00Z"), description: "Synth pop under the stars" },
      { ...base, slug: "jazz", name: "Blue Note Evening", venue: "Cellar", city: "Porto", startsAt: new Date("2027-02-10T21:00:00Z"), description: "Jazz quartet; aurora borealis projections" },
      { ...base, slug: "rock", name: "Steel & Thunder", venue: "Arena Norte", city: "porto", startsAt: new Date("2027-03-01T19:00:00Z") },
      { ...base, slug: "draft", name: "Aurora Secret Show", venue: "Hidden", city: "Lisbon", startsAt: new Date("2027-01-27T20:00:00Z"), status: "draft" },
    ]);
  });
  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  const slugs = async (search: Parameters<typeof searchEvents>[0]) => (await searchEvents(search)).map((e) => e.slug);

  it("lists published events soonest first without a query", async () => {
    expect(await slugs({})).toEqual(["aurora", "jazz", "rock"]);
  });

  it("finds words anywhere (name, venue, city, description), ranks name matches first, and matches prefixes", async () => {
    expect(await slugs({ q: "aurora" })).toEqual(["aurora", "jazz"]);
    expect(await slugs({ q: "auro" })).toEqual(["aurora", "jazz"]);
    expect(await slugs({ q: "harbour" })).toEqual(["aurora"]);
    expect(await slugs({ q: '"blue note"' })).toEqual(["jazz"]);
    expect(await slugs({ q: "aurora -jazz" })).toEqual(["aurora"]);
    expect(await slugs({ q: "zzzz" })).toEqual([]);
    expect(await slugs({ q: "&|!:*()" })).toEqual([]); // tsquery syntax in user input is harmless
  });

  it("filters by city (any case) and by inclusive dates", async () => {
    expect(await slugs({ city: "PORTO" })).toEqual(["jazz", "rock"]);
    expect(await slugs({ from: "2027-02-10", to: "2027-03-01" })).toEqual(["jazz", "rock"]);
    expect(await slugs({ to: "2027-01-26" })).toEqual(["aurora"]);
    expect(await slugs({ q: "aurora", city: "Porto" })).toEqual(["jazz"]);
    expect(await eventCities()).toEqual(expect.arrayContaining(["Lisbon", "Porto"]));
  });

  it("validates the form", () => {
    expect(eventSearchSchema.safeParse({ q: "x".repeat(101) }).success).toBe(false);
    expect(eventSearchSchema.safeParse({ from: "tomorrow" }).error?.issues[0]?.message).toBe("Use a date like 2027-03-14.");
    expect(eventSearchSchema.parse({ q: "  ", from: "" })).toEqual({ q: undefined, from: undefined });
  });
});
