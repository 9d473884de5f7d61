import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, users } from "../../db/schema";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { setSecrets } from "~/services/secrets.server";
import { createSession } from "~/services/session.server";
import { action as createAction } from "~/routes/promoter.events.new";
import { loader as csvLoader } from "~/routes/promoter.events.$slug.attendees[.]csv";
import { action as dashboardAction } from "~/routes/promoter.events.$slug";
import { eq } from "drizzle-orm";

/** The promoter routes' authorization and validation, through their real loader/action and sessions. */
const ORIGIN = "http://localhost:3000";

describe.each(databaseBackends())("promoter routes on %s", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    setSecrets({ keks: [{ id: "k1", key: randomBytes(32) }], sessionSecret: randomBytes(32) });
    const tag = randomBytes(3).toString("hex");
    for (const [name, role] of [["owner", "promoter"], ["rival", "promoter"], ["fan", "fan"]] as const) {
      const [row] = await handle.db.insert(users).values({ displayName: name, email: `${name}-${tag}@example.com`, role }).returning({ id: users.id });
      const headers = await createSession(new Request(`${ORIGIN}/`), row!.id, "email", handle.db);
      cookies[name] = headers.get("set-cookie")!.split(";")[0]!;
      if (name === "owner") {
        await handle.db.insert(events).values({
          slug: `owned-${tag}`,
          promoterId: row!.id,
          name: "Owned Show",
          venue: "Hall",
          city: "Town",
          startsAt: new Date(Date.now() + 86_400_000),
          chainId: 31337,
        });
        cookies.slug = `owned-${tag}`;
      }
    }
  });

  afterAll(async () => {
    setSecrets(undefined);
    await closeDb();
    await database?.drop();
  });

  const post = (cookie: string, form: Record<string, string | string[]>) => {
    const body = new FormData();
    for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
    return new Request(`${ORIGIN}/promoter/events/new`, { method: "POST", body, headers: { cookie } });
  };
  const thrown = async (fn: () => Promise<unknown>) => {
    try {
      return await fn();
    } catch (error) {
      return error;
    }
  };

  it("answers 400 with field errors for a bad event form and saves nothing", async () => {
    const before = (await handle.db.select().from(events)).length;
    const response = (await createAction({
      request: post(cookies.owner!, { name: "A", venue: "", city: "X", startsAt: "soon", royaltyPercent: "50", tierName: "", tierSupply: "-1" }),
      params: {},
      context: {},
    })) as Response;
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Record<string, string> };
    expect(body.errors).toMatchObject({
      name: "At least 3 characters.",
      venue: "Name the venue.",
      startsAt: "Pick a date and time.",
      royaltyPercent: "At most 10 %.",
      "tiers.0.name": "Name the tier.",
      "tiers.0.supply": "At least 1 ticket.",
    });
    expect((await handle.db.select().from(events)).length).toBe(before);
  });

  it("refuses the create form to a fan (403) and to a visitor (401)", async () => {
    const fan = (await thrown(() => createAction({ request: post(cookies.fan!, {}), params: {}, context: {} }))) as Response;
    expect(fan.status).toBe(403);
    const visitor = (await thrown(() => createAction({ request: post("", {}), params: {}, context: {} }))) as Response;
    expect(visitor.status).toBe(401);
  });

  it("lets only the event's promoter switch its face-value waitlist (403 for another promoter or a fan; 409 before publishing)", async () => {
    const slug = cookies.slug!;
    const toggle = (cookie: string, enabled: string) => {
      const body = new FormData();
      body.append("intent", "waitlist");
      body.append("enabled", enabled);
      return thrown(() => dashboardAction({ request: new Request(`${ORIGIN}/promoter/events/${slug}`, { method: "POST", body, headers: { cookie } }), params: { slug }, context: {} }));
    };
    const state = async () => (await handle.db.select({ on: events.waitlistEnabled }).from(events).where(eq(events.slug, slug)))[0]!.on;
    expect(((await toggle(cookies.rival!, "true")) as Response).status).toBe(403);
    expect(((await toggle(cookies.fan!, "true")) as Response).status).toBe(403);
    const draft = (await toggle(cookies.owner!, "true")) as Response;
    expect(draft.status).toBe(409);
    expect(await draft.json()).toMatchObject({ error: "Publish the event before opening a waitlist." });
    expect(await state()).toBe(false);
    await handle.db.update(events).set({ status: "published" }).where(eq(events.slug, slug));
    try {
      expect(((await toggle(cookies.owner!, "maybe")) as Response).status).toBe(400);
      expect(await toggle(cookies.owner!, "true")).toEqual({ ok: true, intent: "waitlist", enabled: true });
      expect(await state()).toBe(true);
      expect(((await toggle(cookies.rival!, "false")) as Response).status).toBe(403);
      expect(await state()).toBe(true);
      expect(await toggle(cookies.owner!, "false")).toEqual({ ok: true, intent: "waitlist", enabled: false });
      expect(await state()).toBe(false);
    } finally {
      await handle.db.update(events).set({ status: "draft" }).where(eq(events.slug, slug));
    }
  });

  it("serves the attendees CSV to the event's promoter only (another promoter: 403)", async () => {
    const get = (cookie: string, slug = cookies.slug!) =>
      csvLoader({ request: new Request(`${ORIGIN}/promoter/events/${slug}/attendees.csv`, { headers: { cookie } }), params: { slug }, context: {} });
    const own = await get(cookies.owner!);
    expect(own.status).toBe(200);
    expect(own.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await own.text()).toBe("token_id,tier,holder_wallet,holder_email,holder_name,bought_with,paid_wei,checked_in,refunded\r\n");
    const rival = await get(cookies.rival!);
    expect(rival.status).toBe(403);
    expect(await rival.json()).toEqual({ error: "Only this event's promoter can do that.", fieldErrors: {} });
    expect((await get(cookies.owner!, "no-such-event")).status).toBe(404);
  });
});
