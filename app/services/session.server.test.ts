import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { createPublicClient, createWalletClient, getAddress, http, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createSiweMessage } from "viem/siwe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { databaseBackends, type TestDatabase } from "../../test/support/databases";
import { freePort, startScript, type Started } from "../../test/support/processes";
import { startSmtpServer } from "../../test/support/smtp";
import { closeDb, getDbHandle, migrate, type DbHandle } from "../../db/client.server";
import { events, eventStaff, loginTokens, mailOutbox, sessions, users } from "../../db/schema";
import { parseEnv } from "~/env.server";
import { setSecrets } from "./secrets.server";
import {
  commitSession,
  createSession,
  destroySession,
  getUser,
  isSecureRequest,
  requirePromoter,
  requireRole,
  requireScanner,
  requireUser,
  SESSION_COOKIE,
  signSessionToken,
} from "./session.server";
import { resetLimiters } from "./rate-limits.server";
import { loader as nonceLoader } from "~/routes/auth.siwe.nonce";
import { action as verifyAction } from "~/routes/auth.siwe.verify";
import { action as logoutAction } from "~/routes/auth.logout";
import { action as loginAction, loader as loginLoader, safeRedirect } from "~/routes/login";
import { loader as emailLinkLoader } from "~/routes/auth.email.$token";
import { loader as mailboxLoader } from "~/routes/dev.mailbox";

/**
 * Accounts end to end at the route level: SIWE against a real local chain (EOA and ERC-1271 wallet),
 * sessions (cookie flags, rotation, revocation), email links (single use, expiry, rate limits, SMTP vs
 * the dev mailbox) and the role helpers, on PGlite and (with DATABASE_URL) on PostgreSQL.
 */

const ORIGIN = "http://localhost:3000";
const ENV_KEY = Symbol.for("ticketchain.env");
const setEnv = (extra: Record<string, string>) => {
  (globalThis as Record<symbol, unknown>)[ENV_KEY] = parseEnv({ ...process.env, ...extra });
};

let chain: Started;
let chainUrl: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "ticketchain-auth-"));
  const port = await freePort();
  chain = await startScript("server/chain/standalone.ts", {
    env: { DATA_DIR: dataDir, LOCAL_CHAIN_PORT: String(port) },
    ready: /"url":"http/,
  });
  chainUrl = `http://127.0.0.1:${port}`;
  process.env.LOCAL_CHAIN_PORT = String(port);
  process.env.DATA_DIR = dataDir;
  delete process.env.SMTP_URL;
  delete process.env.APP_URL;
  setEnv({});
  setSecrets({ keks: [{ id: "t1", key: randomBytes(32) }], sessionSecret: randomBytes(48) });
});

afterAll(async () => {
  setSecrets(undefined);
  await chain?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function request(pathname: string, init: { method?: string; cookie?: string; json?: unknown; form?: Record<string, string>; accept?: string; origin?: string } = {}) {
  const headers = new Headers();
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.accept) headers.set("accept", init.accept);
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  } else if (init.form) {
    body = new URLSearchParams(init.form);
    headers.set("content-type", "application/x-www-form-urlencoded");
  }
  return new Request(`${init.origin ?? ORIGIN}${pathname}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
}

/** The session cookie's value from a Set-Cookie header. */
function cookieFrom(headers: Headers): string | null {
  const setCookie = headers.get("set-cookie");
  const match = setCookie?.match(new RegExp(`${SESSION_COOKIE}=([^;]*)`));
  return match ? `${SESSION_COOKIE}=${match[1]}` : null;
}

const args = (req: Request, extra: Record<string, unknown> = {}) =>
  ({ request: req, params: {}, context: { clientIp: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` }, ...extra }) as never;

async function thrown(promise: Promise<unknown>): Promise<Response> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("expected a thrown Response");
}

