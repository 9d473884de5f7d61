import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader } from "../routes/api.events.$slug";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, ticketTiers, users } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { serveFetch, type FetchServer } from "../../test/support/fetch-server";
import { closeCache } from "./cache.server";
import { invalidateEvent } from "./catalog.server";
import { CheckoutError, startCheckout } from "./orders.server";
import { configurePaymentsEndpoint, payments, resetPayments } from "./payments.server";

/**
 * GET /api/events/:slug (the route's loader, on PGlite and — with DATABASE_URL / REDIS_URL — PostgreSQL
 * and Redis): 404 JSON, the shape with integer cents and wei, Cache-Control, the cached view dropped when a
 * checkout reserves seats, and a sold-out tier refused by the checkout even while a cached view still
 * shows a seat. Checkouts go through the stripe SDK to the app's Stripe double (its /v1 route).
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-api-event-"));
process.env.DATA_DIR = dataDir;
delete process.env.STRIPE_SECRET_KEY;
delete process.env.STRIPE_WEBHOOK_SECRET;

type Args = Parameters<typeof loader>[0];
async function get(slug: string) {
  const response = await loader({ request: new Request(`http://localhost/api/events/${slug}`), params: { slug }, context: {} } as Args);
  return { status: response.status, cacheControl: response.headers.get("cache-control"), body: (await response.json()) as Record<string, unknown> & { tiers: Array<Record<string, unknown>> } };
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.each(databaseBackends())("public event JSON (database: %s)", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  let v1: FetchServer;
  let tierId: string;
  let vipId: string;

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter" }).returning({ id: users.id });
    const [event] = await handle.db
      .insert(events)
      .values({
        promoterId: promoter!.id,
        chainId: 31337,
        status: "published",
        slug: "harbour-lights",
        name: "Harbour Lights",
        venue: "Pier 4",
        city: "Lisbon",
        startsAt: new Date(Date.now() + 30 * 86_400_000),
        contractAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        onChainId: "7",
      })
      .returning({ id: events.id });
    await handle.db.insert(events).values({ promoterId: promoter!.id, chainId: 31337, status: "draft", slug: "secret", name: "Secret", venue: "x", city: "x", startsAt: new Date(Date.now() + 86_400_000) });
    const tiers = await handle.db
      .insert(ticketTiers)
      .values([
        { eventId: event!.id, position: 0, name: "Standing", priceCents: 4500, priceWei: "20000000000000000", supply: 100, sold: 10, reserved: 5 },
        { eventId: event!.id, position: 1, name: "VIP", priceCents: 12000, priceWei: "50000000000000000", supply: 2, sold: 1 },
      ])
      .returning({ id: ticketTiers.id });
    [tierId, vipId] = [tiers[0]!.id, tiers[1]!.id];
    // The shared cache (Redis under REDIS_URL) may still hold this slug's view from the other backend's run.
    await invalidateEvent("harbour-lights");
    await invalidateEvent("secret");
    const double = await import("../routes/v1.$");
    v1 = await serveFetch(async (request) => {
      const splat = new URL(request.url).pathname.replace(/^\/v1\//, "");
      const fn = request.method === "GET" ? double.loader : double.action;
      return (await fn({ request, params: { "*": splat }, context: {} } as never)) as Response;
    });
    configurePaymentsEndpoint({ publicUrl: v1.url, internalUrl: v1.url });
  });

  afterAll(async () => {
    await v1?.close();
    resetPayments();
    await closeCache();
    await closeDb();
    await database?.drop();
  });

  it("answers 404 JSON for an unknown, draft or malformed slug", async () => {
    for (const slug of ["no-such-event", "secret", "Bad Slug!"]) {
      const response = await get(slug);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: "We could not find this event." });
      expect(response.cacheControl).toBe("no-store");
    }
  });

  it("returns the event, tiers with integer cents and wei, and the seats left, cacheable for a moment", async () => {
    const response = await get("harbour-lights");
    expect(response.status).toBe(200);
    expect(response.cacheControl).toMatch(/^public, max-age=\d+/);
    expect(response.body).toMatchObject({ slug: "harbour-lights", name: "Harbour Lights", venue: "Pier 4", city: "Lisbon", status: "published", chainId: 31337, salesOpen: true, onChainId: "7" });
    expect(response.body.tiers).toEqual([
      { id: tierId, position: 0, name: "Standing", priceCents: 4500, priceWei: "20000000000000000", supply: 100, remaining: 85 },
      { id: vipId, position: 1, name: "VIP", priceCents: 12000, priceWei: "50000000000000000", supply: 2, remaining: 1 },
    ]);
  });

  it("drops the cached view when a checkout reserves seats, and the reservation still refuses a sold-out tier", async () => {
    expect((await get("harbour-lights")).body.tiers[0]!.remaining).toBe(85);
    const { stripe } = await payments(handle.db);
    await startCheckout(handle.db, stripe, { eventSlug: "harbour-lights", tierId, quantity: 3 }, { publicUrl: v1.url });
    expect((await get("harbour-lights")).body.tiers[0]!.remaining).toBe(82);

    // The last VIP seat sells on chain (the indexer raises `sold`) while the cached view still shows it.
    expect((await get("harbour-lights")).body.tiers[1]!.remaining).toBe(1);
    await handle.db.update(ticketTiers).set({ sold: sql`${ticketTiers.supply}` }).where(eq(ticketTiers.id, vipId));
    expect((await get("harbour-lights")).body.tiers[1]!.remaining).toBe(1);
    const refused = await startCheckout(handle.db, stripe, { eventSlug: "harbour-lights", tierId: vipId, quantity: 1 }, { publicUrl: v1.url }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CheckoutError);
    expect(refused).toMatchObject({ status: 409, code: "sold_out" });
    const [vip] = await handle.db.select({ reserved: ticketTiers.reserved }).from(ticketTiers).where(eq(ticketTiers.id, vipId));
    expect(vip!.reserved).toBe(0);
  });
});
