import { webcrypto } from "node:crypto";
import { and, eq, gt, isNull, sql, type Placeholder } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { redirect } from "@remix-run/node";
import { z } from "zod";
import { env } from "~/env.server";
import { getDb, type Db } from "../../db/client.server";
import { events, eventStaff, sessions, users } from "../../db/schema";
import { secrets } from "./secrets.server";

/**
 * Sessions (docs/decisions/010-accounts-and-sessions.md).
 *
 * A signed-in browser has a `sessions` row and an httpOnly cookie holding a short JWT (HS256, 15 min)
 * that names the row (`sid`) and the user (`sub`). Every request checks the row, so signing out (or
 * revoking) takes effect at once. A JWT older than 5 minutes is replaced on the next request and the
 * row's expiry slides to 7 days from then; after 7 days without a visit the session is over.
 *
 * Authorisation helpers throw Responses (Epic Stack style): pages get a redirect to /login, API calls
 * a 401/403 JSON body with a message.
 */

export const SESSION_COOKIE = "tc_session";
export const TOKEN_TTL_SEC = 15 * 60;
export const ROTATE_AFTER_SEC = 5 * 60;
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
const ISSUER = "ticketchain";
const AUDIENCE = "ticketchain:session";

export type Role = "fan" | "promoter" | "scanner" | "admin";
export type SessionMethod = "siwe" | "email";

export interface SessionUser {
  id: string;
  email: string | null;
  displayName: string;
  walletAddress: string | null;
  role: Role;
}

interface Resolved {
  user: SessionUser | null;
  sessionId: string | null;
  /** Set-Cookie to send with this request's response (rotation or clearing), if any */
  setCookie: string | null;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(:\d+)?$/i;

/**
 * Whether the cookie gets `Secure`: APP_URL decides when set; otherwise a request that came over TLS
 * (directly or as told by the proxy's X-Forwarded-Proto), or any non-loopback host in production (the
 * product is served behind TLS there). http://localhost and http://127.0.0.1 get no `Secure`, so local
 * runs (including the browser tests) keep their session.
 */
export function isSecureRequest(request: Request): boolean {
  const appUrl = env().APP_URL;
  if (appUrl) return appUrl.startsWith("https:");
  const url = new URL(request.url);
  if (url.protocol === "https:") return true;
  if (request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https") return true;
  return process.env.NODE_ENV === "production" && !LOOPBACK.test(url.host);
}

function serializeCookie(request: Request, value: string, maxAgeSec: number): string {
  const parts = [`${SESSION_COOKIE}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSec}`];
  if (maxAgeSec === 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (isSecureRequest(request)) parts.push("Secure");
  return parts.join("; ");
}

/** The raw session cookie (the JWT) of `request`, or null. Not verified: only a cache key for callers. */
export function sessionToken(request: Request): string | null {
  return readCookie(request);
}

function readCookie(request: Request): string | null {
  return sessionTokenFromCookie(request.headers.get("cookie"));
}

/** `sessionToken` from a raw Cookie header (the door's fast path has no Fetch Request). */
export function sessionTokenFromCookie(header: string | null | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === SESSION_COOKIE) return part.slice(index + 1).trim() || null;
  }
  return null;
}

/**
 * The session secret as an HMAC-SHA-256 CryptoKey, imported once per secret: given the raw bytes, jose
 * imports a key on every sign and verify, which cost more than the HMAC itself.
 */
const sessionKeys = new WeakMap<Uint8Array, Promise<CryptoKey>>();
function sessionKey(): Promise<CryptoKey> {
  const secret = secrets().sessionSecret;
  let key = sessionKeys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    sessionKeys.set(secret, key);
  }
  return key;
}

/** Signs a session JWT; `issuedAtSec` is for tests of rotation and expiry. */
export async function signSessionToken(sessionId: string, userId: string, issuedAtSec = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAtSec)
    .setExpirationTime(issuedAtSec + TOKEN_TTL_SEC)
    .sign(await sessionKey());
}

/**
 * Verifies the JWT's signature, issuer and audience. An expired JWT is still returned (flagged): its
 * session row decides whether it may be renewed. Anything else (bad signature, wrong algorithm) is null.
 */