describe.each(databaseBackends())("accounts on %s", (_kind, create) => {
  let database: TestDatabase;
  let handle: DbHandle;
  const sessionCount = async () => (await handle.db.select({ n: sql<number>`count(*)::int` }).from(sessions))[0]!.n;

  beforeAll(async () => {
    database = await create();
    handle = await getDbHandle({ databaseUrl: database.databaseUrl, pgliteDir: database.pgliteDir });
    await migrate(handle);
    resetLimiters();
  });
  afterAll(async () => {
    await closeDb();
    await database?.drop();
  });

  describe("Sign-In with Ethereum", () => {
    const fan = privateKeyToAccount(generatePrivateKey());

    async function nonce(): Promise<string> {
      const response = await nonceLoader(args(request("/auth/siwe/nonce")));
      expect(response.status).toBe(200);
      return ((await response.json()) as { nonce: string }).nonce;
    }

    function message(fields: Partial<Parameters<typeof createSiweMessage>[0]> & { nonce: string; address: Address }) {
      return createSiweMessage({
        domain: "localhost:3000",
        uri: ORIGIN,
        version: "1",
        chainId: 31337,
        issuedAt: new Date(),
        expirationTime: new Date(Date.now() + 5 * 60_000),
        statement: "Sign in to TicketChain.",
        ...fields,
      });
    }

    const verify = (body: unknown) => verifyAction(args(request("/auth/siwe/verify", { json: body })));

    it("signs a wallet in: nonce, signed message, session cookie, account by address", async () => {
      const text = message({ nonce: await nonce(), address: fan.address });
      const response = await verify({ message: text, signature: await fan.signMessage({ message: text }) });
      expect(response.status, await response.clone().text()).toBe(200);
      const cookie = cookieFrom(response.headers)!;
      expect(cookie).toBeTruthy();
      const user = await getUser(request("/", { cookie }));
      expect(user?.walletAddress).toBe(fan.address);
      // The same wallet signing in again (any letter case) finds the same account.
      const again = message({ nonce: await nonce(), address: fan.address.toLowerCase() as Address });
      const second = await verify({ message: again, signature: await fan.signMessage({ message: again }) });
      expect(second.status).toBe(200);
      const accounts = await handle.db.select().from(users).where(sql`lower(${users.walletAddress}) = ${fan.address.toLowerCase()}`);
      expect(accounts).toHaveLength(1);
    });

    it("sets HttpOnly, SameSite=Lax, Path=/ and a 7-day Max-Age; Secure only where the site is served over TLS", async () => {
      const text = message({ nonce: await nonce(), address: fan.address });
      const response = await verify({ message: text, signature: await fan.signMessage({ message: text }) });
      const setCookie = response.headers.get("set-cookie")!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).toMatch(/Path=\//);
      expect(setCookie).toMatch(/Max-Age=604800/);
      expect(setCookie).not.toMatch(/Secure/);
      expect(isSecureRequest(new Request("https://tickets.example.com/"))).toBe(true);
      expect(isSecureRequest(new Request("http://app:3000/", { headers: { "x-forwarded-proto": "https" } }))).toBe(true);
      const nodeEnv = process.env.NODE_ENV;
      process.env.NODE_ENV = "production";
      try {
        expect(isSecureRequest(new Request("http://tickets.example.com/"))).toBe(true);
        expect(isSecureRequest(new Request("http://127.0.0.1:3000/"))).toBe(false);
        expect(isSecureRequest(new Request("http://localhost:3000/"))).toBe(false);
      } finally {
        process.env.NODE_ENV = nodeEnv;
      }
      const secure = await createSession(new Request("https://tickets.example.com/"), (await getUser(request("/", { cookie: cookieFrom(response.headers)! })))!.id, "siwe");
      expect(secure.get("set-cookie")).toMatch(/; Secure$/);
    });

    it.each([
      ["a replayed message (nonce already used)", "replay"],
      ["a message for another domain", "domain"],
      ["a message whose URI is another site", "uri"],
      ["a message for another chain", "chain"],
      ["an expired message", "expired"],
      ["a message not valid yet", "notBefore"],
      ["a signature by another key", "signature"],
      ["a nonce the server never issued", "nonce"],
    ])("refuses %s with 401 and opens no session", async (_label, kind) => {
      const n = await nonce();
      const fields: Parameters<typeof message>[0] = { nonce: n, address: fan.address };
      if (kind === "domain") fields.domain = "evil.example";
      if (kind === "uri") fields.uri = "https://evil.example/login";
      if (kind === "chain") fields.chainId = 137;
      if (kind === "expired") {
        fields.issuedAt = new Date(Date.now() - 10 * 60_000);
        fields.expirationTime = new Date(Date.now() - 60_000);
      }
      if (kind === "notBefore") fields.notBefore = new Date(Date.now() + 60 * 60_000);
      if (kind === "nonce") fields.nonce = "neverissued12345";
      const text = message(fields);
      const signer = kind === "signature" ? privateKeyToAccount(generatePrivateKey()) : fan;
      const signature = await signer.signMessage({ message: text });
      if (kind === "replay") expect((await verify({ message: text, signature })).status).toBe(200);
      const before = await sessionCount();
      const response = await verify({ message: text, signature });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { error: string };
      expect(body.error).toMatch(
        {
          replay: /already used or has expired/,
          domain: /is for evil\.example, not localhost:3000/,
          uri: /URI is not on localhost:3000/,
          chain: /is for chain 137; sign in on Local Hardhat \(chain 31337\)/,
          expired: /has expired/,
          notBefore: /not valid yet/,
          signature: /signature does not match/,
          nonce: /already used or has expired/,
        }[kind]!,
      );
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await sessionCount()).toBe(before);
    });

    it("refuses an expired nonce, and a nonce after a refused signature is still usable once", async () => {
      const n = await nonce();
      const text = message({ nonce: n, address: fan.address });
      const wrong = await privateKeyToAccount(generatePrivateKey()).signMessage({ message: text });
      expect((await verify({ message: text, signature: wrong })).status).toBe(401);
      expect((await verify({ message: text, signature: await fan.signMessage({ message: text }) })).status).toBe(200);

      const stale = await nonce();
      await handle.db.execute(sql`update siwe_nonces set expires_at = now() - interval '1 second' where nonce = ${stale}`);
      const late = message({ nonce: stale, address: fan.address });
      const response = await verify({ message: late, signature: await fan.signMessage({ message: late }) });
      expect(response.status).toBe(401);
    });

    it("answers malformed input with 400 and a message", async () => {
      const bad = await verify({ message: "hello", signature: "0x1234" });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/not a hex string|not a Sign-In with Ethereum message/);
      const missing = await verify({ signature: "0x12" });
      expect(missing.status).toBe(400);
      const notJson = await verifyAction(args(new Request(`${ORIGIN}/auth/siwe/verify`, { method: "POST", body: "{", headers: { "content-type": "application/json" } })));
      expect(notJson.status).toBe(400);
    });

    it("lets only one of two simultaneous submissions of the same message sign in", async () => {
      const text = message({ nonce: await nonce(), address: fan.address });
      const signature = await fan.signMessage({ message: text });
      const before = await sessionCount();
      const statuses = (await Promise.all([verify({ message: text, signature }), verify({ message: text, signature })])).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);
      expect(await sessionCount()).toBe(before + 1);
    });

    it("accepts a contract wallet's signature through ERC-1271", async () => {
      const owner = privateKeyToAccount(generatePrivateKey());
      const artifact = JSON.parse(readFileSync("artifacts/contracts/test/MarketWallet.sol/MarketWallet.json", "utf8")) as { abi: unknown[]; bytecode: Hex };
      const deployer = createWalletClient({ chain: hardhat, transport: http(chainUrl), account: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" });
      const client = createPublicClient({ chain: hardhat, transport: http(chainUrl) });
      const hash = await deployer.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [owner.address] });
      const wallet = getAddress((await client.waitForTransactionReceipt({ hash })).contractAddress!);
      const text = message({ nonce: await nonce(), address: wallet });
      const response = await verify({ message: text, signature: await owner.signMessage({ message: text }) });
      expect(response.status, await response.clone().text()).toBe(200);
      expect((await getUser(request("/", { cookie: cookieFrom(response.headers)! })))?.walletAddress).toBe(wallet);
      // Someone else's signature for the contract wallet is refused.
      const other = message({ nonce: await nonce(), address: wallet });
      const refused = await verify({ message: other, signature: await fan.signMessage({ message: other }) });
      expect(refused.status).toBe(401);
    });
  });

  describe("sessions", () => {
    let userId: string;
    beforeAll(async () => {
      [{ id: userId }] = await handle.db.insert(users).values({ displayName: "Sam", email: `sam-${randomBytes(3).toString("hex")}@example.com` }).returning({ id: users.id });
    });

    it("keeps a fresh JWT as it is, and rotates one older than 5 minutes while the session row is valid", async () => {
      const cookie = cookieFrom(await createSession(request("/"), userId, "email"))!;
      const fresh = request("/", { cookie });
      expect((await getUser(fresh))?.id).toBe(userId);
      expect((await commitSession(fresh)).get("set-cookie")).toBeNull();

      const sid = (await handle.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId)))[0]!.id;
      await handle.db.update(sessions).set({ expiresAt: new Date(Date.now() + 3600_000) }).where(eq(sessions.id, sid));
      const old = `${SESSION_COOKIE}=${await signSessionToken(sid, userId, Math.floor(Date.now() / 1000) - 6 * 60)}`;
      const req = request("/", { cookie: old });
      expect((await getUser(req))?.id).toBe(userId);
      const rotated = cookieFrom(await commitSession(req));
      expect(rotated).toBeTruthy();
      expect(rotated).not.toBe(old);
      expect((await getUser(request("/", { cookie: rotated! })))?.id).toBe(userId);
      // The row's expiry slid to ~7 days from now.
      const [row] = await handle.db.select({ expiresAt: sessions.expiresAt }).from(sessions).where(eq(sessions.id, sid));
      expect(row!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6.9 * 24 * 3600_000);

      // A JWT past its 15-minute expiry is renewed only because its row is still valid…
      const expired = request("/", { cookie: `${SESSION_COOKIE}=${await signSessionToken(sid, userId, Math.floor(Date.now() / 1000) - 20 * 60)}` });
      expect((await getUser(expired))?.id).toBe(userId);
      expect(cookieFrom(await commitSession(expired))).toBeTruthy();
      // …and not once the row has expired.
      await handle.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.id, sid));
      const dead = request("/", { cookie: rotated! });
      expect(await getUser(dead)).toBeNull();
      expect((await commitSession(dead)).get("set-cookie")).toMatch(/Max-Age=0/);
    });

    it("signs out: the row is revoked and the old JWT no longer works", async () => {
      const cookie = cookieFrom(await createSession(request("/"), userId, "email"))!;
      expect((await getUser(request("/", { cookie })))?.id).toBe(userId);
      const response = await logoutAction(args(request("/auth/logout", { method: "POST", cookie, accept: "application/json" })));
      expect(response.status).toBe(200);
      expect(response.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
      expect(await getUser(request("/", { cookie }))).toBeNull();
      const form = await logoutAction(args(request("/auth/logout", { method: "POST", cookie })));
      expect(form.status).toBe(302);
      expect(form.headers.get("location")).toBe("/");
    });

    it("refuses a tampered or foreign JWT and clears the cookie", async () => {
      const cookie = cookieFrom(await createSession(request("/"), userId, "email"))!;
      const [name, token] = cookie.split("=");
      const parts = token!.split(".");
      const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString());
      payload.sub = randomBytes(16).toString("hex").replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-4$3-8$4-$5").slice(0, 36);
      const tampered = `${name}=${parts[0]}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${parts[2]}`;
      const req = request("/", { cookie: tampered });
      expect(await getUser(req)).toBeNull();
      expect((await commitSession(req)).get("set-cookie")).toMatch(/Max-Age=0/);
      expect(await getUser(request("/", { cookie: `${SESSION_COOKIE}=not.a.jwt` }))).toBeNull();
      // A token signed with another secret.
      const { SignJWT } = await import("jose");
      const foreign = await new SignJWT({ sid: payload.sid }).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuer("ticketchain").setAudience("ticketchain:session").setIssuedAt().setExpirationTime("15m").sign(randomBytes(48));
      expect(await getUser(request("/", { cookie: `${SESSION_COOKIE}=${foreign}` }))).toBeNull();
    });

    it("requireUser redirects pages to /login and answers API calls with 401 JSON", async () => {
      const page = await thrown(requireUser(request("/tickets?x=1", { accept: "text/html" })));
      expect(page.status).toBe(302);
      expect(page.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent("/tickets?x=1")}`);
      const data = await thrown(requireUser(request("/tickets?_data=routes%2Ftickets._index")));
      expect(data.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent("/tickets")}`);
      const api = await thrown(requireUser(request("/tickets/claim", { method: "POST", json: {} })));
      expect(api.status).toBe(401);
      expect(await api.json()).toEqual({ error: "Sign in first." });
    });
  });

  describe("roles", () => {
    const ids: Record<string, string> = {};
    const cookies: Record<string, string> = {};
    let eventId: string;

    beforeAll(async () => {
      const tag = randomBytes(3).toString("hex");
      for (const [name, role] of [
        ["admin", "admin"],
        ["promoter", "promoter"],
        ["otherPromoter", "promoter"],
        ["staff", "scanner"],
        ["fan", "fan"],
      ] as const) {
        const [row] = await handle.db.insert(users).values({ displayName: name, email: `${name}-${tag}@example.com`, role }).returning({ id: users.id });
        ids[name] = row!.id;
        cookies[name] = cookieFrom(await createSession(request("/"), row!.id, "email"))!;
      }
      const [event] = await handle.db
        .insert(events)
        .values({ slug: `show-${tag}`, promoterId: ids.promoter!, name: "Show", venue: "Hall", city: "Porto", startsAt: new Date(Date.now() + 86_400_000), chainId: 31337 })
        .returning({ id: events.id });
      eventId = event!.id;
      await handle.db.insert(eventStaff).values({ eventId, userId: ids.staff! });
    });

    const outcome = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return 200;
      } catch (error) {
        if (error instanceof Response) return error.status;
        throw error;
      }
    };

    it.each([
      // who, requireRole(promoter), requireRole(scanner), requirePromoter(event), requireScanner(event)
      ["admin", 200, 200, 200, 200],
      ["promoter", 200, 403, 200, 200],
      ["otherPromoter", 200, 403, 403, 403],
      ["staff", 403, 200, 403, 200],
      ["fan", 403, 403, 403, 403],
    ])("%s: promoter role %i, scanner role %i, event promoter %i, event scanner %i", async (who, promoterRole, scannerRole, promoter, scanner) => {
      const req = () => request("/", { cookie: cookies[who]!, accept: "application/json" });
      expect(await outcome(() => requireRole(req(), "promoter"))).toBe(promoterRole);
      expect(await outcome(() => requireRole(req(), "scanner"))).toBe(scannerRole);
      expect(await outcome(() => requirePromoter(req(), eventId))).toBe(promoter);
      expect(await outcome(() => requireScanner(req(), eventId))).toBe(scanner);
    });

    it("answers an unknown or malformed event with 404 and a signed-out caller with 401", async () => {
      const req = () => request("/", { cookie: cookies.admin!, accept: "application/json" });
      expect(await outcome(() => requirePromoter(req(), "00000000-0000-4000-8000-000000000000"))).toBe(404);
      expect(await outcome(() => requireScanner(req(), "not-a-uuid"))).toBe(404);
      expect(await outcome(() => requireScanner(request("/", { accept: "application/json" }), eventId))).toBe(401);
      const forbidden = await thrown(requirePromoter(request("/", { cookie: cookies.fan!, accept: "application/json" }), eventId));
      expect(await forbidden.json()).toEqual({ error: "Only this event's promoter can do that." });
    });
  });

  describe("email sign-in links", () => {
    const email = () => `fan-${randomBytes(4).toString("hex")}@example.com`;
    // A fresh address per request unless a test names one: the per-IP limit is shared (in Redis) by both
    // backends' runs and by earlier runs within its window, so 250 addresses were not enough to stay apart.
    const octet = () => Math.floor(Math.random() * 256);
    const ask = (address: string, ip = `10.${octet()}.${octet()}.${octet()}`) =>
      loginAction({ request: request("/login", { form: { email: address } }), params: {}, context: { clientIp: ip } } as never);

    async function latestLink(to: string): Promise<string> {
      const [mail] = await handle.db.select().from(mailOutbox).where(eq(mailOutbox.to, to)).orderBy(sql`${mailOutbox.createdAt} desc`).limit(1);
      const link = mail!.text.match(/http:\/\/localhost:3000\/auth\/email\/([A-Za-z0-9_-]{43})/);
      expect(link, mail!.text).toBeTruthy();
      return link![0];
    }
    const follow = (link: string) => emailLinkLoader(args(new Request(link), { params: { token: link.split("/").pop() } }));

    it("mails a one-time link (dev mailbox + console line), stores only its hash, and signs in once", async () => {
      const address = email();
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      let response: Response;
      let logged: string;
      try {
        response = await ask(address.toUpperCase());
        logged = log.mock.calls.map((c) => c.join(" ")).join("\n");
      } finally {
        log.mockRestore();
      }
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, email: address });
      const link = await latestLink(address);
      const token = link.split("/").pop()!;
      expect(logged).toContain(`[mail] to ${address}: Your TicketChain sign-in link — ${link}`);
      expect(logged.split(link).join("")).not.toContain(token);
      const [stored] = await handle.db.select().from(loginTokens).where(eq(loginTokens.email, address));
      expect(stored!.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
      expect(JSON.stringify(stored)).not.toContain(token);

      const first = await follow(link);
      expect(first.status).toBe(302);
      expect(first.headers.get("location")).toBe("/tickets");
      const user = await getUser(request("/", { cookie: cookieFrom(first.headers)! }));
      expect(user?.email).toBe(address);
      const second = await follow(link);
      expect(second.status).toBe(400);
      expect(second.headers.get("set-cookie")).toBeNull();
      // The dev mailbox lists it.
      const mailbox = (await mailboxLoader()) as { mails: Array<{ to: string }> };
      expect(mailbox.mails.some((m) => m.to === address)).toBe(true);
    });

    it("refuses an expired link and a malformed token", async () => {
      const address = email();
      await ask(address);
      const link = await latestLink(address);
      await handle.db.update(loginTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(loginTokens.email, address));
      expect((await follow(link)).status).toBe(400);
      expect((await follow(`${ORIGIN}/auth/email/short`)).status).toBe(400);
      expect((await handle.db.select().from(users).where(eq(users.email, address))).length).toBe(0);
    });

    it("limits links per email address and per IP with 429 and a message", async () => {
      const address = email();
      for (let i = 0; i < 3; i++) expect((await ask(address)).status).toBe(200);
      const limited = await ask(address);
      expect(limited.status).toBe(429);
      expect(((await limited.json()) as { formError: string }).formError).toMatch(/Too many attempts: try again in \d+ minutes/);
      const ip = `10.9.${octet()}.${octet()}`;
      for (let i = 0; i < 10; i++) expect((await ask(email(), ip)).status).toBe(200);
      expect((await ask(email(), ip)).status).toBe(429);
    });

    it("answers a bad email with 400 and a message, sending nothing", async () => {
      const before = (await handle.db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox))[0]!.n;
      const response = await ask("not-an-email");
      expect(response.status).toBe(400);
      expect(((await response.json()) as { fieldError: string }).fieldError).toMatch(/valid email address/);
      expect((await handle.db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox))[0]!.n).toBe(before);
    });

    it("sends over SMTP when SMTP_URL is set: links to APP_URL, nothing kept, no dev mailbox", async () => {
      const smtp = await startSmtpServer();
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        setEnv({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, APP_URL: "https://tickets.example.com", MAIL_FROM: "TicketChain <hello@tickets.example.com>" });
        const address = email();
        const before = (await handle.db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox))[0]!.n;
        expect((await ask(address)).status).toBe(200);
        expect(smtp.mails).toHaveLength(1);
        expect(smtp.mails[0]!.from).toBe("<hello@tickets.example.com>");
        expect(smtp.mails[0]!.to).toEqual([`<${address}>`]);
        const body = smtp.mails[0]!.data.replace(/=\r\n/g, "");
        expect(body).toMatch(/https:\/\/tickets\.example\.com\/auth\/email\/[A-Za-z0-9_-]{43}/);
        expect((await handle.db.select({ n: sql<number>`count(*)::int` }).from(mailOutbox))[0]!.n).toBe(before);
        expect(log).not.toHaveBeenCalled();
        const mailbox = await thrown(mailboxLoader());
        expect(mailbox.status).toBe(404);
      } finally {
        log.mockRestore();
        setEnv({});
        await smtp.close();
      }
    });

    it("sends a signed-in visitor of /login on to where they were going (same site only)", async () => {
      const address = email();
      await ask(address);
      const signedIn = await follow(await latestLink(address));
      const response = await thrown(loginLoader(args(request("/login?redirectTo=/events/x", { cookie: cookieFrom(signedIn.headers)! }))));
      expect(response.headers.get("location")).toBe("/events/x");
      expect(safeRedirect("//evil.example")).toBe("/tickets");
      expect(safeRedirect("https://evil.example")).toBe("/tickets");
    });
  });
});
