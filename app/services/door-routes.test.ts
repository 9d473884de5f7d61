import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { and, eq } from "drizzle-orm";
import { getAddress, parseEther, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { eventStaff, events, sessions, tickets, ticketTiers, users } from "../../db/schema";
import { decodeDoorPass, isSignedByHolder, passWindow } from "~/lib/door-pass";
import { parseEnv } from "~/env.server";
import { setSecrets } from "~/services/secrets.server";
import { createSession, destroySession, SESSION_COOKIE, signSessionToken } from "~/services/session.server";
import { DOOR_AUTH_TTL_MS, resetDoorAuth, settleDoorAuth } from "~/services/door-http.server";
import { resetLimiters } from "~/services/rate-limits.server";
import { ensureBuyer } from "~/services/wallets.server";
import { action as verifyAction } from "~/routes/door.$eventSlug.verify";
import proxyaddr from "proxy-addr";
import { doorFastPath, MAX_VERIFY_BODY } from "../../server/door-fast-path";
import { CSRF_MESSAGE } from "../../server/csrf";
import { requestTracker } from "../../server/http-observability";
import { apiSecurityHeaderWriter } from "../../server/security-headers";
import { serveFetch, type FetchServer } from "../../test/support/fetch-server";
import { loader as manifestLoader } from "~/routes/door.$eventSlug.manifest";
import { action as syncAction } from "~/routes/door.$eventSlug.sync";
import { loader as passLoader } from "~/routes/tickets.pass";

/**
 * The door's HTTP routes (no chain needed: verification reads the indexer's table): who may scan, bad
 * bodies → 400, velocity limit → 429, and the server-signed pass of a ticket kept by TicketChain, which
 * the verify route then accepts. Every verify case runs twice: through the Remix route module, and over
 * HTTP through the production server's fast path in front of Express (server/door-fast-path.ts), whose
 * declined requests (no session cookie) fall through to the route as they do in server/main.ts.
 */
const ENV_KEY = Symbol.for("ticketchain.env");
const CONTRACT = getAddress("0x" + "ab".repeat(20));

beforeAll(() => {
  (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, DATABASE_URL: "", REDIS_URL: "", SMTP_URL: "", APP_URL: "", CHAIN: "local" });
  setSecrets({ keks: [{ id: "door1", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
});
afterAll(() => setSecrets(undefined));

async function call(fn: (args: never) => Promise<Response>, url: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.body) headers.set("content-type", "application/json");
  const slug = /\/door\/([^/]+)/.exec(url)?.[1];
  const response = await fn({ request: new Request(`http://localhost:3000${url}`, { ...init, headers }), params: { eventSlug: slug }, context: { clientIp: "203.0.113.9" } } as never).catch(
    (thrown: unknown) => {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    },
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

type Via = "Remix route" | "fast path";
const combinations = databaseBackends().flatMap(([kind, create]) => (["Remix route", "fast path"] as Via[]).map((via) => [kind, via, create] as const));

describe.each(combinations)("door routes (database: %s, verify through the %s)", (_kind, via, create) => {
  let database: TestDatabase;
  let server: FetchServer | null = null;
  /** POST /door/…/verify through `via`; the client address is 203.0.113.9 either way. */
  async function verifyCall(url: string, init: RequestInit & { cookie?: string } = {}) {
    if (via === "Remix route") return call(verifyAction as never, url, init);
    const headers = new Headers(init.headers);
    if (init.cookie) headers.set("cookie", init.cookie);
    if (init.body) headers.set("content-type", "application/json");
    headers.set("x-forwarded-for", "203.0.113.9");
    const response = await fetch(`${server!.url}${url}`, { method: "POST", headers, body: init.body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  }
  let handle: DbHandle;
  let slug: string;
  let staffCookie: string;
  let fanCookie: string;
  let fanAddress: Address;

  async function cookieOf(userId: string) {
    const headers = await createSession(new Request("http://localhost:3000/"), userId, "email", handle.db);
    return headers.get("set-cookie")!.match(new RegExp(`${SESSION_COOKIE}=[^;]+`))![0];
  }

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    resetLimiters();
    const tag = randomBytes(3).toString("hex");
    slug = `door-routes-${tag}`;
    const [promoter] = await handle.db.insert(users).values({ displayName: "Promoter", role: "promoter", email: `p-${tag}@example.com` }).returning({ id: users.id });
    const [steward] = await handle.db.insert(users).values({ displayName: "Steward", role: "scanner", email: `s-${tag}@example.com` }).returning({ id: users.id });
    const fan = await ensureBuyer(handle.db, `fan-${tag}@example.com`);
    fanAddress = fan.address;
    const [event] = await handle.db
      .insert(events)
      .values({ slug, promoterId: promoter!.id, name: "Door Show", venue: "Hall", city: "Lisbon", startsAt: new Date(Date.now() + 86_400_000), status: "published", chainId: 31337, onChainId: "1", contractAddress: CONTRACT })
      .returning({ id: events.id });
    await handle.db.insert(eventStaff).values({ eventId: event!.id, userId: steward!.id });
    await handle.db.insert(ticketTiers).values({ eventId: event!.id, position: 0, name: "VIP", priceCents: 12000, priceWei: parseEther("1").toString(), supply: 10 });
    await handle.db.insert(tickets).values(
      [1, 2].map((id) => ({ chainId: 31337, contractAddress: CONTRACT.toLowerCase(), tokenId: String(id), eventId: event!.id, tierPosition: 0, owner: fan.address.toLowerCase(), originalOwner: fan.address.toLowerCase(), mintedBlock: 1, updatedBlock: 1 })),
    );
    staffCookie = await cookieOf(steward!.id);
    fanCookie = await cookieOf(fan.userId);
    if (via === "fast path") {
      // As server/main.ts: the fast path first, then (here) the route module for what it declines.
      const front = doorFastPath({ track: requestTracker(), securityHeaders: apiSecurityHeaderWriter(), active: () => true, trustProxy: proxyaddr.compile("loopback") });
      server = await serveFetch(async (request) => {
        const eventSlug = /^\/door\/([^/]+)\/verify$/.exec(new URL(request.url).pathname)?.[1];
        if (!eventSlug) return new Response("not found", { status: 404 });
        const forwarded = request.headers.get("x-forwarded-for") ?? "127.0.0.1";
        return verifyAction({ request, params: { eventSlug }, context: { clientIp: forwarded } } as never).catch((thrown: unknown) => {
          if (thrown instanceof Response) return thrown;
          throw thrown;
        });
      }, front);
    }
  });

  afterAll(async () => {
    await server?.close();
    await closeDb();
    await database?.drop();
  });

  it("signs a live pass with the kept wallet for its owner only, and the door accepts it once", async () => {
    const served = await call(passLoader as never, `/tickets/pass?ticket=${CONTRACT}:1`, { cookie: fanCookie });
    expect(served.status).toBe(200);
    const decoded = decodeDoorPass(served.body.pass as string);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.pass).toMatchObject({ chainId: 31337, ticket: CONTRACT, tokenId: 1n, holder: fanAddress });
    expect(decoded.pass.window === passWindow() || decoded.pass.window === passWindow() - 1n).toBe(true);
    expect(await isSignedByHolder(decoded.pass, decoded.signature)).toBe(true);
    expect(JSON.stringify(served.body)).not.toMatch(/private|sealed/i);

    // Not the owner (the steward has no kept wallet holding it), a bad name, not signed in.
    expect((await call(passLoader as never, `/tickets/pass?ticket=${CONTRACT}:1`, { cookie: staffCookie })).status).toBe(404);
    expect(await call(passLoader as never, `/tickets/pass?ticket=nope`, { cookie: fanCookie })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/<contract>:<tokenId>/) } });
    expect((await call(passLoader as never, `/tickets/pass?ticket=${CONTRACT}:1`)).status).toBe(401);

    const green = await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: JSON.stringify({ pass: served.body.pass, gate: "gate A" }) });
    expect(green).toMatchObject({ status: 200, body: { ok: true, reason: "Welcome in", ticket: { tokenId: "1", tier: "VIP", seat: 1 } } });
    // The 200 ms budget is asserted on the service (door.server.test.ts); here the route adds the session check, on a shared CI box.
    expect(green.body.elapsedMs).toBeLessThan(1000);
    const red = await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: JSON.stringify({ pass: served.body.pass }) });
    expect(red).toMatchObject({ status: 200, body: { ok: false, reason: expect.stringMatching(/^Already checked in at .* \(gate A\)$/) } });
  });

  it("lets only door staff scan, read the manifest and sync; bad bodies get 400", async () => {
    const body = JSON.stringify({ pass: "TC1:x" });
    expect((await verifyCall(`/door/${slug}/verify`, { method: "POST", body })).status).toBe(401);
    expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: fanCookie, body })).toMatchObject({ status: 403, body: { error: "Only this event's door staff can do that." } });
    expect((await verifyCall(`/door/no-such-show/verify`, { method: "POST", cookie: staffCookie, body })).status).toBe(404);
    expect((await call(manifestLoader as never, `/door/${slug}/manifest`, { cookie: fanCookie })).status).toBe(403);
    expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: "{" })).toMatchObject({ status: 400, body: { error: "Send JSON { pass }." } });
    expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: JSON.stringify({}) })).toMatchObject({ status: 400, body: { error: "Send the pass text." } });
    expect(await call(syncAction as never, `/door/${slug}/sync`, { method: "POST", cookie: staffCookie, body: JSON.stringify({ scans: [] }) })).toMatchObject({ status: 400, body: { error: "Nothing to sync." } });

    const manifest = await call(manifestLoader as never, `/door/${slug}/manifest`, { cookie: staffCookie });
    expect(manifest.status).toBe(200);
    expect(manifest.body.tickets).toEqual([
      { tokenId: "1", owner: fanAddress.toLowerCase(), checkedIn: true, tier: "VIP", seat: 1 },
      { tokenId: "2", owner: fanAddress.toLowerCase(), checkedIn: false, tier: "VIP", seat: 2 },
    ]);
  });

  it("reuses a steward's door check for a few seconds only: a signed-out steward is refused once it lapses; a new staff member gets in at once", async () => {
    resetLimiters();
    resetDoorAuth();
    const tag = randomBytes(3).toString("hex");
    const [late] = await handle.db.insert(users).values({ displayName: "Late steward", role: "scanner", email: `late-${tag}@example.com` }).returning({ id: users.id });
    const cookie = await cookieOf(late!.id);
    const body = JSON.stringify({ pass: "hello" });
    const verify = () => verifyCall(`/door/${slug}/verify`, { method: "POST", cookie, body });
    // Not staff yet: refused, and the refusal is not kept.
    expect((await verify()).status).toBe(403);
    const [event] = await handle.db.select({ id: events.id }).from(events).where(eq(events.slug, slug));
    await handle.db.insert(eventStaff).values({ eventId: event!.id, userId: late!.id });
    expect(await verify()).toMatchObject({ status: 200, body: { ok: false, reason: "Not a TicketChain pass" } });
    // Signed out: the door check made a moment ago still stands, for at most DOOR_AUTH_TTL_MS.
    await destroySession(new Request("http://localhost:3000/door", { headers: { cookie } }));
    expect((await verify()).status).toBe(200);
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now + DOOR_AUTH_TTL_MS + 1);
    try {
      expect(await verify()).toMatchObject({ status: 401, body: { error: "Sign in first." } });
    } finally {
      clock.mockRestore();
    }
  });

  it("renews a scanning steward's door check in the background: no scan waits for it, and a signed-out steward is refused after the renewal", async () => {
    resetLimiters();
    resetDoorAuth();
    const tag = randomBytes(3).toString("hex");
    const [steward] = await handle.db.insert(users).values({ displayName: "Busy steward", role: "scanner", email: `busy-${tag}@example.com` }).returning({ id: users.id });
    const [event] = await handle.db.select({ id: events.id }).from(events).where(eq(events.slug, slug));
    await handle.db.insert(eventStaff).values({ eventId: event!.id, userId: steward!.id });
    const cookie = await cookieOf(steward!.id);
    const verify = () => verifyCall(`/door/${slug}/verify`, { method: "POST", cookie, body: JSON.stringify({ pass: "hello" }) });
    const admittedToScan = { status: 200, body: { ok: false, reason: "Not a TicketChain pass" } };
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      expect(await verify()).toMatchObject(admittedToScan);
      // Three quarters of the way: the check is renewed in the background while the scan is answered.
      clock.mockReturnValue(now + (DOOR_AUTH_TTL_MS * 3) / 4);
      expect(await verify()).toMatchObject(admittedToScan);
      await settleDoorAuth();
      // Renewed: good for a whole TTL from the renewal, beyond the first check's lapse.
      clock.mockReturnValue(now + DOOR_AUTH_TTL_MS + 1);
      expect(await verify()).toMatchObject(admittedToScan);
      await settleDoorAuth();
      // Signed out: the next renewal finds no session and drops the check; the scan after it is refused.
      await destroySession(new Request("http://localhost:3000/door", { headers: { cookie } }));
      clock.mockReturnValue(now + (DOOR_AUTH_TTL_MS * 3) / 2 + 1);
      expect(await verify()).toMatchObject(admittedToScan);
      await settleDoorAuth();
      expect(await verify()).toMatchObject({ status: 401, body: { error: "Sign in first." } });
    } finally {
      clock.mockRestore();
    }
  });

  it("lets the event's promoter and an admin scan without being staff; tokens due for rotation or expired still scan on a live session; another event's steward does not", async () => {
    resetLimiters();
    resetDoorAuth();
    const tag = randomBytes(3).toString("hex");
    const body = JSON.stringify({ pass: "hello" });
    const verify = (cookie: string, at = slug) => verifyCall(`/door/${at}/verify`, { method: "POST", cookie, body });
    const admitted = { status: 200, body: { ok: false, reason: "Not a TicketChain pass" } };
    const [event] = await handle.db.select({ id: events.id, promoterId: events.promoterId }).from(events).where(eq(events.slug, slug));
    expect(await verify(await cookieOf(event!.promoterId))).toMatchObject(admitted);
    const [admin] = await handle.db.insert(users).values({ displayName: "Admin", role: "admin", email: `a-${tag}@example.com` }).returning({ id: users.id });
    expect(await verify(await cookieOf(admin!.id))).toMatchObject(admitted);
    // JWTs six minutes old (rotation due) and twenty (expired) on a live session scan, as getUser would
    // renew them; once the session row is revoked, neither does.
    const [steward] = await handle.db.select({ userId: eventStaff.userId }).from(eventStaff).where(eq(eventStaff.eventId, event!.id));
    const [session] = await handle.db.insert(sessions).values({ userId: steward!.userId, method: "email", expiresAt: new Date(Date.now() + 86_400_000) }).returning({ id: sessions.id });
    const aged = async (minutes: number) => `${SESSION_COOKIE}=${await signSessionToken(session!.id, steward!.userId, Math.floor(Date.now() / 1000) - minutes * 60)}`;
    const [old, expired] = [await aged(6), await aged(20)];
    expect(await verify(old)).toMatchObject(admitted);
    expect(await verify(expired)).toMatchObject(admitted);
    resetDoorAuth();
    await handle.db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.id, session!.id));
    expect((await verify(old)).status).toBe(401);
    expect((await verify(expired)).status).toBe(401);
    // Staff of another event only: 403 here.
    const other = `door-other-${tag}`;
    const [otherEvent] = await handle.db
      .insert(events)
      .values({ slug: other, promoterId: event!.promoterId, name: "Other Show", venue: "Hall", city: "Porto", startsAt: new Date(Date.now() + 86_400_000), status: "published", chainId: 31337, onChainId: "2", contractAddress: getAddress("0x" + "cd".repeat(20)) })
      .returning({ id: events.id });
    const [outsider] = await handle.db.insert(users).values({ displayName: "Other steward", role: "scanner", email: `o-${tag}@example.com` }).returning({ id: users.id });
    await handle.db.insert(eventStaff).values({ eventId: otherEvent!.id, userId: outsider!.id });
    const outsiderCookie = await cookieOf(outsider!.id);
    expect(await verify(outsiderCookie, other)).toMatchObject(admitted);
    expect(await verify(outsiderCookie)).toMatchObject({ status: 403, body: { error: "Only this event's door staff can do that." } });
  });

  it("renews several stewards' door checks together: each gets its own answer", async () => {
    resetLimiters();
    resetDoorAuth();
    const tag = randomBytes(3).toString("hex");
    const [event] = await handle.db.select({ id: events.id }).from(events).where(eq(events.slug, slug));
    const crew = await handle.db
      .insert(users)
      .values(["a", "b", "c"].map((n) => ({ displayName: `Steward ${n}`, role: "scanner" as const, email: `crew-${n}-${tag}@example.com` })))
      .returning({ id: users.id });
    await handle.db.insert(eventStaff).values(crew.map((u) => ({ eventId: event!.id, userId: u.id })));
    const cookies = await Promise.all(crew.map((u) => cookieOf(u.id)));
    const verify = (cookie: string) => verifyCall(`/door/${slug}/verify`, { method: "POST", cookie, body: JSON.stringify({ pass: "hello" }) });
    const scanning = { status: 200, body: { ok: false, reason: "Not a TicketChain pass" } };
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      for (const cookie of cookies) expect(await verify(cookie)).toMatchObject(scanning);
      // The first signs out, the second is taken off the staff, the third stays; all three renew together.
      await destroySession(new Request("http://localhost:3000/door", { headers: { cookie: cookies[0]! } }));
      await handle.db.delete(eventStaff).where(and(eq(eventStaff.eventId, event!.id), eq(eventStaff.userId, crew[1]!.id)));
      clock.mockReturnValue(now + (DOOR_AUTH_TTL_MS * 3) / 4);
      for (const cookie of cookies) expect(await verify(cookie)).toMatchObject(scanning);
      await settleDoorAuth();
      expect((await verify(cookies[0]!)).status).toBe(401);
      expect((await verify(cookies[1]!)).status).toBe(403);
      expect(await verify(cookies[2]!)).toMatchObject(scanning);
    } finally {
      clock.mockRestore();
    }
  });

  it("answers 429 with a message when one steward scans too fast", async () => {
    resetLimiters();
    const forged = privateKeyToAccount(generatePrivateKey());
    const junk = JSON.stringify({ pass: `TC1:31337:${CONTRACT}:2:${forged.address}:1:0x${"00".repeat(65)}` });
    const statuses: number[] = [];
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 121; i++) {
      const r = await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: junk });
      statuses.push(r.status);
      last = r.body;
    }
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    expect(statuses[120]).toBe(429);
    expect(last).toMatchObject({ ok: false, reason: expect.stringMatching(/^Scanning too fast: try again in \d+ seconds\.$/) });
  });
  if (via === "fast path") it("fast path: request id and a JSON answer's security headers, the cross-site guard, a size limit, and 503 when the database is unreachable", async () => {
    resetLimiters();
    const body = JSON.stringify({ pass: "hello" });
    const scanned = await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body });
    expect(scanned).toMatchObject({ status: 200, body: { ok: false, reason: "Not a TicketChain pass" } });
    expect(scanned.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // A JSON answer's headers: a policy that allows nothing (no script nonce), no framing, no sniffing.
    expect(scanned.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(scanned.headers.get("x-content-type-options")).toBe("nosniff");
    expect(scanned.headers.get("x-frame-options")).toBe("DENY");

    // Another site's page posting with the steward's cookie: refused before any scan code runs.
    const crossSite: Array<Record<string, string>> = [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }, { origin: "null" }];
    for (const headers of crossSite) {
      expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body, headers })).toMatchObject({ status: 403, body: { error: CSRF_MESSAGE } });
    }
    const own = new URL(server!.url);
    expect((await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body, headers: { "sec-fetch-site": "same-origin", origin: own.origin } })).status).toBe(200);

    // A client that hangs up in the middle of its body gets nothing and leaves nothing behind (no error logged).
    const errors = vi.spyOn(console, "error");
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(own.port), own.hostname, () => {
          socket.write(`POST /door/${slug}/verify HTTP/1.1\r\nHost: ${own.host}\r\nCookie: ${staffCookie}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"pass":"TC1:`);
          setTimeout(() => (socket.destroy(), resolve()), 100);
        });
        socket.on("error", reject);
      });
      await new Promise((r) => setTimeout(r, 100));
      expect((await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body })).status).toBe(200);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }

    const huge = JSON.stringify({ pass: "x".repeat(MAX_VERIFY_BODY) });
    expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: huge })).toMatchObject({ status: 413, body: { error: expect.stringMatching(/at most/) } });
    // An oversized body is read to its end before the 413 (as Express's finalhandler does): a connection
    // closed under a client still uploading gives it a broken pipe, not the answer (the bad-input sweep's
    // 5 MB body hit that). Half a 64 KiB body: no answer yet; the rest: 413, then the connection closes.
    const early = await new Promise<{ before: string; after: string }>((resolve, reject) => {
      let received = "";
      const socket = connect(Number(own.port), own.hostname, () => {
        socket.write(`POST /door/${slug}/verify HTTP/1.1\r\nHost: ${own.host}\r\nCookie: ${staffCookie}\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n`);
        socket.write("x".repeat(32768));
        setTimeout(() => {
          const before = received;
          socket.write("x".repeat(32768));
          socket.on("close", () => resolve({ before, after: received }));
        }, 300);
      });
      socket.on("data", (d: Buffer) => (received += d.toString()));
      socket.on("error", reject);
    });
    expect(early.before).toBe("");
    expect(early.after).toMatch(/^HTTP\/1\.1 413 /);
    const fiveMegabytes = JSON.stringify({ pass: "x".repeat(5 * 1024 * 1024) });
    expect(await verifyCall(`/door/${slug}/verify`, { method: "POST", cookie: staffCookie, body: fiveMegabytes })).toMatchObject({ status: 413 });

    // The database down: 503 + Retry-After (as the Express path answers), not 500.
    const down = doorFastPath({
      track: requestTracker(),
      securityHeaders: apiSecurityHeaderWriter(),
      active: () => true,
      trustProxy: proxyaddr.compile("loopback"),
      verify: async () => {
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      },
    });
    const outage = await serveFetch(async () => new Response("declined", { status: 599 }), down);
    try {
      const response = await fetch(`${outage.url}/door/${slug}/verify`, { method: "POST", headers: { cookie: staffCookie, "content-type": "application/json" }, body });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toEqual({ error: expect.stringMatching(/database is unreachable/) });
      // Not a scan (GET, another path, no cookie): declined, left to Express.
      expect((await fetch(`${outage.url}/door/${slug}/verify`)).status).toBe(599);
      expect((await fetch(`${outage.url}/door/${slug}/sync`, { method: "POST", headers: { cookie: staffCookie }, body })).status).toBe(599);
      expect((await fetch(`${outage.url}/door/${slug}/verify`, { method: "POST", body })).status).toBe(599);
    } finally {
      await outage.close();
    }
  });
});