async function readToken(token: string): Promise<{ sid: string; sub: string; iat: number; expired: boolean } | null> {
  let payload: JWTPayload;
  let expired = false;
  try {
    ({ payload } = await jwtVerify(token, await sessionKey(), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE }));
  } catch (error) {
    // jose checks the signature, then iss/aud, then exp: an expired token here is authentic.
    if (!(error instanceof joseErrors.JWTExpired)) return null;
    payload = error.payload;
    expired = true;
  }
  const parsed = z.object({ sid: z.string().uuid(), sub: z.string().uuid(), iat: z.number().int() }).safeParse(payload);
  return parsed.success ? { ...parsed.data, expired } : null;
}

/**
 * For a hot path that caches its own checks (the door's scan route, app/services/door-http.server.ts):
 * the session and user ids of an authentic token (signature, issuer and audience check out), due for
 * rotation or past its expiry or not: as for `getUser`, which renews such a token, the session row then
 * decides (`liveSession`). Null for anything else. The hot path cannot send a renewed cookie; the
 * scanner page's other requests renew it.
 */
export async function sessionClaims(token: string): Promise<{ sid: string; sub: string } | null> {
  const secret = secrets().sessionSecret;
  let known = verifiedTokens.get(secret);
  if (!known) verifiedTokens.set(secret, (known = new Map()));
  let claims = known.get(token);
  if (!claims) {
    const read = await readToken(token);
    if (!read) return null;
    claims = { sid: read.sid, sub: read.sub };
    if (known.size >= VERIFIED_TOKENS) known.clear();
    known.set(token, claims);
  }
  return claims;
}

/**
 * Tokens sessionClaims has verified, per session secret (a new secret starts afresh): a token's signature
 * and claims never change. Saves the HMAC and the JSON parse when the door re-checks a steward every few
 * seconds. Bounded: emptied when full.
 */
const VERIFIED_TOKENS = 10_000;
const verifiedTokens = new WeakMap<Uint8Array, Map<string, { sid: string; sub: string }>>();

/** A verified token that `getUser` renews: past its expiry, or older than ROTATE_AFTER_SEC. */
function rotationDue(claims: { iat: number; expired: boolean }): boolean {
  return claims.expired || Math.floor(Date.now() / 1000) - claims.iat >= ROTATE_AFTER_SEC;
}

/** A valid session row: not revoked, not expired (the condition `getUser` applies); ids or placeholders of a prepared statement. */
export function liveSession(sid: string | Placeholder, sub: string | Placeholder) {
  return and(eq(sessions.id, sid), eq(sessions.userId, sub), sessionNotEnded());
}

/** Not revoked, not expired: the part of liveSession that does not name the session (for a statement over several). */
export function sessionNotEnded() {
  return and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`));
}

export const userColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  walletAddress: users.walletAddress,
  role: users.role,
};

const resolvedByRequest = new WeakMap<Request, Promise<Resolved>>();

async function resolve(request: Request): Promise<Resolved> {
  const token = readCookie(request);
  if (!token) return { user: null, sessionId: null, setCookie: null };
  const clear = serializeCookie(request, "", 0);
  const claims = await readToken(token);
  if (!claims) return { user: null, sessionId: null, setCookie: clear };
  const db = await getDb();
  const [row] = await db
    .select(userColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(liveSession(claims.sid, claims.sub));
  if (!row) return { user: null, sessionId: null, setCookie: clear };
  if (!rotationDue(claims)) return { user: row, sessionId: claims.sid, setCookie: null };
  // Rotate: slide the row's expiry (only while it is still valid) and issue a fresh JWT.
  const slid = await db
    .update(sessions)
    .set({ expiresAt: new Date(Date.now() + SESSION_TTL_MS) })
    .where(and(eq(sessions.id, claims.sid), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .returning({ id: sessions.id });
  if (!slid.length) return { user: null, sessionId: null, setCookie: clear };
  const fresh = await signSessionToken(claims.sid, claims.sub);
  return { user: row, sessionId: claims.sid, setCookie: serializeCookie(request, fresh, SESSION_TTL_MS / 1000) };
}

function resolved(request: Request): Promise<Resolved> {
  let pending = resolvedByRequest.get(request);
  if (!pending) {
    pending = resolve(request);
    resolvedByRequest.set(request, pending);
  }
  return pending;
}

/** The signed-in user of this request, or null. */
export async function getUser(request: Request): Promise<SessionUser | null> {
  return (await resolved(request)).user;
}

/**
 * Headers to send with this request's response: the renewed cookie when the JWT was rotated, or a
 * cleared cookie when it was invalid. Empty otherwise. Routes spread it into their response headers.
 */
export async function commitSession(request: Request): Promise<Headers> {
  const headers = new Headers();
  const { setCookie } = await resolved(request);
  if (setCookie) headers.append("Set-Cookie", setCookie);
  return headers;
}

/** Opens a session for `userId` (after SIWE or an email link); returns the Set-Cookie headers. */
export async function createSession(request: Request, userId: string, method: SessionMethod, db?: Db): Promise<Headers> {
  const handle = db ?? (await getDb());
  const [row] = await handle
    .insert(sessions)
    .values({ userId, method, expiresAt: new Date(Date.now() + SESSION_TTL_MS) })
    .returning({ id: sessions.id });
  const token = await signSessionToken(row!.id, userId);
  return new Headers({ "Set-Cookie": serializeCookie(request, token, SESSION_TTL_MS / 1000) });
}

/** Signs out: revokes this request's session row and clears the cookie. */
export async function destroySession(request: Request): Promise<Headers> {
  const token = readCookie(request);
  const claims = token ? await readToken(token) : null;
  if (claims) {
    const db = await getDb();
    await db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.id, claims.sid), eq(sessions.userId, claims.sub), isNull(sessions.revokedAt)));
  }
  return new Headers({ "Set-Cookie": serializeCookie(request, "", 0) });
}

/** Page requests (documents and Remix data requests) are redirected to /login; API calls get JSON. */
function wantsRedirect(request: Request): boolean {
  const url = new URL(request.url);
  return url.searchParams.has("_data") || (request.headers.get("accept") ?? "").includes("text/html");
}

function jsonError(status: number, message: string): Response {
  return Response.json({ error: message }, { status });
}

/** The signed-in user; otherwise throws a redirect to /login (pages) or a 401 JSON Response (API). */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getUser(request);
  if (user) return user;
  if (wantsRedirect(request)) {
    const url = new URL(request.url);
    url.searchParams.delete("_data");
    const back = `${url.pathname}${url.search}`;
    throw redirect(`/login?${new URLSearchParams({ redirectTo: back })}`, { headers: await commitSession(request) });
  }
  throw jsonError(401, "Sign in first.");
}

/** A user with `role` (admins pass every check); otherwise 403. */
export async function requireRole(request: Request, role: Role): Promise<SessionUser> {
  const user = await requireUser(request);
  if (user.role === role || user.role === "admin") return user;
  throw jsonError(403, `This needs the ${role} role.`);
}

const uuid = z.string().uuid();

/** The event's promoter (events.promoter_id) or an admin: may do everything its door staff may. */
export function isPromoterOrAdmin(user: SessionUser, promoterId: string): boolean {
  return user.role === "admin" || promoterId === user.id;
}

async function eventPromoter(db: Db, eventId: string): Promise<string> {
  const [event] = uuid.safeParse(eventId).success
    ? await db.select({ promoterId: events.promoterId }).from(events).where(eq(events.id, eventId))
    : [];
  if (!event) throw jsonError(404, "No such event.");
  return event.promoterId;
}

/** The event's promoter (events.promoter_id) or an admin; otherwise 403 (404 for an unknown event). */
export async function requirePromoter(request: Request, eventId: string): Promise<SessionUser> {
  const user = await requireUser(request);
  const promoterId = await eventPromoter(await getDb(), eventId);
  if (isPromoterOrAdmin(user, promoterId)) return user;
  throw jsonError(403, "Only this event's promoter can do that.");
}

/** Door staff of the event (event_staff), its promoter, or an admin; otherwise 403. */
export async function requireScanner(request: Request, eventId: string): Promise<SessionUser> {
  const user = await requireUser(request);
  const db = await getDb();
  const promoterId = await eventPromoter(db, eventId);
  if (isPromoterOrAdmin(user, promoterId)) return user;
  const [staff] = await db
    .select({ userId: eventStaff.userId })
    .from(eventStaff)
    .where(and(eq(eventStaff.eventId, eventId), eq(eventStaff.userId, user.id)));
  if (staff) return user;
  throw jsonError(403, "Only this event's door staff can do that.");
}
